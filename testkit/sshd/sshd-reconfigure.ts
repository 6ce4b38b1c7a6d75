/**
 * Changes a running test host's sshd_config and makes sshd re-read it
 * (SIGHUP: sshd re-executes itself with the same arguments, keeping its pid
 * and its stderr, so host.logs() goes on). For tests that need a host to
 * differ from an ECS image, e.g. a bastion that allows TCP forwarding.
 *
 * sshd takes the first value it reads for a keyword, so `set` replaces the
 * line of the base config; `append` adds lines at the end (Match blocks).
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { StartedSshHost } from "./ssh-host-types";

export interface SshdChange {
  readonly set?: Readonly<Record<string, string>>;
  readonly append?: readonly string[];
}

export async function reconfigureSshd(host: StartedSshHost, change: SshdChange, timeoutMs = 10_000): Promise<void> {
  const path = join(host.tempDir, "sshd_config");
  let lines = (await readFile(path, "utf8")).split("\n").filter((l) => l !== "");
  for (const [keyword, value] of Object.entries(change.set ?? {})) {
    const at = lines.findIndex((l) => l.split(/\s+/)[0]?.toLowerCase() === keyword.toLowerCase());
    const line = `${keyword} ${value}`;
    if (at >= 0) lines[at] = line;
    else lines = [line, ...lines];
  }
  lines.push(...(change.append ?? []));
  await writeFile(path, `${lines.join("\n")}\n`, { mode: 0o600 });

  const ready = `Server listening on ${host.host} port ${host.port}.`;
  const before = count(host.logs(), ready);
  // Our own sshd, by the pid this test started it with.
  process.kill(host.pid, "SIGHUP");
  const deadline = Date.now() + timeoutMs;
  while (count(host.logs(), ready) <= before) {
    if (Date.now() > deadline) throw new Error(`sshd on ${host.host}:${host.port} did not come back after SIGHUP:\n${host.logs()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function count(text: string, line: string): number {
  return text.split(line).length - 1;
}
