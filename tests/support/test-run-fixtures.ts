/**
 * Mocha global fixtures (.mocharc `require`): they run once in mocha's main
 * process, before any worker of `--parallel` starts, so the run folder named
 * here is inherited by every worker and removed once, after the last file.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RUN_DIR_ENV } from "../../testkit/pulumi/run-shared";

let made: string | undefined;

export async function mochaGlobalSetup(): Promise<void> {
  if (process.env[RUN_DIR_ENV]) return;
  made = await mkdtemp(join(tmpdir(), "ms-test-run-"));
  process.env[RUN_DIR_ENV] = made;
}

export async function mochaGlobalTeardown(): Promise<void> {
  if (!made) return;
  await rm(made, { recursive: true, force: true, maxRetries: 3, retryDelay: 100 });
  delete process.env[RUN_DIR_ENV];
  made = undefined;
}
