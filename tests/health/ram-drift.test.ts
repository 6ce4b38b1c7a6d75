import { strict as assert } from "node:assert";
import * as $Ram from "@alicloud/ram20150501";
import { createTestStore, type TestStore } from "../../testkit/store/test-store";
import { DAY_MS } from "../../testkit/clock/test-clock";
import * as ram from "../../provider/resources/ram-secret/ram-secret-handler";
import { runOnce } from "../../provider/runner/run-once";
import { MAX_JITTER_MS } from "../../provider/schedule/due";
import { targetFromMetadata } from "../../provider/context/runtime-context";
import { ramClient } from "../../testkit/emulator/sdk-clients";
import { startRamEmulator, ramContext, userWithKey, ramInputs, pairOf, signsAs, arnOf, type RamEmulator } from "../support/ram-fixtures";

/** The refresh-then-diff pair of `pulumi preview --refresh --expect-no-changes`, for RamSecret, against the emulator. */
describe("Drift: refresh (read) then diff, for RamSecret (emulator)", function () {
  let cloud: RamEmulator;
  let t: TestStore;

  beforeEach(async () => {
    t = await createTestStore();
    cloud = await startRamEmulator(t.clock);
  });
  afterEach(async () => {
    await cloud.stop();
    await t[Symbol.asyncDispose]();
  });

  async function refresh(id: string, outs: ram.RamSecretOutputs, inputs: Record<string, unknown>) {
    const read = await ram.read(id, outs, ramContext(t, cloud));
    return { props: read.props!, diff: await ram.diff(id, read.props!, inputs) };
  }

  it("healthy, then rotated by the runner on schedule: no change either time", async () => {
    const { userName, key } = userWithKey(cloud);
    const inputs = ramInputs(userName, key, { rotationPeriod: "7d" });
    const { id, outs } = await ram.create(inputs, ramContext(t, cloud));
    const healthy = await refresh(id, outs, inputs);
    assert.deepEqual([healthy.props.health, healthy.diff.changes], [{ healthy: true, problems: [] }, false]);

    t.clock.advance(7 * DAY_MS + MAX_JITTER_MS);
    const ctx = ramContext(t, cloud);
    const run = await runOnce({ store: t.store, clock: t.clock, owner: "runner", targetFor: (m) => targetFromMetadata(m, ctx) });
    assert.equal(run.outcomes[0]!.status, "rotated");
    const rotated = await refresh(id, outs, inputs);
    assert.notEqual(rotated.props.accessKeyId, key.accessKeyId);
    assert.equal(rotated.diff.changes, false, "scheduled rotation is not drift");

    // RAM throttling one read is neither drift nor a failed refresh.
    const mark = cloud.log.length;
    cloud.emu.control.throttle("ListAccessKeys", 1);
    const throttled = await refresh(id, outs, inputs);
    assert.deepEqual([throttled.props.health, throttled.diff.changes], [{ healthy: true, problems: [] }, false]);
    assert.equal(cloud.countSince(mark)["Ram.ListAccessKeys"], 2, "the throttled read was tried once more");
  });

  it("a key disabled out of band, an overdue rotation and a scheduled deletion are drift the update repairs", async () => {
    const { userName, key } = userWithKey(cloud);
    const inputs = ramInputs(userName, key, { rotationPeriod: "7d" });
    const { id, outs } = await ram.create(inputs, ramContext(t, cloud));

    await ramClient(cloud.emu).updateAccessKey(new $Ram.UpdateAccessKeyRequest({ userName, userAccessKeyId: key.accessKeyId, status: "Inactive" }));
    const disabled = await refresh(id, outs, inputs);
    assert.deepEqual([disabled.props.accessKeyStatus, disabled.props.health?.problems, disabled.diff.changes], ["Inactive", ["rejected"], true]);
    const repaired = (await ram.update(id, disabled.props, inputs, ramContext(t, cloud))).outs;
    assert.equal(repaired.versionId, "v2");
    assert.equal(await signsAs(cloud, pairOf((await t.store.getValue(id)).value)), arnOf(cloud, userName));
    assert.equal((await refresh(id, repaired, inputs)).diff.changes, false);

    t.clock.advance(9 * DAY_MS);
    const overdue = await refresh(id, repaired, inputs);
    assert.deepEqual([overdue.props.health?.problems, overdue.diff.changes], [["overdue"], true]);
    const caughtUp = (await ram.update(id, overdue.props, inputs, ramContext(t, cloud))).outs;
    assert.equal(caughtUp.versionId, "v3");

    await t.store.deleteSecret(id, { recoveryWindowDays: 7 });
    const deleted = await refresh(id, caughtUp, inputs);
    assert.equal(deleted.diff.changes, true);
    const restored = (await ram.update(id, deleted.props, inputs, ramContext(t, cloud))).outs;
    assert.equal(restored.plannedDeleteAt, undefined);
    assert.equal(restored.versionId, "v3", "restoring does not rotate");
  });
});
