import { strict as assert } from "node:assert";
import * as ecs from "../../provider/resources/ecs-secret/ecs-secret-handler";
import * as ram from "../../provider/resources/ram-secret/ram-secret-handler";
import { isManagedSecretsError } from "../../provider/core/errors";
import type { StartedSshHost } from "../../testkit/sshd/ssh-host";
import { ecsInputs } from "../support/ecs-fixtures";
import { ramContext, ramInputs, startRamEmulator, userWithKey, type RamEmulator } from "../support/ram-fixtures";
import { sshHostPerSuite, storePerTest } from "../support/suite-hooks";
import type { TestStore } from "../../testkit/store/test-store";

/**
 * `pulumi import` through the provider plugin reads a secret with no
 * recorded outputs: the store says what it manages, the import returns the
 * inputs a program would declare (its current credential as the initial one)
 * and the outputs a refresh of them gives. Importing must not rotate, must
 * not make an unverified target a declared one, and the program that
 * declares the same target is applied by one update that rotates nothing
 * (it records what the store never keeps: the trigger, the admin connection).
 */
describe("importing a stored secret (what the plugin's Read does without outputs)", function () {
  let host: StartedSshHost;
  let t: TestStore;
  sshHostPerSuite((h) => (host = h));
  storePerTest((s) => (t = s));

  it("EcsSecret: inputs as a program declares them, outputs as a refresh gives them, nothing rotated; the program's first update rotates nothing, then no change", async () => {
    const declared = ecsInputs(host, { rotationPeriod: "30d", description: "web root", recoveryWindowDays: 8, secretName: "web/root" });
    const { id, outs } = await ecs.create(declared, t.context());
    const imported = await ecs.importSecret(id, t.context());
    assert.equal(imported.id, id);
    assert.deepEqual(imported.inputs, {
      instanceId: declared.instanceId,
      managedUser: "root",
      credentialType: "password",
      initialValue: host.rootPassword,
      connection: declared.connection,
      keyAlgorithm: "rsa-2048",
      secretName: "web/root",
      rotationPeriod: "30d",
      description: "web root",
      recoveryWindowDays: 8,
    });
    assert.equal(imported.props?.versionId, outs.versionId, "nothing rotated");
    assert.deepEqual(imported.props?.health, { healthy: true, problems: [] }, "the probe logged in");
    assert.equal(imported.props?.imported, true);
    // One update records the program's declaration (what an import cannot read back); it rotates nothing.
    assert.deepEqual(await ecs.diff(id, imported.props!, declared), { changes: true, replaces: [], deleteBeforeReplace: false });
    const updated = (await ecs.update(id, imported.props!, declared, t.context())).outs;
    assert.equal(updated.versionId, outs.versionId, "the update rotated");
    assert.equal(updated.imported, undefined);
    assert.deepEqual(await ecs.diff(id, updated, declared), { changes: false, replaces: [], deleteBeforeReplace: false });
  });

  it("refused: a secret scheduled for deletion, a secret of the other family, one reached through a bastion; a missing one is no resource", async () => {
    const ctx = t.context();
    assert.deepEqual(await ecs.importSecret("no/such/secret", ctx), {});
    const { id, outs } = await ecs.create(ecsInputs(host), ctx);
    await ecs.remove(id, { ...outs, recoveryWindowDays: 7 }, ctx);
    await assert.rejects(ecs.importSecret(id, ctx), (e: unknown) => isManagedSecretsError(e, "SecretPendingDeletion") && /then import it/.test(e.message));
    await assert.rejects(ram.importSecret(id, ctx), (e: unknown) => isManagedSecretsError(e, "SecretPendingDeletion"));
    await t.store.restoreSecret(id);
    await assert.rejects(ram.importSecret(id, ctx), (e: unknown) => isManagedSecretsError(e, "InvalidInput") && /manages password root@.*: import it as that kind of resource/.test(e.message));
    await t.store.updateSecret(id, { metadata: { bastionHost: "127.0.0.1", bastionPort: "22", bastionHostKeyFingerprint: host.hostKeyFingerprint, bastionUser: "ops" } });
    await assert.rejects(ecs.importSecret(id, ctx), (e: unknown) => isManagedSecretsError(e, "InvalidInput") && e.details.property === "connection.bastion");
  });

  it("a stored target its kind refuses is never imported", async () => {
    const { id } = await ecs.create(ecsInputs(host), t.context());
    await t.store.updateSecret(id, { metadata: { managedUser: "root;id" } });
    await assert.rejects(ecs.importSecret(id, t.context()), (e: unknown) => isManagedSecretsError(e, "StoreUnreadable") && e.details.property === "managedUser");
  });

  // Last of the ECS tests: it rotates the host's password.
  it("the program that created the secret, rotationTrigger included, applied to the imported state rotates nothing; a later trigger change rotates", async () => {
    // A stack that declared a trigger and never changed it: the store records no trigger (only a rotation it asked for does).
    const declared = ecsInputs(host, { rotationTrigger: "initial" });
    const { id } = await ecs.create(declared, t.context());
    const imported = await ecs.importSecret(id, t.context());
    await assert.rejects(ecs.update(id, imported.props!, { ...declared, secretName: "ecs/other" }, t.context()), (e: unknown) => isManagedSecretsError(e, "InvalidInput") && e.details.property === "secretName");
    assert.equal(await t.store.describeSecret("ecs/other"), undefined, "another secret was created");
    const updated = (await ecs.update(id, imported.props!, declared, t.context())).outs;
    assert.equal(updated.versionId, "v1", "importing and applying the program that created the secret rotated it");
    assert.equal(updated.rotationTrigger, "initial", "the program's trigger is recorded in state");
    assert.deepEqual(await ecs.diff(id, updated, declared), { changes: false, replaces: [], deleteBeforeReplace: false });
    const rotated = (await ecs.update(id, updated, { ...declared, rotationTrigger: "incident-1" }, t.context())).outs;
    assert.equal(rotated.versionId, "v2", "a trigger changed after the import rotates");
  });

  describe("RamSecret", () => {
    let emu: RamEmulator;
    before(async () => (emu = await startRamEmulator()));
    after(async () => emu?.stop());

    it("inputs with the current pair as the initial one (after a rotation, the rotated pair); nothing rotated; no change against the program", async () => {
      const ctx = ramContext(t, emu);
      const { userName, key } = userWithKey(emu, "import");
      const declared = ramInputs(userName, key, { rotationPeriod: "90d", previousKeyAction: "delete", previousKeyGracePeriod: "1h", rotationTrigger: "a" });
      const { id, outs } = await ram.create(declared, ctx);
      const rotated = (await ram.update(id, outs, { ...declared, rotationTrigger: "b" }, ctx)).outs;
      const imported = await ram.importSecret(id, ctx);
      assert.deepEqual(imported.inputs, {
        userName,
        initialAccessKeyId: rotated.accessKeyId,
        initialAccessKeySecret: rotated.accessKeySecret,
        previousKeyAction: "delete",
        previousKeyGracePeriod: "1h",
        rotationPeriod: "90d",
        recoveryWindowDays: 30,
      });
      assert.equal(imported.props?.versionId, "v2", "nothing rotated");
      assert.equal(imported.props?.accessKeyStatus, "Active");
      // The program says trigger "b", which the imported state lacks: an update, which records it as the trigger in force.
      const diff = await ram.diff(id, imported.props!, { ...declared, rotationTrigger: "b" });
      assert.deepEqual([diff.changes, diff.replaces], [true, []]);
      const updated = (await ram.update(id, imported.props!, { ...declared, rotationTrigger: "b" }, ctx)).outs;
      assert.equal(updated.versionId, "v2", "importing and then applying the same program rotates nothing");
    });

    it("a pair adopted with a rotationTrigger and never rotated: importing and applying that program rotates nothing", async () => {
      const ctx = ramContext(t, emu);
      const { userName, key } = userWithKey(emu, "import-trigger");
      const declared = ramInputs(userName, key, { rotationTrigger: "initial" });
      const { id } = await ram.create(declared, ctx);
      const imported = await ram.importSecret(id, ctx);
      const updated = (await ram.update(id, imported.props!, declared, ctx)).outs;
      assert.equal(updated.versionId, "v1", "importing and applying the program that created the secret rotated it");
      assert.equal(updated.accessKeyId, key.accessKeyId);
      assert.deepEqual(await ram.diff(id, updated, declared), { changes: false, replaces: [], deleteBeforeReplace: false });
    });
  });
});
