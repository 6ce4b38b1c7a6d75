import { ManagedSecretsError } from "../../core/errors";
import { shq } from "../../ssh/shell-quote";
import type { SshCredential } from "../../ssh/connect-config";
import type { SshSession } from "../../ssh/ssh-session";
import { outputTail } from "../../ssh/command-output";

/**
 * How a non-root admin runs a command as root (or as the managed user):
 * through sudo, with its password on stdin only when sudo really asks for it.
 *
 * Why the probes: `sudo -S` reads a password only when it needs one. Sent
 * blindly, the admin's password line would flow into the command itself
 * under NOPASSWD (into chpasswd's input, or appended to authorized_keys), and
 * a wrong password would make sudo read the next lines (the new credential)
 * as further password attempts. So one session first asks `sudo -n`; only if
 * sudo wants a password is it checked alone, with nothing after it on stdin.
 * `-k` makes sudo ignore any cached timestamp, so with a password it always
 * reads exactly that first line.
 */
export interface SudoElevation {
  /** The command line to exec and the text to put before the command's own stdin. */
  wrap(command: string, asUser?: string): { command: string; stdinPrefix: string };
}

export async function elevateWithSudo(
  session: SshSession,
  admin: { readonly user: string; readonly credential: SshCredential },
  host: string,
): Promise<SudoElevation> {
  const wrap =
    (sudo: string, stdinPrefix: string): SudoElevation["wrap"] =>
    (command, asUser) => ({
      command: `${sudo}${asUser === undefined ? "" : ` -u ${shq(asUser)}`} ${command}`,
      stdinPrefix,
    });

  const free = await session.exec("sudo -k -n true");
  if (free.code === 0) return { wrap: wrap("sudo -n", "") };

  const refused = (detail: string) =>
    new ManagedSecretsError(
      "TargetCommandFailed",
      `the admin connection (${admin.user}@${host}) cannot run commands as root through sudo: ${detail}`,
      { property: "connection.admin" },
    );
  if (free.code === 127 || /command not found|No such file/.test(free.stderr)) {
    throw refused("sudo is not installed; use root as connection.admin.user");
  }
  if (!("password" in admin.credential)) {
    throw refused(
      `sudo asks ${admin.user} for a password and connection.admin has a privateKey, not a password ` +
        `(allow ${admin.user} NOPASSWD in sudoers, or give connection.admin.password)`,
    );
  }
  const checked = await session.exec("sudo -k -S -p '' true", { stdin: `${admin.credential.password}\n` });
  // sudo's own stderr never echoes what was typed; the mask is for anything else on the host that might.
  if (checked.code !== 0) throw refused(outputTail(checked, [admin.credential.password]) || `exit ${checked.code}`);
  return { wrap: wrap("sudo -k -S -p ''", `${admin.credential.password}\n`) };
}
