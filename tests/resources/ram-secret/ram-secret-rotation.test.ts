import { strict as assert } from "node:assert";
import * as $Ram from "@alicloud/ram20150501";
import * as ram from "../../../provider/resources/ram-secret/ram-secret-handler";
import { holderOf, rotateSecret } from "../../../provider/rotation/rotate-secret";
import { targetFromMetadata } from "../../../provider/context/runtime-context";
import { recordedTrigger } from "../../../provider/schedule/rotation-metadata";
import { PROPAGATION_BACKOFF_MS, ramTargetFor } from "../../../provider/targets/ram-access-key/ram-access-key-target";
import { INTENT_META } from "../../../provider/targets/ram-access-key/create-intent";
import type { PreviousKeyAction } from "../../../provider/targets/ram-access-key/previous-key-action";
import { BACKENDS, type TestStore } from "../../../testkit/store/test-store";
import { expectError } from "../../support/expect-error";
import { ramClient } from "../../../testkit/emulator/sdk-clients";
import {
  arnOf, assertNoSecret, keysOf, pairOf, ramContext, ramInputs, ramEmulatorPerSuite, recordingSleep, signsAs, userWithKey, type RamEmulator,
} from "../../support/ram-fixtures";
import { storePerTest } from "../../support/suite-hooks";

/** These cases were written for a previous key that stays Active (keep), the default before issue 26: declared so now. */
const KEEP = { previousKeyAction: "keep" } as const;

/**
 * The API calls one rotation makes, per previousKeyAction, counted at the
 * emulator. "first": the user holds only the adopted key; "steady": the
 * user holds what the previous rotation left. A change that adds a call
 * fails here.
 */
const EXPECTED_CALLS: Record<PreviousKeyAction, { first: Record<string, number>; steady: Record<string, number> }> = {
  keep: {
    first: { "Ram.ListAccessKeys": 1, "Ram.CreateAccessKey": 1, "Sts.GetCallerIdentity": 1 },
    steady: { "Ram.ListAccessKeys": 1, "Ram.DeleteAccessKey": 1, "Ram.CreateAccessKey": 1, "Sts.GetCallerIdentity": 1 },
  },
  deactivate: {
    first: { "Ram.ListAccessKeys": 1, "Ram.CreateAccessKey": 1, "Sts.GetCallerIdentity": 1, "Ram.UpdateAccessKey": 1 },
    steady: { "Ram.ListAccessKeys": 1, "Ram.DeleteAccessKey": 1, "Ram.CreateAccessKey": 1, "Sts.GetCallerIdentity": 1, "Ram.UpdateAccessKey": 1 },
  },
  delete: {
    first: { "Ram.ListAccessKeys": 1, "Ram.CreateAccessKey": 1, "Sts.GetCallerIdentity": 1, "Ram.DeleteAccessKey": 1 },
    steady: { "Ram.ListAccessKeys": 1, "Ram.CreateAccessKey": 1, "Sts.GetCallerIdentity": 1, "Ram.DeleteAccessKey": 1 },
  },
};

for (const backend of BACKENDS) {
  describe(`RamSecret rotation (emulator, real SDK signing) [${backend} store]`, () => {
    let cloud: RamEmulator;
    let t: TestStore;

    ramEmulatorPerSuite((c) => (cloud = c));
    storePerTest((s) => (t = s), backend);

    async function rotate(id: string, hooks = recordingSleep()) {
      const ctx = ramContext(t, cloud);
      const meta = (await t.store.describeSecret(id))!;
      const target = ramTargetFor({ secretName: id, userName: meta.metadata.userName!, previousKeyAction: meta.metadata.previousKeyAction as PreviousKeyAction }, ctx, hooks);
      return rotateSecret({ store: t.store, name: id, target, owner: "test", clock: t.clock });
    }

    const current = async (id: string) => pairOf((await t.store.getValue(id)).value);

    for (const action of ["keep", "deactivate", "delete"] as const) {
      it(`previousKeyAction ${action}: the new key signs as the user, the previous one is ${action === "keep" ? "still Active" : action === "deactivate" ? "Inactive and refused" : "gone and refused"}, with exact call counts`, async () => {
        const { userName, key: k0 } = userWithKey(cloud);
        const { id } = await ram.create(ramInputs(userName, k0, { previousKeyAction: action, rotationPeriod: "7d" }), ramContext(t, cloud));

        let mark = cloud.log.length;
        const first = await rotate(id);
        assert.deepEqual(cloud.countSince(mark), EXPECTED_CALLS[action].first, "calls of the first rotation");
        const k1 = await current(id);
        assert.deepEqual([first.versionId, first.previousVersionId, first.resumed], ["v2", "v1", false]);
        assert.notEqual(k1.accessKeyId, k0.accessKeyId);
        assert.equal(await signsAs(cloud, k1), arnOf(cloud, userName));
        const value = JSON.parse((await t.store.getValue(id)).value);
        assert.equal(Date.parse(value.ExpireTimestamp) - Date.parse(value.GenerateTimestamp), 7 * 86400 * 1000);

        const expectPrevious = async (previous: { accessKeyId: string; accessKeySecret: string }, newest: string) => {
          const keys = (await keysOf(cloud, userName)).sort((a, b) => (a.id === previous.accessKeyId ? -1 : b.id === previous.accessKeyId ? 1 : 0));
          if (action === "keep") {
            assert.equal(await signsAs(cloud, previous), arnOf(cloud, userName), "the previous key keeps working until the next rotation");
            assert.deepEqual(keys.map((k) => k.status), ["Active", "Active"]);
          } else if (action === "deactivate") {
            assert.equal(await signsAs(cloud, previous), "rejected:InvalidAccessKeyId.Inactive");
            assert.deepEqual(keys, [{ id: previous.accessKeyId, status: "Inactive" }, { id: newest, status: "Active" }]);
          } else {
            assert.equal(await signsAs(cloud, previous), "rejected:InvalidAccessKeyId.NotFound");
            assert.deepEqual(keys, [{ id: newest, status: "Active" }]);
          }
        };
        await expectPrevious(k0, k1.accessKeyId);

        // Steady state: what the first rotation left is what every later rotation meets.
        mark = cloud.log.length;
        const second = await rotate(id);
        assert.deepEqual(cloud.countSince(mark), EXPECTED_CALLS[action].steady, "calls of a steady-state rotation");
        assert.equal(second.versionId, "v3");
        const k2 = await current(id);
        assert.equal(await signsAs(cloud, k2), arnOf(cloud, userName));
        assert.equal(await signsAs(cloud, k0), "rejected:InvalidAccessKeyId.NotFound", "the key two rotations back is gone");
        await expectPrevious(k1, k2.accessKeyId);
        assertNoSecret(cloud.log.join("\n"), k0.accessKeySecret, k1.accessKeySecret, k2.accessKeySecret);
      });
    }

    it("2-key limit, owned second key: the ACSPrevious key is deleted before CreateAccessKey, never the current one", async () => {
      const { userName, key: k0 } = userWithKey(cloud);
      const { id } = await ram.create(ramInputs(userName, k0, KEEP), ramContext(t, cloud));
      await rotate(id);
      const k1 = await current(id);
      const mark = cloud.log.length;
      await rotate(id);
      const calls = cloud.log.slice(mark).map((l) => l.split(" ")[0]);
      assert.ok(calls.indexOf("Ram.DeleteAccessKey") < calls.indexOf("Ram.CreateAccessKey"), calls.join(", "));
      assert.equal(await signsAs(cloud, k1), arnOf(cloud, userName), "the key that was current stays Active as ACSPrevious");
      assert.equal(await signsAs(cloud, k0), "rejected:InvalidAccessKeyId.NotFound");
    });

    it("2-key limit, unowned second key: nothing is deleted or created, nothing stored, and the error names the blocking key", async () => {
      const { userName, key: k0 } = userWithKey(cloud);
      const { id } = await ram.create(ramInputs(userName, k0, { previousKeyAction: "delete" }), ramContext(t, cloud));
      const theirs = cloud.emu.control.createAccessKey(userName);
      const mark = cloud.log.length;
      const e = await expectError(rotate(id), "AccessKeyLimit", {
        message: new RegExp(`RAM user ${userName} already has 2 AccessKeys and AccessKey ${theirs.accessKeyId} is not held by secret ${id.replace("/", "\\/")}, so it is not deleted`),
      });
      assertNoSecret(e.message, theirs.accessKeySecret, k0.accessKeySecret);
      assert.deepEqual(cloud.countSince(mark), { "Ram.ListAccessKeys": 1 });
      assert.deepEqual((await keysOf(cloud, userName)).map((k) => k.id).sort(), [k0.accessKeyId, theirs.accessKeyId].sort());
      const meta = (await t.store.describeSecret(id))!;
      assert.deepEqual(meta.versions.map((v) => [v.versionId, v.stages]), [["v1", ["ACSCurrent"]]]);
      assert.equal(meta.metadata[INTENT_META.versionId], undefined, "no intent is recorded before there is room");

      // Same when the blocker appears in steady state, after the previous key was deleted out of band.
      await ramClient(cloud.emu).deleteAccessKey(new $Ram.DeleteAccessKeyRequest({ userName, userAccessKeyId: theirs.accessKeyId }));
      await rotate(id);
      const late = cloud.emu.control.createAccessKey(userName);
      await expectError(rotate(id), "AccessKeyLimit", { message: new RegExp(`AccessKey ${late.accessKeyId} is not held`) });
      assert.equal(await signsAs(cloud, late), arnOf(cloud, userName), "the key the secret does not manage still works");
    });

    it("a new key that STS does not know yet is retried on the named backoff (injected sleep), then promoted", async () => {
      const { userName, key: k0 } = userWithKey(cloud);
      const { id } = await ram.create(ramInputs(userName, k0, KEEP), ramContext(t, cloud));
      cloud.emu.control.injectFault({ action: "GetCallerIdentity", times: 2, code: "InvalidAccessKeyId.NotFound", httpStatus: 404, message: "Specified access key is not found." });
      const hooks = recordingSleep();
      const mark = cloud.log.length;
      const outcome = await rotate(id, hooks);
      assert.equal(outcome.versionId, "v2");
      assert.deepEqual(hooks.slept, [PROPAGATION_BACKOFF_MS[0], PROPAGATION_BACKOFF_MS[1]]);
      assert.equal(cloud.countSince(mark)["Sts.GetCallerIdentity"], 3);
    });

    it("a key that never propagates fails the test step after the whole schedule; it stays ACSPending and a re-run promotes it", async () => {
      const { userName, key: k0 } = userWithKey(cloud);
      const { id } = await ram.create(ramInputs(userName, k0, KEEP), ramContext(t, cloud));
      cloud.emu.control.injectFault({ action: "GetCallerIdentity", times: PROPAGATION_BACKOFF_MS.length + 1, code: "InvalidAccessKeyId.NotFound", httpStatus: 404, message: "Specified access key is not found." });
      const hooks = recordingSleep();
      await expectError(rotate(id, hooks), "RotationTestFailed", { message: /version v2\) was not accepted .* stays ACSPending/ });
      assert.deepEqual(hooks.slept, [...PROPAGATION_BACKOFF_MS]);
      const meta = (await t.store.describeSecret(id))!;
      assert.deepEqual([holderOf(meta, "ACSCurrent")?.versionId, holderOf(meta, "ACSPending")?.versionId], ["v1", "v2"]);
      assert.equal(await signsAs(cloud, await current(id)), arnOf(cloud, userName), "ACSCurrent still works");

      const mark = cloud.log.length;
      const again = await rotate(id);
      assert.deepEqual([again.versionId, again.resumed, again.skipped], ["v2", true, ["createPending", "apply"]]);
      // Resume: a probe that finds the pending key works (apply skipped), then the fresh test call.
      assert.deepEqual(cloud.countSince(mark), { "Sts.GetCallerIdentity": 2 });
      assert.equal((await keysOf(cloud, userName)).length, 2, "no second key was made for the same version");
    });

    it("the CLI's path (targetFromMetadata with the context) rotates a RAM secret", async () => {
      const { userName, key: k0 } = userWithKey(cloud);
      const { id } = await ram.create(ramInputs(userName, k0, { previousKeyAction: "delete" }), ramContext(t, cloud));
      const meta = (await t.store.describeSecret(id))!;
      const outcome = await rotateSecret({ store: t.store, name: id, target: targetFromMetadata(meta, ramContext(t, cloud)), owner: "cli", clock: t.clock });
      assert.equal(outcome.versionId, "v2");
      assert.deepEqual((await keysOf(cloud, userName)).map((k) => k.id), [(await current(id)).accessKeyId], "previousKeyAction delete was read from the store");
    });

    it("update rotates when rotationTrigger changes, and not for a description change", async () => {
      const { userName, key: k0 } = userWithKey(cloud);
      const inputs = ramInputs(userName, k0, { ...KEEP, rotationTrigger: "a" });
      const created = await ram.create(inputs, ramContext(t, cloud));
      let mark = cloud.log.length;
      const described = await ram.update(created.id, created.outs, { ...inputs, description: "app key" }, ramContext(t, cloud));
      assert.equal(described.outs.versionId, "v1");
      assert.equal(cloud.countSince(mark)["Ram.CreateAccessKey"], undefined);
      assert.equal((await t.store.describeSecret(created.id))?.description, "app key");

      mark = cloud.log.length;
      const rotated = await ram.update(created.id, described.outs, { ...inputs, description: "app key", rotationTrigger: "b" }, ramContext(t, cloud));
      assert.equal(rotated.outs.versionId, "v2");
      assert.equal((await t.store.describeSecret(created.id))?.metadata.rotationTrigger, recordedTrigger("b"), "the store records the trigger's digest");
      assert.equal(await signsAs(cloud, { accessKeyId: rotated.outs.accessKeyId, accessKeySecret: rotated.outs.accessKeySecret }), arnOf(cloud, userName));
      assert.equal(cloud.countSince(mark)["Ram.CreateAccessKey"], 1);
    });
  });
}
