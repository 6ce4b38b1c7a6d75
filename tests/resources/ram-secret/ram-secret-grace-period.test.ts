import { strict as assert } from "node:assert";
import * as ram from "../../../provider/resources/ram-secret/ram-secret-handler";
import type { RamSecretOutputs } from "../../../provider/resources/ram-secret/ram-secret-handler";
import { targetFromMetadata } from "../../../provider/context/runtime-context";
import { PENDING_RETIREMENTS } from "../../../provider/schedule/pending-retirements";
import { runOnce } from "../../../provider/runner/run-once";
import { GRACE_META } from "../../../provider/targets/ram-access-key/ram-access-key-target";
import type { RetryPolicy } from "../../../provider/core/retry";
import { BACKENDS, type TestStore } from "../../../testkit/store/test-store";
import { expectError } from "../../support/expect-error";
import { arnOf, keysOf, pairOf, ramContext, ramInputs, signsAs, useRamSuite, userWithKey, type RamEmulator } from "../../support/ram-fixtures";

/**
 * previousKeyGracePeriod: the previous AccessKey outlives a rotation by the
 * grace period and is deactivated or deleted by the first runner pass after
 * it, on the test clock, against the emulator through the real RAM and STS
 * clients. What each pass costs is counted at the emulator.
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const noWait: RetryPolicy = { attempts: 1, baseDelayMs: 0, maxDelayMs: 0, sleep: async () => undefined };
const noSleep = { sleep: async () => undefined };
const RETIRING_CALLS = ["Ram.UpdateAccessKey", "Ram.DeleteAccessKey"];

for (const backend of BACKENDS) {
  describe(`RamSecret previousKeyGracePeriod: the previous key outlives the rotation and a later runner pass retires it (emulator, test clock) [${backend} store]`, () => {
    const suite = useRamSuite(backend);
    let cloud: RamEmulator;
    let t: TestStore;
    beforeEach(() => ({ cloud, t } = suite));

    const ctx = () => ramContext(t, cloud);
    const pass = () => runOnce({ store: t.store, clock: t.clock, owner: "runner", targetFor: (m) => targetFromMetadata(m, ctx()), retry: noWait });
    const retiringCalls = (mark: number) => RETIRING_CALLS.filter((c) => cloud.countSince(mark)[c] !== undefined);
    const byId = (keys: Array<{ id: string; status: string }>) => [...keys].sort((a, b) => a.id.localeCompare(b.id));

    async function adoptAndRotate(action: "deactivate" | "delete", grace = "1h") {
      const { userName, key: k0 } = userWithKey(cloud, "grace");
      const inputs = ramInputs(userName, k0, { previousKeyAction: action, previousKeyGracePeriod: grace, rotationPeriod: "30d" });
      const created = await ram.create(inputs, ctx(), noSleep);
      const rotatedAt = t.clock();
      const { outs } = await ram.update(created.id, created.outs, { ...inputs, rotationTrigger: "1" }, ctx(), noSleep);
      return { id: created.id, userName, k0, k1: pairOf((await t.store.getValue(created.id)).value), rotatedAt, inputs: { ...inputs, rotationTrigger: "1" } as Record<string, unknown>, outs };
    }

    for (const action of ["deactivate", "delete"] as const) {
      it(`${action}: the rotation leaves the old key Active; a pass before the grace ends touches nothing; the first pass after it ${action}s exactly the recorded key`, async () => {
        const { id, userName, k0, k1, rotatedAt } = await adoptAndRotate(action);
        assert.deepEqual(byId(await keysOf(cloud, userName)), byId([{ id: k0.accessKeyId, status: "Active" }, { id: k1.accessKeyId, status: "Active" }]));
        assert.equal(await signsAs(cloud, k0), arnOf(cloud, userName), "apps still holding the old key keep working");
        const recorded = (await t.store.describeSecret(id))!.metadata[PENDING_RETIREMENTS]!;
        const [keyId, dueAt] = recorded.split("@");
        assert.equal(keyId, k0.accessKeyId);
        const dueMs = Date.parse(dueAt!) - rotatedAt.getTime();
        assert.ok(dueMs >= HOUR_MS && dueMs < HOUR_MS + MINUTE_MS, `due one grace period after the rotation (${recorded})`);

        t.clock.advance(59 * MINUTE_MS);
        let mark = cloud.log.length;
        const early = await pass();
        assert.deepEqual([early.retired, retiringCalls(mark)], [[], []], "nothing due yet: no RAM call retires anything");
        assert.equal(await signsAs(cloud, k0), arnOf(cloud, userName));

        t.clock.advance(2 * MINUTE_MS);
        mark = cloud.log.length;
        const due = await pass();
        assert.deepEqual(due.retired.map((r) => [r.name, r.id, r.result]), [[id, k0.accessKeyId, action === "delete" ? "deleted" : "deactivated"]]);
        assert.deepEqual(retiringCalls(mark), [action === "delete" ? "Ram.DeleteAccessKey" : "Ram.UpdateAccessKey"]);
        assert.equal(cloud.countSince(mark)[retiringCalls(mark)[0]!], 1, "one call, for the recorded key");
        const expected = action === "delete" ? [{ id: k1.accessKeyId, status: "Active" }] : [{ id: k0.accessKeyId, status: "Inactive" }, { id: k1.accessKeyId, status: "Active" }];
        assert.deepEqual(byId(await keysOf(cloud, userName)), byId(expected));
        assert.match(await signsAs(cloud, k0), /^rejected:/);
        assert.equal(await signsAs(cloud, k1), arnOf(cloud, userName), "the current key is untouched");
        assert.equal((await t.store.describeSecret(id))!.metadata[PENDING_RETIREMENTS], undefined, "the entry is settled");

        mark = cloud.log.length;
        assert.deepEqual((await pass()).retired, [], "a later pass has nothing left to do");
        assert.deepEqual(retiringCalls(mark), []);
      });
    }

    it("a key waiting out its grace is not drift: refresh reports healthy and the declaration shows no change", async () => {
      const { id, inputs, outs } = await adoptAndRotate("delete");
      const refreshed = (await ram.read(id, outs, ctx())).props as RamSecretOutputs;
      assert.deepEqual(refreshed.health, { healthy: true, problems: [] });
      assert.equal(refreshed.previousKeyGracePeriod, "1h");
      assert.deepEqual((await ram.diff(id, refreshed, inputs)).changes, false);
      const report = await pass();
      assert.deepEqual(report.outcomes.map((o) => [o.status, o.reason.startsWith("not due until")]), [["skipped", true]], "not due, not failed");
    });

    it("a failure between the RAM call and settling the entry (answer lost) is repaired by the next pass, without touching another key", async () => {
      const { id, userName, k0, k1 } = await adoptAndRotate("delete");
      t.clock.advance(HOUR_MS + MINUTE_MS);
      cloud.emu.control.dropConnection("DeleteAccessKey", 1, "after");
      const cut = await pass();
      assert.deepEqual(cut.retired.map((r) => [r.id, r.result]), [[k0.accessKeyId, "failed"]]);
      assert.deepEqual(await keysOf(cloud, userName), [{ id: k1.accessKeyId, status: "Active" }], "RAM did delete it");
      assert.ok((await t.store.describeSecret(id))!.metadata[PENDING_RETIREMENTS]?.startsWith(`${k0.accessKeyId}@`), "the entry is still there");

      const mark = cloud.log.length;
      const repaired = await pass();
      assert.deepEqual(repaired.retired.map((r) => [r.id, r.result]), [[k0.accessKeyId, "deleted"]], "already gone is what retiring wanted");
      assert.deepEqual(cloud.countSince(mark)["Ram.DeleteAccessKey"], 1);
      assert.equal((await t.store.describeSecret(id))!.metadata[PENDING_RETIREMENTS], undefined);
      assert.equal(await signsAs(cloud, k1), arnOf(cloud, userName));
    });

    it("a rotation cut off after finish still has its retirement recorded (same write as finish); the runner carries it out", async () => {
      const { userName, key: k0 } = userWithKey(cloud, "grace");
      const inputs = ramInputs(userName, k0, { previousKeyAction: "deactivate", previousKeyGracePeriod: "30m", rotationPeriod: "30d" });
      const { id, outs } = await ram.create(inputs, ctx(), noSleep);
      const crash = {
        ...noSleep,
        afterStep: (step: string) => {
          if (step === "finish") throw new Error("killed after finish");
        },
      };
      await assert.rejects(ram.update(id, outs, { ...inputs, rotationTrigger: "1" }, ctx(), crash), /killed after finish/);
      assert.ok((await t.store.describeSecret(id))!.metadata[PENDING_RETIREMENTS]?.startsWith(`${k0.accessKeyId}@`));
      assert.equal(await signsAs(cloud, k0), arnOf(cloud, userName));

      t.clock.advance(31 * MINUTE_MS);
      assert.deepEqual((await pass()).retired.map((r) => [r.id, r.result]), [[k0.accessKeyId, "deactivated"]]);
      assert.match(await signsAs(cloud, k0), /^rejected:/);
    });

    it("a new rotation before the first retirement is due keeps both entries (a list): each key is retired at its own time, the current one never", async () => {
      const { id, userName, k0, k1, inputs, outs } = await adoptAndRotate("deactivate");
      t.clock.advance(10 * MINUTE_MS);
      // The next rotation needs k0's slot (2 keys per user): it deletes k0 at once, as it always did.
      await ram.update(id, outs, { ...inputs, rotationTrigger: "2" }, ctx(), noSleep);
      const k2 = pairOf((await t.store.getValue(id)).value);
      const entries = (await t.store.describeSecret(id))!.metadata[PENDING_RETIREMENTS]!.split("+").map((e) => e.split("@")[0]);
      assert.deepEqual(entries, [k0.accessKeyId, k1.accessKeyId], "the older entry is not overwritten");
      assert.deepEqual(byId(await keysOf(cloud, userName)), byId([{ id: k1.accessKeyId, status: "Active" }, { id: k2.accessKeyId, status: "Active" }]));

      t.clock.advance(51 * MINUTE_MS); // k0's grace is over, k1's is not
      const first = await pass();
      assert.deepEqual(first.retired.map((r) => [r.id, r.result]), [[k0.accessKeyId, "deactivated"]], "already deleted: settled as done");
      assert.equal(await signsAs(cloud, k1), arnOf(cloud, userName), "k1 is still in its grace period");

      t.clock.advance(10 * MINUTE_MS);
      assert.deepEqual((await pass()).retired.map((r) => [r.id, r.result]), [[k1.accessKeyId, "deactivated"]]);
      assert.deepEqual(byId(await keysOf(cloud, userName)), byId([{ id: k1.accessKeyId, status: "Inactive" }, { id: k2.accessKeyId, status: "Active" }]));
      assert.equal(await signsAs(cloud, k2), arnOf(cloud, userName));
    });

    it("an entry that names the current key or a key the secret never held (KMS tags edited by hand) is dropped without any RAM call", async () => {
      const { id, userName, k1 } = await adoptAndRotate("delete");
      const past = new Date(t.clock().getTime() - MINUTE_MS).toISOString().replace(/\.\d{3}Z$/, "Z");
      const foreign = "LTAIpersonsownkey0000000";
      await t.store.updateSecret(id, { metadata: { [PENDING_RETIREMENTS]: `${k1.accessKeyId}@${past}+${foreign}@${past}` } });
      const mark = cloud.log.length;
      const report = await pass();
      assert.deepEqual(report.retired.map((r) => [r.id, r.result]), [[k1.accessKeyId, "dropped"], [foreign, "dropped"]]);
      assert.match(report.retired[0]!.reason, /is the secret's ACSCurrent key now; it is never retired/);
      assert.match(report.retired[1]!.reason, /no version of secret .* holds AccessKey LTAIpersonsownkey0000000; the key was not touched/);
      assert.deepEqual(retiringCalls(mark), []);
      assert.equal(await signsAs(cloud, k1), arnOf(cloud, userName));
    });

    it("a policy changed to keep while a retirement waits: the entry is dropped when due and the old key stays Active, with no RAM call", async () => {
      const { id, userName, k0, inputs, outs } = await adoptAndRotate("delete");
      const { previousKeyGracePeriod: _g, ...rest } = inputs;
      await ram.update(id, outs, { ...rest, previousKeyAction: "keep" }, ctx(), noSleep);
      t.clock.advance(HOUR_MS + MINUTE_MS);
      const mark = cloud.log.length;
      const report = await pass();
      assert.deepEqual(report.retired.map((r) => [r.id, r.result, r.reason]), [[k0.accessKeyId, "dropped", `previousKeyAction is keep now; AccessKey ${k0.accessKeyId} stays as it is`]]);
      assert.deepEqual(retiringCalls(mark), []);
      assert.equal(await signsAs(cloud, k0), arnOf(cloud, userName));
      assert.equal((await t.store.describeSecret(id))!.metadata[PENDING_RETIREMENTS], undefined);
    });

    it("a due time moved earlier by hand is not believed: nothing is retired before the replacing version's creation plus the grace", async () => {
      const { id, userName, k0 } = await adoptAndRotate("delete");
      const past = new Date(t.clock().getTime() - HOUR_MS).toISOString().replace(/\.\d{3}Z$/, "Z");
      await t.store.updateSecret(id, { metadata: { [PENDING_RETIREMENTS]: `${k0.accessKeyId}@${past}` } });
      const mark = cloud.log.length;
      assert.deepEqual((await pass()).retired, []);
      assert.deepEqual(retiringCalls(mark), []);
      assert.equal(await signsAs(cloud, k0), arnOf(cloud, userName));
      t.clock.advance(HOUR_MS + MINUTE_MS);
      assert.deepEqual((await pass()).retired.map((r) => [r.id, r.result]), [[k0.accessKeyId, "deleted"]]);
    });

    if (backend === "kms") {
      it("a grace period shortened in KMS tags alone is not believed: the pass refuses (TargetUnverified) and retires nothing", async () => {
        const { id, userName, k0 } = await adoptAndRotate("delete");
        await t.store.updateSecret(id, { metadata: { [GRACE_META]: "60" } });
        t.clock.advance(2 * MINUTE_MS);
        const mark = cloud.log.length;
        const report = await pass();
        assert.deepEqual(report.retired.map((r) => r.result), [], "the recorded due time has not come");
        const past = new Date(t.clock().getTime() - MINUTE_MS).toISOString().replace(/\.\d{3}Z$/, "Z");
        await t.store.updateSecret(id, { metadata: { [PENDING_RETIREMENTS]: `${k0.accessKeyId}@${past}` } });
        const refused = await pass();
        assert.deepEqual(refused.retired.map((r) => [r.id, r.result]), [[k0.accessKeyId, "failed"]]);
        // The store's own write of a target entry no program declared moves the value to a version nothing binds.
        assert.match(refused.retired[0]!.reason, /^TargetUnverified: .*(does not match its authentication|is recorded only in KMS tags)/);
        assert.deepEqual(retiringCalls(mark), []);
        assert.equal(await signsAs(cloud, k0), arnOf(cloud, userName));
      });
    }

    it("bad previousKeyGracePeriod values are refused with the property named, before any call or store write", async () => {
      const { userName, key: k0 } = userWithKey(cloud, "grace");
      const cases: Array<[Record<string, unknown>, RegExp]> = [
        [{ previousKeyAction: "delete", previousKeyGracePeriod: "1d" }, /previousKeyGracePeriod must be a duration in h, m and s such as "30m", "1h", "1h30m" or "24h", from 1m to 168h/],
        [{ previousKeyAction: "delete", previousKeyGracePeriod: "90" }, /previousKeyGracePeriod must be a duration/],
        [{ previousKeyAction: "delete", previousKeyGracePeriod: "-1h" }, /previousKeyGracePeriod must be a duration/],
        [{ previousKeyAction: "delete", previousKeyGracePeriod: "30s" }, /previousKeyGracePeriod must be a duration .* from 1m to 168h/],
        [{ previousKeyAction: "delete", previousKeyGracePeriod: "169h" }, /previousKeyGracePeriod must be a duration .* from 1m to 168h/],
        [{ previousKeyAction: "delete", previousKeyGracePeriod: "30m1h" }, /previousKeyGracePeriod must be a duration/],
        [{ previousKeyAction: "delete", previousKeyGracePeriod: 3600 }, /previousKeyGracePeriod must be a duration/],
        [{ previousKeyAction: "keep", previousKeyGracePeriod: "1h" }, /previousKeyGracePeriod applies only with previousKeyAction "deactivate" or "delete"/],
        [{ previousKeyAction: "deactivate", previousKeyGracePeriod: "6h", rotationPeriod: "6h" }, /previousKeyGracePeriod must be shorter than rotationPeriod \(6h\)/],
      ];
      const mark = cloud.log.length;
      for (const [overrides, message] of cases) {
        const inputs = ramInputs(userName, k0, overrides);
        const checked = await ram.check({}, inputs);
        assert.deepEqual(checked.failures?.map((f) => f.property), ["previousKeyGracePeriod"], JSON.stringify(overrides));
        await expectError(ram.create(inputs, ctx(), noSleep), "InvalidInput", { property: "previousKeyGracePeriod", message });
      }
      assert.deepEqual(cloud.countSince(mark), {}, "no RAM or STS call");
      assert.deepEqual(await t.store.listSecrets(), [], "nothing stored");
      for (const ok of ["0", "1m", "1h30m", "168h", "1h0m0s"]) {
        assert.deepEqual((await ram.check({}, ramInputs(userName, k0, { previousKeyAction: "delete", previousKeyGracePeriod: ok }))).failures, [], ok);
      }
    });
  });
}
