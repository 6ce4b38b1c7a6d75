import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { join } from "node:path";
import * as $Ram from "@alicloud/ram20150501";
import * as ram from "../../../provider/resources/ram-secret/ram-secret-handler";
import { holderOf, rotateSecret, ROTATION_LEASE_TTL_MS } from "../../../provider/rotation/rotate-secret";
import { ramTargetFor } from "../../../provider/targets/ram-access-key/ram-access-key-target";
import { INTENT_META } from "../../../provider/targets/ram-access-key/create-intent";
import type { PreviousKeyAction } from "../../../provider/targets/ram-access-key/previous-key-action";
import { BACKENDS, createTestStore, type TestStore } from "../../../testkit/store/test-store";
import { expectError } from "../../support/expect-error";
import { ramClient } from "../../../testkit/emulator/sdk-clients";
import { arnOf, keysOf, pairOf, ramContext, ramInputs, signsAs, startRamEmulator, userWithKey, type RamEmulator } from "../../support/ram-fixtures";

/** These cases were written for a previous key that stays Active (keep), the default before issue 26: declared so now. */
const KEEP = { previousKeyAction: "keep" } as const;

const FIXTURE = join(__dirname, "fixtures", "crash-rotation.ts");

for (const backend of BACKENDS) {
  describe(`RamSecret: a rotation cut off after CreateAccessKey: the next run names what it cannot tell apart and deletes nothing it does not hold (emulator) [${backend} store]`, () => {
    let cloud: RamEmulator;
    let t: TestStore;
    // The emulator's business clock (RAM's CreateDate), moved by one test to put a key outside the create window.
    let cloudOffsetMs = 0;

    before(async () => {
      cloud = await startRamEmulator(() => new Date(Date.now() + cloudOffsetMs));
    });
    after(async () => cloud?.stop());
    beforeEach(async () => {
      t = await createTestStore({ backend });
    });
    afterEach(async () => {
      cloudOffsetMs = 0;
      cloud.emu.control.clearFaults();
      await t[Symbol.asyncDispose]();
    });

    function rotate(id: string, owner = "rerun") {
      return (async () => {
        const meta = (await t.store.describeSecret(id))!;
        const target = ramTargetFor(
          { secretName: id, userName: meta.metadata.userName!, previousKeyAction: meta.metadata.previousKeyAction as PreviousKeyAction },
          ramContext(t, cloud),
          { sleep: async () => undefined },
        );
        return rotateSecret({ store: t.store, name: id, target, owner, clock: t.clock });
      })();
    }

    /** Runs the fixture rotator in a child process that SIGKILLs itself right after `step`. */
    function killedRotation(secretName: string, step: string): Promise<NodeJS.Signals | null> {
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", "--conditions=ms-source", FIXTURE], {
          env: {
            ...t.env(),
            SECRET_NAME: secretName,
            CRASH_AFTER: step,
            RAM_CLOUD_REGION: cloud.settings.regionId,
            RAM_CLOUD_ENDPOINT: cloud.settings.endpoint,
            RAM_CLOUD_ACCESS_KEY_ID: cloud.settings.accessKeyId,
            RAM_CLOUD_ACCESS_KEY_SECRET: cloud.settings.accessKeySecret,
          },
          stdio: ["ignore", "ignore", "pipe"],
        });
        let stderr = "";
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("error", reject);
        child.on("exit", (code, signal) => (signal ? resolve(signal) : reject(new Error(`rotator exited ${code} without crashing: ${stderr}`))));
      });
    }

    const sortedIds = async (userName: string) => (await keysOf(cloud, userName)).map((k) => k.id).sort();

    /** The error an open intent's suspect gets: named, kept, and what to do. */
    const suspectNamed = (keyId: string) =>
      new RegExp(`AccessKey ${keyId} is not held by secret .*${keyId} appeared within the window of this secret's interrupted CreateAccessKey \\(for version v2, .*RAM records no creator, so the secret cannot tell and keeps it\\. .*--UserAccessKeyId ${keyId}`);

    it("dropped answer (dropConnection after): the re-run names the lost key and keeps it; once the operator deletes it, the next run completes", async () => {
      const { userName, key: k0 } = userWithKey(cloud);
      const { id } = await ram.create(ramInputs(userName, k0, KEEP), ramContext(t, cloud));
      cloud.emu.control.dropConnection("CreateAccessKey", 1, "after");
      await expectError(rotate(id, "first"), "Unreachable", { message: /RAM CreateAccessKey did not complete \(ECONNRESET\)/ });

      const keysAfterCrash = await keysOf(cloud, userName);
      assert.equal(keysAfterCrash.length, 2, "RAM made the key; its secret never arrived");
      const lost = keysAfterCrash.find((k) => k.id !== k0.accessKeyId)!.id;
      const meta = (await t.store.describeSecret(id))!;
      assert.deepEqual(meta.versions.map((v) => v.versionId), ["v1"]);
      assert.deepEqual([meta.metadata[INTENT_META.versionId], meta.metadata[INTENT_META.keysBefore]], ["v2", k0.accessKeyId], "the intent was recorded before the call");

      let mark = cloud.log.length;
      await expectError(rotate(id), "AccessKeyLimit", { message: suspectNamed(lost) });
      assert.deepEqual(cloud.countSince(mark), { "Ram.ListAccessKeys": 1 }, "nothing deleted, nothing created");
      assert.deepEqual(await sortedIds(userName), [k0.accessKeyId, lost].sort());

      await ramClient(cloud.emu).deleteAccessKey(new $Ram.DeleteAccessKeyRequest({ userName, userAccessKeyId: lost }));
      mark = cloud.log.length;
      const outcome = await rotate(id);
      assert.deepEqual([outcome.versionId, outcome.resumed], ["v2", false]);
      assert.deepEqual(cloud.countSince(mark), { "Ram.ListAccessKeys": 1, "Ram.CreateAccessKey": 1, "Sts.GetCallerIdentity": 1 });
      const k2 = pairOf((await t.store.getValue(id)).value);
      assert.deepEqual(await sortedIds(userName), [k0.accessKeyId, k2.accessKeyId].sort());
      assert.equal(await signsAs(cloud, k2), arnOf(cloud, userName));
      assert.equal(await signsAs(cloud, k0), arnOf(cloud, userName), "previousKeyAction keep: the adopted key still works");
    });

    it("a key a person creates by hand inside the lost call's window, not yet used, is kept and named (the intent cannot tell it from the lost key)", async () => {
      const { userName, key: k0 } = userWithKey(cloud);
      const { id } = await ram.create(ramInputs(userName, k0, KEEP), ramContext(t, cloud));
      cloud.emu.control.dropConnection("CreateAccessKey", 1, "before");
      await expectError(rotate(id, "first"), "Unreachable");
      assert.deepEqual(await sortedIds(userName), [k0.accessKeyId], "nothing was created");

      // Seconds later, by every clock: a person creates a key for the same user and has not used it yet.
      const theirs = cloud.emu.control.createAccessKey(userName);
      const mark = cloud.log.length;
      await expectError(rotate(id), "AccessKeyLimit", { message: suspectNamed(theirs.accessKeyId) });
      assert.equal(cloud.countSince(mark)["Ram.DeleteAccessKey"], undefined);
      assert.deepEqual(await sortedIds(userName), [k0.accessKeyId, theirs.accessKeyId].sort());
      assert.equal(await signsAs(cloud, theirs), arnOf(cloud, userName), "their key still works");
    });

    it("a call that never reached RAM, then a key a person adds later: that key is not the secret's, is not deleted, and is named", async () => {
      const { userName, key: k0 } = userWithKey(cloud);
      const { id } = await ram.create(ramInputs(userName, k0, KEEP), ramContext(t, cloud));
      cloud.emu.control.dropConnection("CreateAccessKey", 1, "before");
      await expectError(rotate(id, "first"), "Unreachable");
      assert.deepEqual(await sortedIds(userName), [k0.accessKeyId], "nothing was created");

      cloudOffsetMs = 60 * 60_000; // an hour later, by RAM's clock
      const theirs = cloud.emu.control.createAccessKey(userName);
      await expectError(rotate(id), "AccessKeyLimit", { message: new RegExp(`AccessKey ${theirs.accessKeyId} is not held by secret`) });
      assert.deepEqual(await sortedIds(userName), [k0.accessKeyId, theirs.accessKeyId].sort());
      assert.equal(await signsAs(cloud, theirs), arnOf(cloud, userName));
    });

    it("a key a person adds and uses inside the lost call's time window is not taken for the lost key: not deleted, and named", async () => {
      const { userName, key: k0 } = userWithKey(cloud);
      const { id } = await ram.create(ramInputs(userName, k0, KEEP), ramContext(t, cloud));
      cloud.emu.control.dropConnection("CreateAccessKey", 1, "before");
      await expectError(rotate(id, "first"), "Unreachable");

      // Seconds later, by every clock: a person creates a key for the same user and uses it.
      const theirs = cloud.emu.control.createAccessKey(userName);
      assert.equal(await signsAs(cloud, theirs), arnOf(cloud, userName));
      await expectError(rotate(id), "AccessKeyLimit", { message: new RegExp(`AccessKey ${theirs.accessKeyId} is not held by secret`) });
      assert.deepEqual(await sortedIds(userName), [k0.accessKeyId, theirs.accessKeyId].sort());
      assert.equal(await signsAs(cloud, theirs), arnOf(cloud, userName), "their key still works");
    });

    it("real SIGKILL right after CreateAccessKey: the store still holds a working ACSCurrent; the re-run names the orphan and keeps it, and completes once it is gone", async () => {
      const { userName, key: k0 } = userWithKey(cloud);
      const { id } = await ram.create(ramInputs(userName, k0, { previousKeyAction: "deactivate" }), ramContext(t, cloud));
      assert.equal(await killedRotation(id, "CreateAccessKey"), "SIGKILL");

      const meta = (await t.store.describeSecret(id))!;
      assert.equal(holderOf(meta, "ACSPending"), undefined, "the secret died with the process");
      assert.equal(await signsAs(cloud, pairOf((await t.store.getValue(id)).value)), arnOf(cloud, userName), "the invariant: ACSCurrent works");
      const lost = (await sortedIds(userName)).find((k) => k !== k0.accessKeyId);
      assert.ok(lost, "the orphan exists");

      await expectError(rotate(id), "LeaseHeld");
      t.clock.advance(ROTATION_LEASE_TTL_MS + 1000);
      await expectError(rotate(id), "AccessKeyLimit", { message: suspectNamed(lost) });
      assert.deepEqual(await sortedIds(userName), [k0.accessKeyId, lost].sort(), "kept");

      await ramClient(cloud.emu).deleteAccessKey(new $Ram.DeleteAccessKeyRequest({ userName, userAccessKeyId: lost }));
      const outcome = await rotate(id);
      assert.equal(outcome.versionId, "v2");
      const k2 = pairOf((await t.store.getValue(id)).value);
      assert.deepEqual((await keysOf(cloud, userName)).sort((a, b) => a.id.localeCompare(b.id)), [
        { id: k0.accessKeyId, status: "Inactive" },
        { id: k2.accessKeyId, status: "Active" },
      ].sort((a, b) => a.id.localeCompare(b.id)));
      assert.equal(await signsAs(cloud, k2), arnOf(cloud, userName));
    });

    it("real SIGKILL right after createPending: the re-run resumes the same version and key, without creating another", async () => {
      const { userName, key: k0 } = userWithKey(cloud);
      const { id } = await ram.create(ramInputs(userName, k0, KEEP), ramContext(t, cloud));
      assert.equal(await killedRotation(id, "createPending"), "SIGKILL");
      const pending = pairOf((await t.store.getValue(id, { stage: "ACSPending" })).value);
      assert.deepEqual(await sortedIds(userName), [k0.accessKeyId, pending.accessKeyId].sort());

      t.clock.advance(ROTATION_LEASE_TTL_MS + 1000);
      const mark = cloud.log.length;
      const outcome = await rotate(id);
      assert.deepEqual([outcome.versionId, outcome.resumed, outcome.skipped], ["v2", true, ["createPending", "apply"]]);
      assert.equal(cloud.countSince(mark)["Ram.CreateAccessKey"], undefined);
      assert.deepEqual(pairOf((await t.store.getValue(id)).value), pending);
      assert.deepEqual(await sortedIds(userName), [k0.accessKeyId, pending.accessKeyId].sort());
    });

    it("a pending key deleted out of band is set aside (the run says so) and the next run makes a fresh key", async () => {
      const { userName, key: k0 } = userWithKey(cloud);
      const { id } = await ram.create(ramInputs(userName, k0, KEEP), ramContext(t, cloud));
      assert.equal(await killedRotation(id, "createPending"), "SIGKILL");
      const pending = pairOf((await t.store.getValue(id, { stage: "ACSPending" })).value);
      await ramClient(cloud.emu).deleteAccessKey(new $Ram.DeleteAccessKeyRequest({ userName, userAccessKeyId: pending.accessKeyId }));
      t.clock.advance(ROTATION_LEASE_TTL_MS + 1000);

      await expectError(rotate(id), "TargetNotFound", { message: new RegExp(`pending AccessKey ${pending.accessKeyId} .* was deleted outside this secret; the version was set aside`) });
      assert.equal(holderOf((await t.store.describeSecret(id))!, "ACSPending"), undefined);
      const outcome = await rotate(id);
      assert.deepEqual([outcome.versionId, outcome.resumed], ["v3", false]);
      assert.equal(await signsAs(cloud, pairOf((await t.store.getValue(id)).value)), arnOf(cloud, userName));
    });
  });
}
