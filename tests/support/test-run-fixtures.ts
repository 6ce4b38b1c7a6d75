/**
 * Mocha global fixtures (.mocharc `require`): they run once in mocha's main
 * process, before any worker of `--parallel` starts, so the run folder named
 * here is inherited by every worker and removed once, after the last file.
 * The local store's high-water marks (MANAGED_SECRETS_STATE_DIR) go there
 * too, not into the user's home, for every store a test makes.
 */
import { appendFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { performance } from "node:perf_hooks";
import { STATE_DIR_ENV } from "../../provider/store/local/store-mark-file";
import { RUN_DIR_ENV } from "../../testkit/pulumi/run-shared";

/** Where each file's time goes, one JSON line per file, in the run folder (read by summary-reporter.cjs). */
const FILE_TIMES = "file-times.jsonl";

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

/**
 * Root hooks (they run in every worker of `--parallel`, around each test
 * file): each file's wall time, hooks included (starting sshd hosts,
 * emulators, the Pulumi CLI), appended to the run folder for the reporter
 * (summary-reporter.cjs), which lists the slowest files. Mocha's own test
 * durations leave out the hooks, where most of a suite's time goes.
 */
let fileStarted = 0;
export const mochaHooks = {
  beforeAll(this: Mocha.Context): void {
    fileStarted = performance.now();
  },
  afterAll(this: Mocha.Context): void {
    const files = new Set(this.test?.parent?.suites.map((s) => s.file).filter((f): f is string => f !== undefined));
    const dir = process.env[RUN_DIR_ENV];
    // Outside --parallel the root hooks run once around every file together: the reporter times files itself then.
    if (files.size !== 1 || !dir) return;
    appendFileSync(join(dir, FILE_TIMES), `${JSON.stringify({ file: relative(process.cwd(), [...files][0]!), ms: Math.round(performance.now() - fileStarted) })}\n`);
  },
};
