import assert from "node:assert/strict";
import { copyFile, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalSecretStore } from "../../provider/store/local/local-store";
import { forgetLogViews } from "../../provider/store/local/store-log-view";
import { expectError } from "../support/expect-error";
import { runToExit, spawnFixture } from "./fixtures/spawn-fixture";
import { StoreSession, type SessionAnswer } from "./fixtures/store-session-client";

const PASSPHRASE = "rollback suite passphrase";
/** The previous release's store (format 1), as local-store-migration.test.ts opens it. */
const V1_FIXTURE = join(__dirname, "fixtures", "store-v1-release-0.1.0.enc");
const V1_PASSPHRASE = "fixture passphrase: release 0.1.0 store";
const V1_AT = new Date("2026-11-01T01:30:00.000Z");

/**
 * The attack of issue 24 (items 5 and 6): someone who may write the store
 * file but does not know the passphrase puts an older copy of it back (old
 * passwords come back; a writer on top of it loses the newer commits for
 * good). Each process here is a real one: "a fresh process" is a new Node
 * process, "a long-lived process" one kept running across the attack.
 */
describe("LocalSecretStore: a store file replaced by an older copy", function () {
  this.timeout(120_000);
  let dir: string;
  let path: string;
  /** This machine's state directory, where the product keeps its high-water marks. */
  let stateDir: string;
  const sessions: StoreSession[] = [];

  beforeEach(async function () {
    dir = await mkdtemp(join(tmpdir(), "ms-rollback-"));
    path = join(dir, "store.enc");
    stateDir = join(dir, "state");
  });

  afterEach(async function () {
    await Promise.all(sessions.splice(0).map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  });

  /** A process of its own on the store; `state` is its machine's state directory (another one: another machine). */
  const processOn = async (state = stateDir): Promise<StoreSession> => {
    const session = await StoreSession.start(path, { STORE_PASSPHRASE: PASSPHRASE, MANAGED_SECRETS_STATE_DIR: state });
    sessions.push(session);
    return session;
  };
  const cli = async (args: string[]) =>
    runToExit(spawnFixture("../../../provider/cli/main.ts", args, { MANAGED_SECRETS_LOCAL_PATH: path, MANAGED_SECRETS_PASSPHRASE: PASSPHRASE, MANAGED_SECRETS_STATE_DIR: stateDir }));
  const assertRolledBack = (answer: SessionAnswer, what: string): string => {
    assert.ok(!answer.ok, `${what}: expected StoreRolledBack, but it succeeded${answer.ok && answer.value !== undefined ? ` and read "${answer.value}"` : ""}`);
    assert.equal(answer.code, "StoreRolledBack", `${what}: ${answer.code}: ${answer.message}`);
    assert.ok(answer.message.includes(path), `${what}: the message names the file: ${answer.message}`);
    assert.ok(!/password \d/.test(answer.message), `${what}: no value in the message`);
    return answer.message;
  };

  /** Commit 1 holds "password 1"; returns that file's bytes, then commits "password 2" on top through `writer`. */
  const olderCopyThenNewer = async (writer: StoreSession): Promise<Buffer> => {
    await writer.must({ op: "create", name: "db", value: "password 1" });
    const older = await readFile(path);
    await writer.must({ op: "put", name: "db", versionId: "v2", value: "password 2" });
    return older;
  };

  it("a fresh process on a machine that saw the newer commit refuses the older copy with StoreRolledBack, reading and writing, and leaves it as it is", async function () {
    const writer = await processOn();
    const older = await olderCopyThenNewer(writer);
    await writer.close();
    await writeFile(path, older);

    const fresh = await processOn();
    const message = assertRolledBack(await fresh.ask({ op: "get", name: "db" }), "a read");
    assert.match(message, /commit 1\b.*commit 2\b/s, message);
    assertRolledBack(await fresh.ask({ op: "put", name: "db", versionId: "v3", value: "password 3" }), "a write");
    assert.deepEqual(await readFile(path), older, "nothing was written on the older copy");
  });

  it("a long-lived process that read a newer commit refuses the older copy, even with the mark file removed too, and writes nothing on top of it", async function () {
    const writer = await processOn();
    await writer.must({ op: "create", name: "db", value: "password 1" });
    const older = await readFile(path);
    const runner = await processOn();
    assert.equal(await runner.must({ op: "get", name: "db" }), "password 1");
    await writer.must({ op: "put", name: "db", versionId: "v2", value: "password 2" });
    assert.equal(await runner.must({ op: "get", name: "db" }), "password 2", "the long-lived process read the newer commit");

    await writeFile(path, older);
    await rm(stateDir, { recursive: true, force: true });
    assertRolledBack(await runner.ask({ op: "get", name: "db" }), "a read");
    assertRolledBack(await runner.ask({ op: "put", name: "db", versionId: "v3", value: "password 3" }), "a write");
    assertRolledBack(await runner.ask({ op: "get", name: "db" }), "a read again");
    assert.deepEqual(await readFile(path), older, "nothing was written on the older copy");
  });

  it("a long-lived process whose file was replaced by an older copy and then written on elsewhere reports StoreRolledBack, not damage, every time", async function () {
    const writer = await processOn();
    const runner = await processOn();
    const older = await olderCopyThenNewer(writer);
    assert.equal(await runner.must({ op: "get", name: "db" }), "password 2");
    await writer.close();

    await writeFile(path, older);
    // A machine that never saw the newer commit writes on the older copy: the file grows past where the runner stopped reading.
    const elsewhere = await processOn(join(dir, "another-machine"));
    await elsewhere.must({ op: "put", name: "db", versionId: "v2b", value: "password 2b" });
    await elsewhere.must({ op: "put", name: "db", versionId: "v3b", value: "password 3b" });
    assert.ok((await stat(path)).size > older.length);

    for (const attempt of ["first", "second"]) {
      assertRolledBack(await runner.ask({ op: "get", name: "db" }), `the ${attempt} read`);
    }
    const before = await readFile(path);
    assertRolledBack(await runner.ask({ op: "put", name: "db", versionId: "v4", value: "password 4" }), "a write");
    assert.deepEqual(await readFile(path), before, "nothing was written");
  });

  it("a replaced file that is the same or newer (a copy renamed into place, a restored newer backup) is read as usual", async function () {
    const writer = await processOn();
    const runner = await processOn();
    await writer.must({ op: "create", name: "db", value: "password 1" });
    assert.equal(await runner.must({ op: "get", name: "db" }), "password 1");
    const same = join(dir, "same.enc");
    await copyFile(path, same);
    await rename(same, path);
    assert.equal(await runner.must({ op: "get", name: "db" }), "password 1", "the same commit in another inode");

    await writer.must({ op: "put", name: "db", versionId: "v2", value: "password 2" });
    const newer = join(dir, "newer.enc");
    await copyFile(path, newer);
    await writer.must({ op: "put", name: "db", versionId: "v3", value: "password 3" });
    assert.equal(await runner.must({ op: "get", name: "db" }), "password 3");
    await writer.close();
    // The runner is at commit 3; a copy of commit 2 is older, and one of commit 3 plus more is newer.
    const atThree = await readFile(path);
    await rename(newer, path);
    assertRolledBack(await runner.ask({ op: "get", name: "db" }), "commit 2 after commit 3");
    await writeFile(path, atThree);
    const again = await processOn();
    await again.must({ op: "put", name: "db", versionId: "v4", value: "password 4" });
    assert.equal(await runner.must({ op: "get", name: "db" }), "password 4", "a newer file after a refused older one is read");
  });

  it("a store file deleted is not an empty store to a machine that saw it: reads and writes fail with StoreRolledBack and no new file is made", async function () {
    const writer = await processOn();
    await writer.must({ op: "create", name: "db", value: "password 1" });
    await writer.close();
    await rm(path);
    const fresh = await processOn();
    assertRolledBack(await fresh.ask({ op: "get", name: "db" }), "a read");
    assertRolledBack(await fresh.ask({ op: "create", name: "db", value: "password x" }), "a write");
    assert.deepEqual(await readdir(dir).then((names) => names.filter((n) => n.startsWith("store.enc"))), [], "no store file was made");
  });

  it("a mark file not written with the passphrase is not believed: one claiming a later commit does not lock the store", async function () {
    const writer = await processOn();
    await writer.must({ op: "create", name: "db", value: "password 1" });
    await writer.close();
    const marks = join(stateDir, "store-marks");
    const [markName] = await readdir(marks);
    assert.ok(markName !== undefined, "the product keeps a mark for the store");
    const mark = JSON.parse(await readFile(join(marks, markName), "utf8")) as { body: string; mac: string };
    const body = JSON.parse(mark.body) as { commit: string };
    await writeFile(join(marks, markName), JSON.stringify({ ...mark, body: JSON.stringify({ ...body, commit: "999" }) }));
    const fresh = await processOn();
    assert.equal(await fresh.must({ op: "get", name: "db" }), "password 1");
    await fresh.must({ op: "put", name: "db", versionId: "v2", value: "password 2" });
  });

  it("a copy from before a compaction is older than the compacted file: the commit count goes on across compactions", async function () {
    const store = new LocalSecretStore({ path, passphrase: PASSPHRASE, stateDir });
    const names = Array.from({ length: 100 }, (_, i) => `s${i}`);
    await Promise.all(names.map((name) => store.createSecret({ name, description: "", metadata: {}, versionId: "v1", value: name })));
    const beforeCompaction = await readFile(path);
    const fileId = beforeCompaction.subarray(0, 512);
    for (let round = 0; round < 25; round++) {
      await Promise.all(names.map((name) => store.updateSecret(name, { metadata: { round: String(round) } })));
    }
    assert.ok(!(await readFile(path)).subarray(0, 512).equals(fileId), "a compaction wrote a new file");

    await writeFile(path, beforeCompaction);
    const err = await expectError(store.describeSecret("s1"), "StoreRolledBack");
    const [, at, seen] = /is at commit (\d+), but this process has seen commit (\d+)/.exec(err.message) ?? [];
    assert.ok(Number(seen) > Number(at) + 25, err.message);
    forgetLogViews();
    await expectError(new LocalSecretStore({ path, passphrase: PASSPHRASE, stateDir }).describeSecret("s1"), "StoreRolledBack", { message: /high-water mark/ });
  });

  it("the format-1 backup the upgrade kept, put back over the upgraded store, is refused until accepted; then it is upgraded again", async function () {
    const store = () => new LocalSecretStore({ path, passphrase: V1_PASSPHRASE, stateDir, clock: () => V1_AT });
    await copyFile(V1_FIXTURE, path);
    await store().putValue("prod/web-1/root", { versionId: "v3", value: "after the upgrade", stages: ["ACSCurrent"] });
    forgetLogViews();
    await copyFile(`${path}.v1-backup`, path);
    const err = await expectError(store().getValue("prod/web-1/root"), "StoreRolledBack", { message: /format-1 file, but this machine .* has seen commit \d+/ });
    assert.match(err.message, /managed-secrets accept-rollback format-1$/);
    await expectError(store().putValue("prod/web-1/root", { versionId: "v4", value: "x", stages: [] }), "StoreRolledBack");
    assert.deepEqual(await readFile(path), await readFile(V1_FIXTURE), "not upgraded, not written");

    await store().acceptRollback("format-1");
    assert.equal(JSON.parse((await store().getValue("prod/web-1/root")).value).Password, "Fixture-Pw-2!");
  });

  it("an operator takes a restored older copy on purpose with the command the error names, and only that exact file", async function () {
    const writer = await processOn();
    const older = await olderCopyThenNewer(writer);
    await writer.close();
    await writeFile(path, older);
    const message = assertRolledBack(await (await processOn()).ask({ op: "get", name: "db" }), "a read");
    const command = /managed-secrets (accept-rollback \S+)/.exec(message);
    assert.ok(command, `the error names the command to run: ${message}`);
    const state = command[1]!.split(" ")[1]!;

    const wrong = await cli(["accept-rollback", state.replace(/.$/, (c) => (c === "0" ? "1" : "0"))]);
    assert.equal(wrong.code, 2, wrong.stderr);
    assert.match(wrong.stderr, /InvalidInput: .*nothing was accepted/);
    assertRolledBack(await (await processOn()).ask({ op: "get", name: "db" }), "after a wrong acceptance");

    const accepted = await cli(["accept-rollback", state]);
    assert.equal(accepted.code, 0, accepted.stderr);
    assert.match(accepted.stdout, new RegExp(`accepted .*${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}.*commit 1\\b.*commit 2\\b`, "s"), accepted.stdout);
    const after = await processOn();
    assert.equal(await after.must({ op: "get", name: "db" }), "password 1");
    await after.must({ op: "put", name: "db", versionId: "v3", value: "password 3" });
    assert.equal(await after.must({ op: "get", name: "db" }), "password 3");
  });
});
