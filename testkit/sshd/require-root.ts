/**
 * Guard for suites that start real sshd test hosts. They need root (mount
 * namespaces, overlay mounts, chpasswd) and Debian's openssh-server. Without
 * either, the suite must fail loudly with the reason, never pass or skip.
 */
import { accessSync, constants } from "node:fs";

export const SSHD_PATH = "/usr/sbin/sshd";

const TOOLS = ["/usr/bin/unshare", "/usr/bin/nsenter", "/usr/bin/setpriv", "/usr/bin/ssh-keygen"];

export class TestHostPrerequisiteError extends Error {
  override name = "TestHostPrerequisiteError";
}

export function requireRootForHosts(): void {
  const why = "these tests start real sshd hosts in mount namespaces";
  if (typeof process.getuid !== "function" || process.getuid() !== 0) {
    throw new TestHostPrerequisiteError(
      `${why}: run as root (uid is ${process.getuid?.() ?? "unknown"}); install with apt-get install openssh-server`,
    );
  }
  if (!isExecutable(SSHD_PATH)) {
    throw new TestHostPrerequisiteError(
      `${why}: ${SSHD_PATH} is missing; run as root and install with apt-get update && apt-get install openssh-server`,
    );
  }
  const missing = TOOLS.filter((t) => !isExecutable(t));
  if (missing.length > 0) {
    throw new TestHostPrerequisiteError(
      `${why}: missing ${missing.join(", ")}; install with apt-get install util-linux openssh-client`,
    );
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
