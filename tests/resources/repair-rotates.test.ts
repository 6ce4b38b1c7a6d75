import { strict as assert } from "node:assert";
import * as ram from "../../provider/resources/ram-secret/ram-secret-handler";
import type { RotationEvent } from "../../provider/events/rotation-event";
import { FAILURE_META } from "../../provider/schedule/secret-outcome";
import { ramContext, ramInputs, startRamEmulator, userWithKey, type RamEmulator } from "../support/ram-fixtures";
import { createTestStore, type TestStore } from "../../testkit/store/test-store";

/**
 * A drift repair is a rotation nobody may skip. The store records the
 * rotationTrigger of a rotation it carried out, so a retried update does not
 * rotate twice; a repair under the same, already recorded trigger used to be
 * taken for that retry: reported `skipped`, nothing rotated, and the failure
 * that made it drift stayed recorded, so every later refresh found it again.
 */
describe("a drift repair under an already recorded rotationTrigger rotates", function () {
  let emu: RamEmulator;
  let t: TestStore;
  before(async () => (emu = await startRamEmulator()));
  after(async () => emu?.stop());
  beforeEach(async () => (t = await createTestStore()));
  afterEach(async () => t[Symbol.asyncDispose]());

  it("a failing secret whose credential works: update rotates (outcome succeeded, trigger repair) and clears the failure", async () => {
    const events: RotationEvent[] = [];
    const ctx = { ...ramContext(t, emu), events: () => ({ name: "capture", emit: (e: RotationEvent) => void events.push(e), flush: async () => undefined }) };
    const { userName, key } = userWithKey(emu, "repair");
    const declared = ramInputs(userName, key, { rotationTrigger: "a", rotationPeriod: "30d" });
    const { id, outs } = await ram.create(declared, ctx);
    const requested = { ...declared, rotationTrigger: "b" };
    const afterRequest = (await ram.update(id, outs, requested, ctx)).outs;
    assert.equal(afterRequest.versionId, "v2");

    // The runner's last scheduled try failed (an unreachable endpoint, say); the key itself works.
    await t.store.updateSecret(id, { metadata: { [FAILURE_META.code]: "Unreachable", [FAILURE_META.at]: t.clock().toISOString() } });
    const refreshed = (await ram.read(id, afterRequest, ctx)).props!;
    assert.deepEqual(refreshed.health?.problems, ["failing"]);
    assert.equal((await ram.diff(id, refreshed, requested)).changes, true);

    const repaired = (await ram.update(id, refreshed, requested, ctx)).outs;
    assert.equal(repaired.versionId, "v3", "the repair rotated");
    const last = events.at(-1)!;
    assert.deepEqual([last.trigger, last.outcome], ["repair", "succeeded"]);
    assert.equal((await t.store.describeSecret(id))!.metadata[FAILURE_META.code], undefined, "the failure record is cleared");
    const again = (await ram.read(id, repaired, ctx)).props!;
    assert.deepEqual(again.health, { healthy: true, problems: [] });
    assert.equal((await ram.diff(id, again, requested)).changes, false, "nothing left to repair");
  });
});
