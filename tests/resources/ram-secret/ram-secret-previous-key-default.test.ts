import { strict as assert } from "node:assert";
import * as ram from "../../../provider/resources/ram-secret/ram-secret-handler";
import { createTestStore, type TestStore } from "../../../testkit/store/test-store";
import { keysOf, ramContext, ramInputs, startRamEmulator, userWithKey, type RamEmulator } from "../../support/ram-fixtures";

/**
 * Issue 26 item 7: what happens to the previous AccessKey when nothing is
 * declared. KMS's own RAM secrets delete it after their rotation window; the
 * default here retires it the reversible way, one client cache after the
 * rotation: previousKeyAction "deactivate" with previousKeyGracePeriod "1h".
 * A stack whose state recorded the earlier default ("keep") is not changed
 * behind its back: its next `pulumi up` shows both inputs as an update, which
 * rotates nothing.
 */
describe("RamSecret's previous key, by default (emulator)", function () {
  let cloud: RamEmulator;
  let t: TestStore;
  before(async () => {
    cloud = await startRamEmulator();
  });
  after(() => cloud?.stop());
  beforeEach(async () => {
    t = await createTestStore({ backend: "local" });
  });
  afterEach(async () => t[Symbol.asyncDispose]());

  it("a new declaration that names no previousKeyAction deactivates the previous key one hour after a rotation", async () => {
    const { userName, key } = userWithKey(cloud, "default");
    const made = await ram.create(ramInputs(userName, key, { rotationPeriod: "30d" }), ramContext(t, cloud));
    assert.deepEqual([made.outs.previousKeyAction, made.outs.previousKeyGracePeriod], ["deactivate", "1h"]);
    const meta = (await t.store.describeSecret(made.id))!.metadata;
    assert.equal(meta.previousKeyAction, "deactivate", "what the runner reads");
    const rotated = (await ram.update(made.id, made.outs, ramInputs(userName, key, { rotationPeriod: "30d", rotationTrigger: 1 }), ramContext(t, cloud))).outs;
    assert.equal(rotated.versionId, "v2");
    assert.deepEqual((await keysOf(cloud, userName)).map((k) => [k.id === key.accessKeyId, k.status]).sort(), [[false, "Active"], [true, "Active"]], "the previous key still works for its grace period");
  });

  it("an existing stack that recorded keep and declares nothing: the diff is an update of both inputs, and the update rotates nothing", async () => {
    const { userName, key } = userWithKey(cloud, "upgrade");
    // As the previous release created it: the default was keep, with no grace period.
    const made = await ram.create(ramInputs(userName, key, { previousKeyAction: "keep" }), ramContext(t, cloud));
    assert.deepEqual([made.outs.previousKeyAction, made.outs.previousKeyGracePeriod], ["keep", undefined]);
    const news = ramInputs(userName, key);
    const diff = await ram.diff(made.id, made.outs, news);
    assert.deepEqual([diff.changes, diff.replaces ?? []], [true, []], "an update, not a replacement");
    const updated = (await ram.update(made.id, made.outs, news, ramContext(t, cloud))).outs;
    assert.deepEqual([updated.versionId, updated.accessKeyId], ["v1", key.accessKeyId], "no rotation");
    assert.deepEqual([updated.previousKeyAction, updated.previousKeyGracePeriod], ["deactivate", "1h"]);
    assert.equal((await t.store.describeSecret(made.id))!.metadata.previousKeyAction, "deactivate");
    assert.deepEqual(await ram.diff(made.id, updated, news), { changes: false, replaces: [], deleteBeforeReplace: false }, "and then nothing to do");
  });

  it("a declared action is taken as declared: keep stays, deactivate or delete without a grace period act at once", async () => {
    for (const previousKeyAction of ["keep", "deactivate", "delete"]) {
      const { userName, key } = userWithKey(cloud, previousKeyAction);
      const made = await ram.create(ramInputs(userName, key, { previousKeyAction }), ramContext(t, cloud));
      assert.deepEqual([made.outs.previousKeyAction, made.outs.previousKeyGracePeriod], [previousKeyAction, undefined]);
    }
    const refused = await ram.check({}, { ...ramInputs("u", { accessKeyId: "LTAI5tAbCdEfGhIjKlMnOpQr", accessKeySecret: "Adopted-Secret-Value-0123456789" }), previousKeyAction: "keep", previousKeyGracePeriod: "1h" });
    assert.deepEqual(refused.failures?.map((f) => f.property), ["previousKeyGracePeriod"]);
  });
});
