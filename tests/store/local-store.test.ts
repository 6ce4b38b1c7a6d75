import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { chmod, copyFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ManagedSecretsError } from "../../provider/core/errors";
import { DEFAULT_SCRYPT_PARAMS, deriveKeys } from "../../provider/store/local/key-derivation";
import { LocalSecretStore, type LocalSecretStoreOptions } from "../../provider/store/local/local-store";
import { emptyDocument } from "../../provider/store/local/store-document";
import { openLogFile, readLog, writeSnapshot } from "../../provider/store/local/store-log";
import { RECORDS_START } from "../../provider/store/local/store-log-header";
import { forgetLogViews } from "../../provider/store/local/store-log-view";
import { markFileFor } from "../../provider/store/local/store-mark-file";
import { expectError } from "../support/expect-error";
import { runToExit, spawnFixture, waitForLine } from "./fixtures/spawn-fixture";
import { describeStoreContract } from "./store-contract";
import { createTestClock, type TestClock } from "../../testkit/clock/test-clock";

const PASSPHRASE = "correct horse battery staple";
const DAY = 24 * 60 * 60 * 1000;

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), "managed-secrets-store-"));
}

/**
 * Every contract test starts from a copy of one empty store file: same salt,
 * so the key derived for the first test serves them all instead of paying
 * scrypt per test. (Starting from no file is covered below.)
 */
let emptyStoreTemplate: Promise<string> | undefined;
function emptyStoreFile(): Promise<string> {
  emptyStoreTemplate ??= (async () => {
    const file = join(await tempDir(), "empty.enc");
    await writeSnapshot(file, PASSPHRASE, emptyDocument());
    return file;
  })();
  return emptyStoreTemplate;
}

after(async function () {
  if (emptyStoreTemplate !== undefined) await rm(dirname(await emptyStoreTemplate), { recursive: true, force: true });
});

describeStoreContract("local file store", async (clock) => {
  const dir = await tempDir();
  const path = join(dir, "store.enc");
  await copyFile(await emptyStoreFile(), path);
  const store = new LocalSecretStore({ path, passphrase: PASSPHRASE, clock });
  return { store, dispose: () => rm(dir, { recursive: true, force: true }) };
});

describe("LocalSecretStore (local file specifics)", function () {
  let dir: string;
  let path: string;
  let clock: TestClock;

  beforeEach(async function () {
    dir = await tempDir();
    path = join(dir, "nested", "deeper", "store.enc");
    clock = createTestClock();
  });

  afterEach(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  const open = (overrides: Partial<LocalSecretStoreOptions> = {}) => new LocalSecretStore({ path, passphrase: PASSPHRASE, clock, stateDir: join(dir, "state"), ...overrides });
  /** Where this test's stores keep their high-water mark. */
  const markFile = () => markFileFor(join(dir, "state"), path);
  const secretValue = JSON.stringify({ UserName: "root", Password: "Zq8!unique-password-9Xv" });
  const createDb = (store: LocalSecretStore, value = secretValue) =>
    store.createSecret({ name: "db", description: "the database root", metadata: { target: "i-1" }, versionId: "v1", value });
  const exists = (p: string) => stat(p).then(
    () => true,
    () => false,
  );
  /** The readable header of a log-format file, and a way to write it back changed (same place, new length). */
  const header = async () => {
    const bytes = await readFile(path);
    const length = bytes.readUInt16BE(8);
    const json = JSON.parse(bytes.subarray(10, 10 + length).toString("utf8")) as { version: number; kdf: { name: string; N: number; r: number; p: number; salt: string }; fileId: string };
    const write = async (changed: object) => {
      const text = Buffer.from(JSON.stringify(changed), "utf8");
      const out = Buffer.from(bytes);
      out.fill(0, 8, 512);
      out.writeUInt16BE(text.length, 8);
      text.copy(out, 10);
      await writeFile(path, out);
    };
    return { bytes, json, write };
  };
  const documentOnDisk = async () => {
    const handle = (await openLogFile(path, "r"))!;
    try {
      const opened = await readLog(handle, path, PASSPHRASE);
      assert.equal(opened.kind, "log");
      return opened.kind === "log" ? opened.state.doc : emptyDocument();
    } finally {
      await handle.close();
    }
  };

  describe("configuration", function () {
    it("fails with StoreConfig when the passphrase is missing or empty", async function () {
      await expectError(() => new LocalSecretStore({ path, passphrase: "" }), "StoreConfig", { property: "passphrase", message: /MANAGED_SECRETS_PASSPHRASE/ });
      await expectError(() => new LocalSecretStore({ path } as LocalSecretStoreOptions), "StoreConfig", { property: "passphrase" });
      await expectError(() => new LocalSecretStore({ path: "", passphrase: PASSPHRASE }), "StoreConfig", { property: "path" });
    });

    it("store objects on one file in one process share what was read: a new one reads only what changed since", async function () {
      const store = open();
      await createDb(store);
      const good = await readFile(path);
      const bad = Buffer.from(good);
      const offset = RECORDS_START + 4 + 12 + 5;
      bad[offset] = bad[offset]! ^ 0x01;
      await writeFile(path, bad);
      // The provider makes a store object per resource operation: it must not pay a whole read each time.
      assert.equal((await open().getValue("db")).value, secretValue, "the already-read record is not read again");
      forgetLogViews();
      await expectError(open().getValue("db"), "StoreUnreadable", { message: /damaged/ });
    });

    it("is kind local and never shows its passphrase when logged or serialized", async function () {
      const store = open();
      assert.equal(store.kind, "local");
      assert.equal(store.path, path);
      const { inspect } = await import("node:util");
      assert.ok(!inspect(store, { depth: 5, showHidden: true }).includes(PASSPHRASE));
      assert.ok(!JSON.stringify(store).includes(PASSPHRASE));
    });
  });

  describe("the store file", function () {
    it("treats a missing file as an empty store and does not create it on reads", async function () {
      const store = open();
      assert.deepEqual(await store.listSecrets({ includePendingDeletion: true }), []);
      assert.equal(await store.describeSecret("db"), undefined);
      await expectError(store.getValue("db"), "SecretNotFound");
      assert.deepEqual(await store.purgeExpired(), []);
      await store.releaseLease("db", "runner");
      assert.equal(await exists(path), false);
    });

    it("creates the file and its directories on the first write, private to the owner (0600, dirs 0700)", async function () {
      await createDb(open());
      assert.equal((await stat(path)).mode & 0o777, 0o600);
      assert.equal((await stat(dirname(path))).mode & 0o777, 0o700);
      assert.equal((await stat(dirname(dirname(path)))).mode & 0o777, 0o700);
    });

    it("keeps the file at 0600 even after someone loosened it", async function () {
      const store = open();
      await createDb(store);
      await chmod(path, 0o644);
      await store.updateSecret("db", { description: "rewritten" });
      assert.equal((await stat(path)).mode & 0o777, 0o600);
    });

    it("encrypts everything at rest: no value, name, description, metadata or version id is readable in the file", async function () {
      const store = open();
      const name = "prod/web-7-root";
      const secrets = [name, "description-visible-marker", "metadata-key-marker", "i-metadata-value-marker", "version-id-marker", "Zq8!unique-password-9Xv"];
      await store.createSecret({
        name,
        description: "description-visible-marker",
        metadata: { "metadata-key-marker": "i-metadata-value-marker" },
        versionId: "version-id-marker",
        value: secretValue,
      });
      await store.acquireLease(name, "lease-owner-marker", 60_000);
      const raw = (await readFile(path)).toString("latin1");
      for (const s of [...secrets, "lease-owner-marker", "UserName", "ACSCurrent"]) {
        assert.ok(!raw.includes(s), `the file must not contain ${JSON.stringify(s)} in plaintext`);
      }
      const first = await header();
      assert.equal(first.bytes.subarray(0, 8).toString("latin1"), "MSSTLOG\n");
      assert.deepEqual(Object.keys(first.json).sort(), ["fileId", "format", "kdf", "keyCheck", "version"]);
      assert.equal(first.json.version, 2);
      assert.equal(first.json.kdf.name, "scrypt");

      await store.updateSecret(name, { description: "second write" });
      const second = await header();
      assert.ok(second.bytes.length > first.bytes.length, "a change is appended");
      assert.deepEqual(second.bytes.subarray(RECORDS_START, first.bytes.length), first.bytes.subarray(RECORDS_START), "earlier records are never rewritten");
      assert.equal(second.json.kdf.salt, first.json.kdf.salt, "the salt stays with the file");
      assert.ok(!second.bytes.toString("latin1").includes("second write"));

      const reopened = new LocalSecretStore({ path, passphrase: PASSPHRASE, clock });
      assert.equal((await reopened.getValue(name)).value, secretValue);
      assert.equal((await reopened.describeSecret(name))?.description, "second write");
    });
  });

  describe("a store that cannot be opened", function () {
    it("with the wrong passphrase fails with StoreUnreadable saying so, echoes neither passphrase, and refuses to write", async function () {
      await createDb(open());
      const before = await readFile(path);
      const wrong = open({ passphrase: "not the passphrase" });
      const err = await expectError(wrong.getValue("db"), "StoreUnreadable", { message: /passphrase/ });
      assert.ok(!err.message.includes("not the passphrase") && !err.message.includes(PASSPHRASE));
      assert.ok(err.message.includes(path), "the message names the file");
      await expectError(wrong.createSecret({ name: "x", description: "", metadata: {}, versionId: "v1", value: "v" }), "StoreUnreadable");
      await expectError(wrong.listSecrets(), "StoreUnreadable");
      assert.deepEqual(await readFile(path), before, "a wrong passphrase never overwrites the store");
    });

    it("with a flipped byte in any record fails with StoreUnreadable saying the file is damaged, and refuses to write", async function () {
      const store = open();
      await createDb(store);
      const firstEnd = (await readFile(path)).length;
      await store.updateSecret("db", { description: "a second record" });
      const good = await readFile(path);
      for (const offset of [RECORDS_START + 4 + 12 + 5, firstEnd + 4 + 12 + 3, good.length - 1]) {
        const bad = Buffer.from(good);
        bad[offset] = bad[offset]! ^ 0x01;
        await writeFile(path, bad);
        // Read as a process that opens the file now: one that read these records before keeps what it read.
        forgetLogViews();
        const err = await expectError(open().getValue("db"), "StoreUnreadable", { message: /damaged/ });
        assert.ok(err.message.includes(path) && /record \d+ fails authentication/.test(err.message), err.message);
        await expectError(open().putValue("db", { versionId: "v2", value: "x", stages: [] }), "StoreUnreadable", { message: /damaged/ });
        assert.deepEqual(await readFile(path), bad, "a damaged store is never overwritten");
      }
    });

    it("with a record's length field changed fails as damaged, not as a short read", async function () {
      await createDb(open());
      const bad = await readFile(path);
      bad.writeUInt32BE(bad.readUInt32BE(RECORDS_START) + 1, RECORDS_START);
      await writeFile(path, bad);
      forgetLogViews();
      await expectError(open().describeSecret("db"), "StoreUnreadable", { message: /damaged/ });
    });

    it("that is truncated (a committed record cut, or the header cut) or not a store file at all fails with StoreUnreadable and is left as it is", async function () {
      const store = open();
      await createDb(store);
      await store.updateSecret("db", { description: "last committed change" });
      const good = await readFile(path);
      for (const length of [good.length - 1, good.length - 20, RECORDS_START + 10]) {
        await writeFile(path, good.subarray(0, length));
        const err = await expectError(open().describeSecret("db"), "StoreUnreadable", { message: /truncated/ });
        assert.ok(err.message.includes(path));
        await expectError(open().updateSecret("db", { description: "x" }), "StoreUnreadable", { message: /truncated/ });
        assert.equal((await readFile(path)).length, length, "never overwritten");
      }
      await writeFile(path, good.subarray(0, 300));
      await expectError(open().describeSecret("db"), "StoreUnreadable", { message: /damaged/ });
      await writeFile(path, "hello, not a store\n");
      await expectError(open().describeSecret("db"), "StoreUnreadable", { message: /damaged/ });
    });

    it("whose header asks for key-derivation parameters this product never writes is refused before deriving, naming them, and is never overwritten", async function () {
      await createDb(open());
      const original = await header();
      // Each is cheap enough to run on a shared machine if it were (wrongly) derived; 2^20 x 32 would take 4 GiB.
      for (const kdf of [{ N: 2 ** 16, r: 8, p: 1 }, { N: 2 ** 15, r: 9, p: 1 }, { N: 2 ** 15, r: 8, p: 3 }, { N: 2 ** 14, r: 8, p: 1 }]) {
        await original.write({ ...original.json, kdf: { ...original.json.kdf, ...kdf } });
        const before = await readFile(path);
        const started = Date.now();
        const err = await expectError(open().describeSecret("db"), "StoreUnreadable", { message: /key-derivation parameters/ });
        assert.ok(err.message.includes(path) && err.message.includes(`N=${kdf.N}, r=${kdf.r}, p=${kdf.p}`), err.message);
        assert.ok(err.message.includes("N=32768, r=8, p=1"), "says what is accepted");
        await expectError(open().updateSecret("db", { description: "x" }), "StoreUnreadable", { message: /key-derivation parameters/ });
        assert.ok(Date.now() - started < 150, "refused without running scrypt");
        assert.deepEqual(await readFile(path), before, "never overwritten");
      }
    });

    it("whose header was changed in place (the file id) fails authentication as damaged", async function () {
      await createDb(open());
      const original = await header();
      const id = Buffer.from(original.json.fileId, "base64");
      id[0] = id[0]! ^ 0x01;
      await original.write({ ...original.json, fileId: id.toString("base64") });
      await expectError(open().describeSecret("db"), "StoreUnreadable", { message: /damaged/ });
    });

    it("written by a newer format version fails with StoreUnreadable asking for an upgrade", async function () {
      await createDb(open());
      const original = await header();
      await original.write({ ...original.json, version: 3 });
      await expectError(open().describeSecret("db"), "StoreUnreadable", { message: /upgrade/ });
    });
  });

  describe("deletion history", function () {
    it("SecretNotFound says the recovery window has passed, before and after the purge", async function () {
      const store = open();
      await createDb(store);
      const { plannedDeleteAt } = await store.deleteSecret("db", { recoveryWindowDays: 7 });
      clock.advance(7 * DAY);
      const lazy = await expectError(store.getValue("db"), "SecretNotFound");
      assert.match(lazy.message, /recovery window passed/);
      assert.ok(lazy.message.includes(plannedDeleteAt!));
      assert.deepEqual(await store.purgeExpired(), ["db"]);
      const purged = await expectError(store.restoreSecret("db"), "SecretNotFound");
      assert.match(purged.message, /recovery window passed/);
      assert.equal(purged.details.secretName, "db");
    });

    it("SecretNotFound says a forced deletion had no recovery window", async function () {
      const store = open();
      await createDb(store);
      await store.deleteSecret("db", { force: true });
      await expectError(store.getValue("db"), "SecretNotFound", { message: /deleted without a recovery window/ });
    });

    it("forgets purged names after 90 days, and when the name is reused", async function () {
      const store = open();
      await createDb(store);
      await store.deleteSecret("db", { force: true });
      clock.advance(91 * DAY);
      await store.createSecret({ name: "other", description: "", metadata: {}, versionId: "v1", value: "x" });
      const err = await expectError(store.getValue("db"), "SecretNotFound");
      assert.equal(err.message, 'secret "db" does not exist');

      await createDb(store);
      await store.deleteSecret("db", { force: true });
      await createDb(store);
      await store.deleteSecret("db", { recoveryWindowDays: 7 });
      await store.restoreSecret("db");
      assert.equal((await store.getValue("db")).value, secretValue);
    });

    it("purgeExpired removes and reports exactly the expired secrets, sorted", async function () {
      const store = open();
      for (const name of ["b", "a", "c", "d"]) {
        await store.createSecret({ name, description: "", metadata: {}, versionId: "v1", value: "x" });
      }
      await store.deleteSecret("b", { recoveryWindowDays: 7 });
      await store.deleteSecret("a", { recoveryWindowDays: 8 });
      await store.deleteSecret("c", { recoveryWindowDays: 30 });
      clock.advance(8 * DAY);
      assert.deepEqual(await store.purgeExpired(), ["a", "b"]);
      assert.deepEqual(await store.purgeExpired(), []);
      assert.deepEqual((await store.listSecrets({ includePendingDeletion: true })).map((m) => m.name), ["c", "d"]);
    });

    it("any write purges expired secrets on the way", async function () {
      const store = open();
      await createDb(store);
      await store.deleteSecret("db", { recoveryWindowDays: 7 });
      clock.advance(8 * DAY);
      await store.createSecret({ name: "other", description: "", metadata: {}, versionId: "v1", value: "x" });
      assert.deepEqual([...(await documentOnDisk()).secrets.keys()], ["other"]);
      assert.deepEqual(await store.purgeExpired(), []);
    });
  });

  describe("crashes and partial writes", function () {
    it("a writer killed (SIGKILL) while appending loses no change it reported done, and the next writer goes on from there", async function () {
      this.timeout(60_000);
      const store = open({ lock: { staleMs: 2000, timeoutMs: 20_000 } });
      await createDb(store);
      const child = spawnFixture("append-until-killed.ts", [path], { STORE_PASSPHRASE: PASSPHRASE });
      const exited = runToExit(child);
      const done: number[] = [];
      await waitForLine(child, (line) => {
        if (line.startsWith("done ")) done.push(Number(line.slice(5)));
        return done.length >= 25;
      });
      child.kill("SIGKILL");
      const result = await exited;
      assert.equal(result.signal, "SIGKILL");
      for (const line of result.stdout.split("\n")) if (line.startsWith("done ")) done.push(Number(line.slice(5)));
      const last = Math.max(...done);

      const meta = await open().describeSecret("db");
      for (const i of done) assert.equal(meta?.metadata[`k${i}`], String(i), `change ${i} was reported done and then lost`);
      await store.updateSecret("db", { description: "after the crash" });
      const after = await open().describeSecret("db");
      assert.equal(after?.description, "after the crash");
      assert.equal(after?.metadata[`k${last}`], String(last));
    });

    it("bytes of an append that never committed (a torn tail) are ignored by readers and removed by the next writer", async function () {
      const store = open();
      await createDb(store);
      const committed = await readFile(path);
      const { appendFile } = await import("node:fs/promises");
      // What a power cut in the middle of an append leaves: a length that promises more than was written.
      const torn = Buffer.alloc(40, 0xab);
      torn.writeUInt32BE(5000, 0);
      await appendFile(path, torn);
      assert.equal((await open().getValue("db")).value, secretValue);
      await store.updateSecret("db", { description: "next" });
      const after = await readFile(path);
      assert.deepEqual(after.subarray(RECORDS_START, committed.length), committed.subarray(RECORDS_START), "committed records stay");
      assert.ok(!after.subarray(committed.length, committed.length + 40).equals(torn), "the torn tail was replaced");
      assert.equal((await open().describeSecret("db"))?.description, "next");
    });

    it("a whole record whose writer died before committing it is invisible to readers and kept by the next writer", async function () {
      const store = open();
      await createDb(store);
      const afterFirst = await readFile(path);
      const markAfterFirst = await readFile(markFile());
      await store.updateSecret("db", { description: "durable, never committed" });
      const afterSecond = await readFile(path);
      // The second record is on disk, but the commit slots are as the first write left them; its writer died
      // there, so it never saw that commit through, nor marked it as seen.
      afterFirst.copy(afterSecond, 512, 512, RECORDS_START);
      await writeFile(path, afterSecond);
      await writeFile(markFile(), markAfterFirst);
      forgetLogViews();
      assert.equal((await open().describeSecret("db"))?.description, "the database root", "a reader stops at the committed end");
      await open().updateSecret("db", { metadata: { next: "1" } });
      const meta = await open().describeSecret("db");
      assert.equal(meta?.description, "durable, never committed", "the writer took the whole record past the committed end");
      assert.equal(meta?.metadata.next, "1");
    });

    it("a compaction that fails before its rename removes its temp file and changes nothing", async function () {
      const store = open();
      await createDb(store);
      const before = await readFile(path);
      const doc = await documentOnDisk();
      doc.secrets.delete("db");
      await assert.rejects(
        writeSnapshot(path, PASSPHRASE, doc, {
          beforeRename: () => {
            throw new Error("simulated failure");
          },
        }),
        /simulated failure/,
      );
      assert.deepEqual(await readFile(path), before);
      assert.deepEqual(await readdir(dirname(path)), ["store.enc"]);
      assert.equal((await store.getValue("db")).value, secretValue);
    });

    it("compacts once superseded states outnumber live secrets: the file shrinks, nothing is lost, other processes' views follow", async function () {
      this.timeout(60_000);
      const store = open();
      const other = open();
      const names = Array.from({ length: 100 }, (_, i) => `s${i}`);
      await Promise.all(names.map((name) => store.createSecret({ name, description: "", metadata: {}, versionId: "v1", value: name })));
      assert.equal((await other.getValue("s7")).value, "s7");
      const fileId = (await header()).json.fileId;
      let largest = 0;
      for (let round = 0; round < 25; round++) {
        await Promise.all(names.map((name) => store.updateSecret(name, { metadata: { round: String(round) } })));
        largest = Math.max(largest, (await stat(path)).size);
      }
      const size = (await stat(path)).size;
      assert.notEqual((await header()).json.fileId, fileId, "a new file replaced the log");
      assert.ok(size < largest / 2, `compacted: ${size} bytes now, ${largest} at most`);
      for (const meta of await other.listSecrets()) assert.equal(meta.metadata.round, "24", meta.name);
      assert.equal((await other.getValue("s7")).value, "s7");
      await other.updateSecret("s7", { description: "after compaction" });
      assert.equal((await store.describeSecret("s7"))?.description, "after compaction");
    });
  });

  describe("concurrency", function () {
    it("a reader in another process sees each append as it commits, never a half-written one, without taking the lock", async function () {
      this.timeout(60_000);
      const store = open();
      await createDb(store);
      const reader = open();
      await reader.describeSecret("db");
      const writer = spawnFixture("append-until-killed.ts", [path], { STORE_PASSPHRASE: PASSPHRASE });
      const exited = runToExit(writer);
      try {
        let seen = 0;
        let grew = 0;
        while (grew < 15) {
          const keys = Object.keys((await reader.describeSecret("db"))!.metadata).filter((k) => /^k\d+$/.test(k)).length;
          assert.ok(keys >= seen, `a read went back from ${seen} to ${keys} changes`);
          if (keys > seen) grew++;
          seen = keys;
        }
      } finally {
        writer.kill("SIGKILL");
        await exited;
      }
    });

    it("serializes concurrent writers in one process, across store objects on the same file", async function () {
      const a = open();
      const b = open();
      await createDb(a);
      await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).updateSecret("db", { metadata: { [`k${i}`]: String(i) } })),
      );
      const meta = await a.describeSecret("db");
      for (let i = 0; i < 40; i++) assert.equal(meta?.metadata[`k${i}`], String(i), `update k${i} was lost`);
    });

    it("loses no write when several processes share the file, and the lease has one holder at a time", async function () {
      this.timeout(120_000);
      const workers = 4;
      const rounds = 12;
      const store = new LocalSecretStore({ path, passphrase: PASSPHRASE });
      await store.createSecret({ name: "shared", description: "", metadata: { counter: "0" }, versionId: "init", value: "shared" });
      for (let w = 0; w < workers; w++) {
        await store.createSecret({ name: `worker-${w}`, description: "", metadata: {}, versionId: "init", value: "init" });
      }
      const results = await Promise.all(
        Array.from({ length: workers }, (_, w) => runToExit(spawnFixture("store-worker.ts", [path, String(w), String(rounds)], { STORE_PASSPHRASE: PASSPHRASE }))),
      );
      let totalWins = 0;
      for (const [w, r] of results.entries()) {
        assert.equal(r.code, 0, `worker ${w} failed: ${r.stderr}`);
        const { wins, overlaps } = JSON.parse(r.stdout.trim()) as { wins: number; overlaps: number };
        assert.equal(overlaps, 0, `worker ${w} found another lease holder inside the lease`);
        totalWins += wins;
      }
      assert.ok(totalWins > 0, "some worker won the lease");

      const shared = await store.describeSecret("shared");
      assert.equal(shared?.metadata.counter, String(totalWins), "an increment made under the lease was lost: two holders overlapped");
      assert.equal(shared?.metadata.holder, undefined);
      for (let w = 0; w < workers; w++) {
        for (let j = 0; j < rounds; j++) assert.equal(shared?.metadata[`worker-${w}-round-${j}`], String(j), `worker ${w} round ${j} was lost`);
        const own = await store.describeSecret(`worker-${w}`);
        const kept = Array.from({ length: 10 }, (_, i) => `v${rounds - 10 + i}`);
        assert.deepEqual(own?.versions.map((v) => v.versionId), kept);
        const current = await store.getValue(`worker-${w}`);
        assert.equal(current.versionId, `v${rounds - 1}`);
        assert.equal(current.value, `value-${w}-${rounds - 1}`);
      }
      assert.equal(await store.acquireLease("shared", "after", 1000), true, "every worker released the lease");
    });

    it("waits for a live lock and fails with StoreBusy; takes over a lock left by a killed process after the stale time", async function () {
      this.timeout(30_000);
      const staleMs = 2000;
      const store = open();
      await createDb(store);
      const holder = spawnFixture("lock-holder.ts", [path, String(staleMs)]);
      const exited = runToExit(holder);
      try {
        await waitForLine(holder, (l) => l === "locked");

        const impatient = open({ lock: { timeoutMs: 300 } });
        const started = Date.now();
        await expectError(impatient.updateSecret("db", { description: "blocked" }), "StoreBusy", { message: /locked by another process/ });
        assert.ok(Date.now() - started < staleMs, "gave up within its own timeout, long before the lock could go stale");
      } finally {
        holder.kill("SIGKILL");
      }
      assert.equal((await exited).signal, "SIGKILL");
      assert.equal(await exists(`${path}.lock`), true, "the killed holder left its lock behind");

      const patient = open({ lock: { staleMs, timeoutMs: 10_000 } });
      const started = Date.now();
      await patient.updateSecret("db", { description: "after the crash" });
      const waited = Date.now() - started;
      assert.ok(waited < staleMs + 3000, `took over the stale lock in ${waited} ms`);
      assert.equal((await store.describeSecret("db"))?.description, "after the crash");
      assert.equal(await exists(`${path}.lock`), false, "the lock is released after the write");
    });
  });

  describe("key derivation", function () {
    it("derives a key once per passphrase and salt per process", async function () {
      const salt = randomBytes(16);
      const first = deriveKeys("pass-a", salt, DEFAULT_SCRYPT_PARAMS);
      assert.equal(deriveKeys("pass-a", salt, DEFAULT_SCRYPT_PARAMS), first, "the same inputs share one derivation");
      assert.notEqual(deriveKeys("pass-b", salt, DEFAULT_SCRYPT_PARAMS), first);
      assert.notEqual(deriveKeys("pass-a", randomBytes(16), DEFAULT_SCRYPT_PARAMS), first);
      const keys = await first;
      assert.equal(keys.encryptionKey.length, 32);
    });

    it("refuses key-derivation parameters a crafted file could use to exhaust memory", async function () {
      const err = await expectError(deriveKeys("p", randomBytes(16), { N: 2 ** 30, r: 8, p: 1 }), "StoreUnreadable");
      assert.ok(err instanceof ManagedSecretsError);
    });
  });
});
