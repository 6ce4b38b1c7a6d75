/**
 * What one test run builds once and every mocha process of the run reuses
 * (the `npm pack` tarball, installed Pulumi project templates). Under
 * `mocha --parallel` each test file may land in another worker process, so a
 * per-process cache would pack and install once per worker: the run folder
 * (MS_TEST_RUN_DIR, made by test-run-fixtures.ts before the workers start)
 * is shared instead, and a lock lets one process build while the others wait.
 */
import { createHash } from "node:crypto";
import { rmSync } from "node:fs";
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lock } from "proper-lockfile";

export const RUN_DIR_ENV = "MS_TEST_RUN_DIR";

let ownRunDir: Promise<string> | undefined;

/** The run's folder; a process started without the fixture (another runner) makes its own, removed at exit. */
function runDir(): Promise<string> {
  const shared = process.env[RUN_DIR_ENV];
  if (shared) return Promise.resolve(shared);
  return (ownRunDir ??= mkdtemp(join(tmpdir(), "ms-test-run-")).then((dir) => {
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }));
}

const built = new Map<string, Promise<string>>();

/**
 * The folder `build` filled for `key` in this run: built by the first process
 * that asks, waited for by the others. A build that failed is retried by the next asker.
 */
export function runShared(kind: string, key: string, build: (dir: string) => Promise<void>): Promise<string> {
  const id = `${kind}-${createHash("sha256").update(key).digest("hex").slice(0, 16)}`;
  let p = built.get(id);
  if (!p) {
    p = buildOnce(id, build);
    built.set(id, p);
    p.catch(() => built.delete(id));
  }
  return p;
}

async function buildOnce(id: string, build: (dir: string) => Promise<void>): Promise<string> {
  const root = await runDir();
  const dir = join(root, id);
  const done = join(root, `${id}.done`);
  await writeFile(join(root, `${id}.lock-target`), "", { flag: "a" });
  // An npm install under load takes minutes: wait that long for another process's build. A
  // generous stale time, so a holder whose lock refresh is late on a busy machine keeps its lock.
  const release = await lock(join(root, `${id}.lock-target`), {
    realpath: false,
    stale: 60_000,
    retries: { retries: 1200, minTimeout: 100, maxTimeout: 500 },
  });
  try {
    if (await exists(done)) return dir;
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir);
    await build(dir);
    await writeFile(done, "");
    return dir;
  } finally {
    await release();
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
