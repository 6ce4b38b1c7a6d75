/**
 * First-boot setup of a test host, run inside its namespaces: users, passwords
 * (chpasswd over stdin, never argv), authorized_keys with the ownership and
 * modes StrictModes wants, and sudoers entries.
 */
import type { ExecResult } from "./ns-exec";
import type { HostExecOptions } from "./ssh-host-types";

export interface ProvisionedUser {
  name: string;
  password: string | null;
  authorizedKeys: string[] | undefined;
  sudo: "nopasswd" | "password" | null;
}

export interface ProvisionPlan {
  rootPassword: string;
  rootAuthorizedKeys: string[];
  users: ProvisionedUser[];
}

export type HostRunner = (argv: readonly string[], options?: HostExecOptions) => Promise<ExecResult>;

const CREATE_USERS = `set -eu
for u in "$@"; do
  id -u "$u" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$u"
done`;

const WRITE_AUTHORIZED_KEYS = `set -eu
u=$1
home=$(getent passwd "$u" | cut -d: -f6)
group=$(id -gn "$u")
[ -n "$home" ] || { echo "user $u has no home directory" >&2; exit 1; }
install -d -m 0700 -o "$u" -g "$group" "$home/.ssh"
rm -f "$home/.ssh/authorized_keys2"
umask 077
cat > "$home/.ssh/authorized_keys"
chown "$u:$group" "$home/.ssh/authorized_keys"
chmod 0600 "$home/.ssh/authorized_keys"`;

const WRITE_SUDOERS = `set -eu
f=/etc/sudoers.d/$1
mkdir -p /etc/sudoers.d
umask 0227
cat > "$f.tmp"
visudo -cqf "$f.tmp"
mv "$f.tmp" "$f"`;

export async function provisionHost(run: HostRunner, plan: ProvisionPlan): Promise<void> {
  if (plan.users.length > 0) {
    await check(run, "create users", ["/bin/sh", "-c", CREATE_USERS, "sh", ...plan.users.map((u) => u.name)]);
  }

  const passwords = [
    `root:${plan.rootPassword}`,
    ...plan.users.filter((u) => u.password !== null).map((u) => `${u.name}:${u.password}`),
  ];
  await check(run, "chpasswd", ["/usr/sbin/chpasswd"], { stdin: passwords.join("\n") + "\n" });

  // A fresh instance: root has exactly the keys asked for (none by default).
  await writeAuthorizedKeys(run, "root", plan.rootAuthorizedKeys);
  for (const user of plan.users) {
    if (user.authorizedKeys !== undefined) await writeAuthorizedKeys(run, user.name, user.authorizedKeys);
    if (user.sudo !== null) {
      const tag = user.sudo === "nopasswd" ? "NOPASSWD: " : "";
      await check(run, `sudoers for ${user.name}`, ["/bin/sh", "-c", WRITE_SUDOERS, "sh", user.name], {
        stdin: `${user.name} ALL=(ALL:ALL) ${tag}ALL\n`,
      });
    }
  }
}

async function writeAuthorizedKeys(run: HostRunner, user: string, keys: string[]): Promise<void> {
  const content = keys.length === 0 ? "" : keys.map((k) => k.trim()).join("\n") + "\n";
  await check(run, `authorized_keys for ${user}`, ["/bin/sh", "-c", WRITE_AUTHORIZED_KEYS, "sh", user], {
    stdin: content,
  });
}

async function check(
  run: HostRunner,
  what: string,
  argv: readonly string[],
  options?: HostExecOptions,
): Promise<void> {
  const result = await run(argv, options);
  if (result.code !== 0) {
    throw new Error(`test host setup failed (${what}, exit ${result.code}): ${result.stderr.trim()}`);
  }
}
