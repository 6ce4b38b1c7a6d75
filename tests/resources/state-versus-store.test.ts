import { strict as assert } from "node:assert";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ram from "../../provider/resources/ram-secret/ram-secret-handler";
import { LocalSecretStore } from "../../provider/store/local/local-store";
import { isManagedSecretsError } from "../../provider/core/errors";
import { ramContext, ramInputs, startRamEmulator, userWithKey, type RamEmulator } from "../support/ram-fixtures";
import { createTestStore, type TestStore } from "../../testkit/store/test-store";

/**
 * A rolled-back local store file that no process here saw newer (a fresh
 * machine, a wiped state directory: its high-water mark cannot know) still
 * has a second witness: the Pulumi state, which records the version the last
 * update saw. Refresh and update refuse a store behind it with
 * StoreRolledBack, before anything is written on top of the older copy.
 */
describe("the Pulumi state's version is ahead of the store's: a rolled-back store is refused", function () {
  let emu: RamEmulator;
  let t: TestStore;
  let dir: string;
  before(async () => (emu = await startRamEmulator()));
  after(async () => emu?.stop());
  beforeEach(async () => {
    t = await createTestStore();
    dir = await mkdtemp(join(tmpdir(), "state-vs-store-"));
  });
  afterEach(async () => {
    await t[Symbol.asyncDispose]();
    await rm(dir, { recursive: true, force: true });
  });

  it("refresh and update refuse with StoreRolledBack and write nothing; the state's own version is fine", async () => {
    const ctx = ramContext(t, emu);
    const { userName, key } = userWithKey(emu, "rollback");
    const declared = ramInputs(userName, key, { rotationTrigger: "a" });
    const created = await ram.create(declared, ctx);
    const { id } = created;
    const older = join(dir, "older-copy.enc");
    await copyFile(t.path, older);
    const { outs } = await ram.update(id, created.outs, { ...declared, rotationTrigger: "b" }, ctx);
    assert.equal(outs.versionId, "v2");

    // The older copy, opened where no high-water mark ever saw the newer commit.
    const fresh = new LocalSecretStore({ path: older, passphrase: t.passphrase, clock: t.clock, stateDir: join(dir, "fresh-machine") });
    const rolledBack = { ...ctx, store: fresh };
    assert.equal((await fresh.describeSecret(id))?.versions.length, 1, "the store alone cannot tell: it is a valid, older file");
    const refused = (e: unknown) => isManagedSecretsError(e, "StoreRolledBack") && /records version v2 .* the store's newest is v1/.test(e.message) && /accept-rollback/.test(e.message);
    await assert.rejects(ram.read(id, outs, rolledBack), refused);
    await assert.rejects(ram.update(id, outs, { ...declared, rotationTrigger: "c" }, rolledBack), refused);
    assert.deepEqual((await fresh.describeSecret(id))?.versions.map((v) => v.versionId), ["v1"], "nothing was written on top of the older copy");
    // Where the store is not behind, the same check passes.
    assert.equal((await ram.read(id, outs, ctx)).props?.versionId, "v2");
  });
});
