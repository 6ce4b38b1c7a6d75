/**
 * Test "ECS instances": real OpenSSH sshd hosts, each on its own loopback
 * address (127.X.Y.Z; no interface is ever configured), with its own host key,
 * in its own mount and pid namespaces with overlays over /etc, /root, /home
 * and /var/log, so chpasswd, useradd and authorized_keys changes stay inside
 * that host. Needs root; see requireRootForHosts.
 *
 *   await using host = await startSshHost({ users: [{ name: "deploy", authorizedKeys: [pub] }] });
 *   await tryLogin({ ...hostTarget(host), username: "root", password: host.rootPassword });
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createHostDir, removeHostDir } from "./host-dir";
import { generateHostKey } from "./host-key";
import { provisionHost, type ProvisionedUser } from "./host-provisioning";
import { findFreePort, randomLoopbackAddress } from "./loopback";
import { requireRootForHosts } from "./require-root";
import type { SshHostOptions, StartedSshHost } from "./ssh-host-types";
import { renderSshdConfig } from "./sshd-config";
import { launchSshd, prepareOverlayDirs, type SshdProcess } from "./sshd-process";
import { StartedSshHostImpl } from "./started-ssh-host";

export type * from "./ssh-host-types";
export { requireRootForHosts } from "./require-root";

/** Attempts at a fresh random address/port when sshd cannot bind. */
const MAX_BIND_ATTEMPTS = 5;
const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;
const SUDO_PATH = "/usr/bin/sudo";

export async function startSshHost(options: SshHostOptions = {}): Promise<StartedSshHost> {
  requireRootForHosts();
  const users = normalizeUsers(options);
  const rootPassword = options.rootPassword ?? randomPassword();
  checkSecret("rootPassword", rootPassword);
  const rootAuthorizedKeys = options.rootAuthorizedKeys ?? [];
  rootAuthorizedKeys.forEach((k) => checkKeyLine("root", k));
  const hostKeyType = options.hostKeyType ?? "ed25519";

  const dir = await createHostDir();
  let host: StartedSshHostImpl | undefined;
  try {
    await prepareOverlayDirs(dir);
    const hostKey = await generateHostKey(dir, hostKeyType);
    const { address, port, sshd } = await listen(dir, hostKey.path);
    host = new StartedSshHostImpl(
      {
        host: address,
        port,
        hostKeyFingerprint: hostKey.fingerprint,
        hostPublicKey: hostKey.publicKeyLine,
        hostKeyType,
        rootPassword,
        users: Object.fromEntries(users.map((u) => [u.name, u.password])),
        tempDir: dir,
      },
      sshd,
    );
    const started = host;
    await provisionHost((argv, o) => started.run(argv, o), { rootPassword, rootAuthorizedKeys, users });
    return host;
  } catch (err) {
    if (host) {
      const logs = host.logs();
      await host.stop();
      if (err instanceof Error) err.message += `\n--- sshd host log ---\n${logs}`;
    } else {
      await removeHostDir(dir);
    }
    throw err;
  }
}

/** Connection fields of a host, the shape ssh-client helpers take. */
export function hostTarget(host: StartedSshHost): { host: string; port: number; hostKeyFingerprint: string } {
  return { host: host.host, port: host.port, hostKeyFingerprint: host.hostKeyFingerprint };
}

async function listen(
  dir: string,
  hostKeyPath: string,
): Promise<{ address: string; port: number; sshd: SshdProcess }> {
  const configPath = join(dir, "sshd_config");
  let lastLogs = "";
  for (let attempt = 1; attempt <= MAX_BIND_ATTEMPTS; attempt++) {
    const address = randomLoopbackAddress();
    const port = await findFreePort(address);
    await writeFile(configPath, renderSshdConfig({ address, port, hostKeyPath }), { mode: 0o600 });
    const outcome = await launchSshd({ dir, configPath, address, port });
    if (outcome.kind === "ready") return { address, port, sshd: outcome.sshd };
    lastLogs = outcome.logs;
  }
  throw new Error(`sshd could not bind a loopback address in ${MAX_BIND_ATTEMPTS} attempts:\n${lastLogs}`);
}

function normalizeUsers(options: SshHostOptions): ProvisionedUser[] {
  const seen = new Set<string>();
  return (options.users ?? []).map((u) => {
    if (!USER_NAME.test(u.name) || u.name === "root") {
      throw new Error(`startSshHost: invalid user name ${JSON.stringify(u.name)} (use rootPassword/rootAuthorizedKeys for root)`);
    }
    if (seen.has(u.name)) throw new Error(`startSshHost: user ${u.name} listed twice`);
    seen.add(u.name);
    const password = u.password === undefined ? randomPassword() : u.password;
    if (password !== null) checkSecret(`password of ${u.name}`, password);
    u.authorizedKeys?.forEach((k) => checkKeyLine(u.name, k));
    if (u.sudo && !existsSync(SUDO_PATH)) {
      throw new Error(
        `startSshHost: user ${u.name} asks for sudo, but ${SUDO_PATH} is missing on this machine; install it with apt-get install sudo`,
      );
    }
    const sudo = u.sudo === true ? "nopasswd" : u.sudo === false || u.sudo === undefined ? null : u.sudo;
    return { name: u.name, password, authorizedKeys: u.authorizedKeys, sudo };
  });
}

function randomPassword(): string {
  return randomBytes(18).toString("base64url");
}

function checkSecret(what: string, value: string): void {
  if (value === "" || /[\r\n\0]/.test(value)) {
    throw new Error(`startSshHost: ${what} must be non-empty and single-line`);
  }
}

function checkKeyLine(user: string, line: string): void {
  if (/[\r\n\0]/.test(line.trim()) || line.trim() === "") {
    throw new Error(`startSshHost: authorized key for ${user} must be one non-empty line`);
  }
}
