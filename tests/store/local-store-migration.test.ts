import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalSecretStore } from "../../provider/store/local/local-store";
import { expectError } from "../support/expect-error";

/** Written by the single-file store (format 1) before the log format; see the .md beside it. */
const FIXTURE = join(__dirname, "fixtures", "store-v1-release-0.1.0.enc");
const PASSPHRASE = "fixture passphrase: release 0.1.0 store";
/** Half an hour after the fixture's last write: its lease still held, its deletion window still open. */
const AT = new Date("2026-11-01T01:30:00.000Z");

describe("LocalSecretStore: a store written by the previous release (format 1)", function () {
  let dir: string;
  let path: string;
  const open = (passphrase = PASSPHRASE) => new LocalSecretStore({ path, passphrase, clock: () => AT });

  beforeEach(async function () {
    dir = await mkdtemp(join(tmpdir(), "ms-migration-"));
    path = join(dir, "store.enc");
    await copyFile(FIXTURE, path);
  });

  afterEach(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  it("opens after the upgrade with everything it held, migrated once to the log format, the old file kept as <store>.v1-backup", async function () {
    const original = await readFile(FIXTURE);
    const store = open();
    assert.deepEqual((await store.listSecrets({ includePendingDeletion: true })).map((m) => m.name), ["old/leaving", "prod/web-1/root", "ram/deployer"]);

    const web = await store.describeSecret("prod/web-1/root");
    assert.equal(web?.description, "web 1 root password");
    assert.deepEqual(web?.metadata, { target: "i-web1", host: "10.0.0.11", user: "root", rotationPeriodSeconds: "86400", nextRotationAt: "2026-11-02T00:00:00.000Z" });
    assert.equal(JSON.parse((await store.getValue("prod/web-1/root")).value).Password, "Fixture-Pw-2!");
    assert.equal(JSON.parse((await store.getValue("prod/web-1/root", { versionId: "v1" })).value).Password, "Fixture-Pw-1!");

    const deployer = await store.describeSecret("ram/deployer");
    assert.deepEqual(deployer!.metadata, {});
    assert.equal((await store.getValue("ram/deployer", { stage: "ACSPending" })).value, "pending value");
    assert.equal(await store.acquireLease("ram/deployer", "someone-else", 60_000), false, "the lease held in the old file still holds");

    assert.equal((await store.describeSecret("old/leaving"))?.plannedDeleteAt, "2026-12-01T01:00:00.000Z");
    await expectError(store.getValue("gone"), "SecretNotFound", { message: /deleted without a recovery window/ });

    const migrated = await readFile(path);
    assert.equal(migrated.subarray(0, 8).toString("latin1"), "MSSTLOG\n");
    assert.deepEqual(await readFile(`${path}.v1-backup`), original, "the old file is kept byte for byte");
    assert.equal((await stat(`${path}.v1-backup`)).mode & 0o777, 0o600);
    assert.equal((await stat(path)).mode & 0o777, 0o600);

    // Migrated once: later opens and writes use the log and make no second backup.
    await open().updateSecret("prod/web-1/root", { description: "after the upgrade" });
    assert.equal((await open().describeSecret("prod/web-1/root"))?.description, "after the upgrade");
    assert.deepEqual((await readdir(dir)).sort(), ["store.enc", "store.enc.v1-backup"]);
  });

  it("migrates when the first call is a write, and that write lands in the new file", async function () {
    await open().putValue("prod/web-1/root", { versionId: "v3", value: "third", stages: ["ACSPending"] });
    const reopened = open();
    assert.equal((await reopened.getValue("prod/web-1/root", { stage: "ACSPending" })).value, "third");
    assert.equal(JSON.parse((await reopened.getValue("prod/web-1/root")).value).Password, "Fixture-Pw-2!");
    assert.deepEqual((await readdir(dir)).sort(), ["store.enc", "store.enc.v1-backup"]);
  });

  it("keeps an earlier backup: an interrupted migration's backup is not overwritten", async function () {
    await writeFile(`${path}.v1-backup`, "an earlier backup");
    await open().listSecrets();
    const names = (await readdir(dir)).sort();
    assert.equal(names.length, 3, names.join(", "));
    assert.equal(await readFile(`${path}.v1-backup`, "utf8"), "an earlier backup");
    const dated = names.find((n) => n.startsWith("store.enc.v1-backup-"))!;
    assert.deepEqual(await readFile(join(dir, dated)), await readFile(FIXTURE));
  });

  it("is not migrated, backed up or changed when the passphrase is wrong or the old file is damaged", async function () {
    const original = await readFile(FIXTURE);
    const err = await expectError(open("not the passphrase").listSecrets(), "StoreUnreadable", { message: /passphrase/ });
    assert.ok(!err.message.includes(PASSPHRASE));
    await expectError(open("not the passphrase").createSecret({ name: "x", description: "", metadata: {}, versionId: "v1", value: "x" }), "StoreUnreadable");
    assert.deepEqual(await readFile(path), original);

    const envelope = JSON.parse(original.toString("utf8")) as { data: string };
    const data = Buffer.from(envelope.data, "base64");
    data[3] = data[3]! ^ 0x01;
    const damaged = Buffer.from(JSON.stringify({ ...envelope, data: data.toString("base64") }));
    await writeFile(path, damaged);
    await expectError(open().describeSecret("prod/web-1/root"), "StoreUnreadable", { message: /damaged/ });
    await expectError(open().updateSecret("prod/web-1/root", { description: "x" }), "StoreUnreadable", { message: /damaged/ });
    assert.deepEqual(await readFile(path), damaged);
    assert.deepEqual(await readdir(dir), ["store.enc"]);
  });
});

describe("LocalSecretStore: a format-1 store on a read-only file system", function () {
  let dir: string;
  let mounted = false;

  before(function () {
    // A real read-only mount needs root; the without-root runs skip it.
    if (process.getuid?.() !== 0) this.skip();
  });

  beforeEach(async function () {
    dir = await mkdtemp(join(tmpdir(), "ms-migration-ro-"));
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", dir]);
    mounted = true;
    await copyFile(FIXTURE, join(dir, "store.enc"));
    execFileSync("mount", ["-o", "remount,ro", dir]);
  });

  afterEach(async function () {
    if (mounted) execFileSync("umount", [dir]);
    mounted = false;
    await rm(dir, { recursive: true, force: true });
  });

  it("is still read (not migrated) by a reader who cannot write there, and a write says why it cannot", async function () {
    const store = new LocalSecretStore({ path: join(dir, "store.enc"), passphrase: PASSPHRASE, clock: () => AT });
    assert.equal(JSON.parse((await store.getValue("prod/web-1/root")).value).Password, "Fixture-Pw-2!");
    assert.deepEqual((await store.listSecrets()).map((m) => m.name), ["prod/web-1/root", "ram/deployer"]);
    await expectError(store.updateSecret("prod/web-1/root", { description: "x" }), "StoreWriteFailed", { message: /EROFS/ });
    assert.deepEqual(await readdir(dir), ["store.enc"]);
    assert.deepEqual(await readFile(join(dir, "store.enc")), await readFile(FIXTURE));
  });
});
