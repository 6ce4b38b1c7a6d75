/** Per-host temp dir: host key, sshd_config, overlay upper/work layers. */
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export async function createHostDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "ssh-host-"));
  await chmod(dir, 0o700);
  return dir;
}

/**
 * Removes the dir. Overlay work dirs contain a mode-000 "work" directory and
 * upper dirs may hold whiteout device nodes; root removes both, but a mount
 * namespace that is still being torn down can make a first attempt fail, so
 * retry, and verify the dir is really gone.
 */
export async function removeHostDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  if (existsSync(dir)) throw new Error(`could not remove test host dir ${dir}`);
}
