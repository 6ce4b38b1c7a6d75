import { strict as assert } from "node:assert";
import { driftOf, needsRotation } from "../../provider/health/drift";

/**
 * Drift is a union of the kinds refresh can find, but Pulumi state holds the
 * health problems as plain strings: one this version does not name (state a
 * later version wrote) must still count as drift, and must not rotate.
 */
describe("drift kinds: what a refresh's state says, as Drift", function () {
  it("named health problems pass through; an update rotates only for the repairable ones", () => {
    const drift = driftOf({ health: { healthy: false, problems: ["overdue", "unreachable"] } }, undefined);
    assert.deepEqual(drift, ["overdue", "unreachable"]);
    assert.equal(needsRotation(drift), true);
    assert.equal(needsRotation(driftOf({ health: { healthy: false, problems: ["unreachable"] } }, undefined)), false);
  });

  it("a problem this version does not name is still drift (a diff), and is no reason to rotate", () => {
    const drift = driftOf({ health: { healthy: false, problems: ["some-later-problem", "toString"] } }, undefined);
    assert.deepEqual(drift, ["unknown-problem", "unknown-problem"]);
    assert.equal(needsRotation(drift), false);
  });

  it("pending deletion and a schedule changed out of band are drift of their own", () => {
    const drift = driftOf({ plannedDeleteAt: "2026-12-01T00:00:00.000Z", rotationPeriod: "30d", rotationPeriodSeconds: 86_400 }, { text: "30d", seconds: 30 * 86_400 });
    assert.deepEqual(drift, ["pending-deletion", "rotation-settings"]);
    assert.equal(needsRotation(drift), false);
  });
});
