/**
 * Mocha global fixtures (.mocharc `require`): they run once in mocha's main
 * process, before any worker of `--parallel` starts, so the run folder named
 * here is inherited by every worker and removed once, after the last file.
 * The local store's high-water marks (MANAGED_SECRETS_STATE_DIR) go there
 * too, not into the user's home, for every store a test makes.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { STATE_DIR_ENV } from "../../provider/store/local/store-mark-file";
import { RUN_DIR_ENV } from "../../testkit/pulumi/run-shared";

let made: string | undefined;
let madeStateDir = false;

export async function mochaGlobalSetup(): Promise<void> {
  if (!process.env[RUN_DIR_ENV]) {
    made = await mkdtemp(join(tmpdir(), "ms-test-run-"));
    process.env[RUN_DIR_ENV] = made;
  }
  if (!process.env[STATE_DIR_ENV]) {
    process.env[STATE_DIR_ENV] = join(process.env[RUN_DIR_ENV]!, "state");
    madeStateDir = true;
  }
}

export async function mochaGlobalTeardown(): Promise<void> {
  if (madeStateDir) delete process.env[STATE_DIR_ENV];
  madeStateDir = false;
  if (!made) return;
  await rm(made, { recursive: true, force: true, maxRetries: 3, retryDelay: 100 });
  delete process.env[RUN_DIR_ENV];
  made = undefined;
}
