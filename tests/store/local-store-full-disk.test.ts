import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, open, readdir, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalSecretStore } from "../../provider/store/local/local-store";
import { forgetLogViews } from "../../provider/store/local/store-log-view";
import { expectError } from "../support/expect-error";

const PASSPHRASE = "full disk passphrase";

/** Fills the file system until it refuses another byte: what a full disk looks like to the store. */
async function fillDisk(path: string): Promise<void> {
  const handle = await open(path, "w");
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) await handle.write(chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
  } finally {
    await handle.close();
  }
}

/**
 * A real full disk: a 2 MiB tmpfs mounted for the test (root only; the
 * without-root runs skip it) and unmounted after.
 */
describe("LocalSecretStore on a full disk", function () {
  let dir: string;
  let mounted = false;

  before(function () {
    if (process.getuid?.() !== 0) this.skip();
  });

  beforeEach(async function () {
    dir = await mkdtemp(join(tmpdir(), "ms-full-disk-"));
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", dir]);
    mounted = true;
  });

  afterEach(async function () {
    if (mounted) execFileSync("umount", [dir]);
    mounted = false;
    await rm(dir, { recursive: true, force: true });
  });

  it("a write that meets a full disk fails with StoreWriteFailed saying so, and the store keeps its last good state; once there is room, writes go on", async function () {
    const path = join(dir, "store.enc");
    const store = new LocalSecretStore({ path, passphrase: PASSPHRASE });
    await store.createSecret({ name: "db", description: "", metadata: { target: "i-1" }, versionId: "v1", value: "first value" });
    await store.putValue("db", { versionId: "v2", value: "second value", stages: ["ACSCurrent"] });
    const before = await readFile(path);
    const filler = join(dir, "filler");
    await fillDisk(filler);

    const big = "x".repeat(20_000);
    const err = await expectError(store.putValue("db", { versionId: "v3", value: big, stages: ["ACSPending"] }), "StoreWriteFailed", { message: /disk is full/ });
    assert.ok(err.message.includes(path) && /nothing of this change was stored/.test(err.message), err.message);
    assert.ok(!err.message.includes(big));
    await expectError(store.updateSecret("db", { description: "x".repeat(20_000) }), "StoreWriteFailed");

    assert.deepEqual(await readFile(path), before, "the file is exactly its last good state");
    // The second reader reads the file afresh, as another process would.
    forgetLogViews();
    for (const reader of [store, new LocalSecretStore({ path, passphrase: PASSPHRASE })]) {
      assert.equal((await reader.getValue("db")).value, "second value");
      await expectError(reader.getValue("db", { versionId: "v3" }), "VersionNotFound");
    }

    await unlink(filler);
    await store.putValue("db", { versionId: "v3", value: big, stages: ["ACSPending"] });
    assert.equal((await new LocalSecretStore({ path, passphrase: PASSPHRASE }).getValue("db", { stage: "ACSPending" })).value, big);
  });

  it("a lock that cannot be made because the disk is full (no inode left) fails at once with StoreWriteFailed, not after the lock's wait; the store keeps its state", async function () {
    // A wait for the lock would outlast this test's timeout: only a lock held by another process is waited for.
    this.timeout(60_000);
    const path = join(dir, "store.enc");
    const store = new LocalSecretStore({ path, passphrase: PASSPHRASE, lock: { timeoutMs: 120_000 } });
    await store.createSecret({ name: "db", description: "", metadata: {}, versionId: "v1", value: "first value" });
    const before = await readFile(path);
    // Room for data but no inode: making the lock directory is what fails, with ENOSPC.
    execFileSync("mount", ["-o", "remount,nr_inodes=16", dir]);
    const fillers = join(dir, "fillers");
    await mkdir(fillers);
    for (let i = 0; ; i++) {
      try {
        await writeFile(join(fillers, String(i)), "");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
        break;
      }
    }

    const err = await expectError(store.putValue("db", { versionId: "v2", value: "second value", stages: ["ACSCurrent"] }), "StoreWriteFailed", { message: /disk is full/ });
    assert.ok(err.message.includes(path) && /nothing of this change was stored/.test(err.message), err.message);
    assert.deepEqual(await readFile(path), before);
    assert.equal((await store.getValue("db")).value, "first value");

    await rm(fillers, { recursive: true });
    await store.putValue("db", { versionId: "v2", value: "second value", stages: ["ACSCurrent"] });
    assert.equal((await new LocalSecretStore({ path, passphrase: PASSPHRASE }).getValue("db")).value, "second value");
  });

  it("a first write (a new file) that meets a full disk creates no store and leaves no temp file", async function () {
    const path = join(dir, "store.enc");
    const filler = join(dir, "filler");
    await fillDisk(filler);
    const store = new LocalSecretStore({ path, passphrase: PASSPHRASE });
    await expectError(store.createSecret({ name: "db", description: "", metadata: {}, versionId: "v1", value: "x".repeat(20_000) }), "StoreWriteFailed", { message: /disk is full/ });
    assert.deepEqual((await readdir(dir)).sort(), ["filler"]);
    await unlink(filler);
    await store.createSecret({ name: "db", description: "", metadata: {}, versionId: "v1", value: "now there is room" });
    assert.equal((await store.getValue("db")).value, "now there is room");
  });
});
