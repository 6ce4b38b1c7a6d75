import { strict as assert } from "node:assert";
import * as $Ram from "@alicloud/ram20150501";
import * as ram from "../../../provider/resources/ram-secret/ram-secret-handler";
import { holderOf } from "../../../provider/rotation/rotate-secret";
import { MAX_ROTATION_SECONDS } from "../../../provider/validation/rotation-period";
import { PROPAGATION_BACKOFF_MS } from "../../../provider/targets/ram-access-key/ram-access-key-target";
import { BACKENDS, type TestStore } from "../../../testkit/store/test-store";
import { expectError } from "../../support/expect-error";
import { ramClient } from "../../../testkit/emulator/sdk-clients";
import {
  arnOf, assertNoSecret, keysOf, pairOf, ramContext, ramInputs, ramEmulatorPerSuite, recordingSleep, signsAs, userWithKey, type RamEmulator,
} from "../../support/ram-fixtures";
import { storePerTest } from "../../support/suite-hooks";

const KMS_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

for (const backend of BACKENDS) {
  describe(`RamSecret create: adopting a RAM user's existing AccessKey (emulator, real SDK signing) [${backend} store]`, () => {
    let cloud: RamEmulator;
    let t: TestStore;

    ramEmulatorPerSuite((c) => (cloud = c));
    storePerTest((s) => (t = s), backend);

    it("adopts a pair that signs as the user: v1 holds it in KMS's RAM JSON, RAM is not changed, and it costs 5 calls", async () => {
      const { userName, key } = userWithKey(cloud);
      const mark = cloud.log.length;
      const { id, outs } = await ram.create(ramInputs(userName, key, { rotationPeriod: "30d" }), ramContext(t, cloud));
      // GetUser + ListAccessKeys + a call signed WITH the pair; then the outputs' live status (ListAccessKeys + GetAccessKeyLastUsed).
      assert.deepEqual(cloud.countSince(mark), { "Ram.GetUser": 1, "Ram.ListAccessKeys": 2, "Sts.GetCallerIdentity": 1, "Ram.GetAccessKeyLastUsed": 1 });

      assert.equal(id, `ram/${userName}`);
      assert.deepEqual(
        [outs.versionId, outs.accessKeyId, outs.accessKeySecret, outs.accessKeyStatus, outs.automaticRotation, outs.rotationPeriodSeconds, outs.previousKeyAction, outs.previousKeyGracePeriod],
        // Nothing declared about the previous key: deactivated an hour after a rotation (the README's "The previous key").
        ["v1", key.accessKeyId, key.accessKeySecret, "Active", true, 30 * 86400, "deactivate", "1h"],
      );
      const stored = (await t.store.getValue(id)).value;
      const value = JSON.parse(stored);
      assert.deepEqual(Object.keys(value), ["AccessKeyId", "AccessKeySecret", "GenerateTimestamp", "ExpireTimestamp"], "the field order KMS writes");
      assert.deepEqual([value.AccessKeyId, value.AccessKeySecret], [key.accessKeyId, key.accessKeySecret]);
      assert.match(value.GenerateTimestamp, KMS_TIME);
      assert.match(value.ExpireTimestamp, KMS_TIME);
      assert.equal(Date.parse(value.ExpireTimestamp) - Date.parse(value.GenerateTimestamp), 30 * 86400 * 1000);
      assert.ok(Math.abs(Date.parse(value.GenerateTimestamp) - t.clock().getTime()) < 5_000);
      assert.equal(outs.nextRotationAt, new Date(Date.parse(outs.lastRotatedAt) + 30 * 86400 * 1000).toISOString());

      assert.deepEqual(await keysOf(cloud, userName), [{ id: key.accessKeyId, status: "Active" }], "adoption changes nothing in RAM");
      assert.match(outs.accessKeyLastUsedAt ?? "", KMS_TIME, "the verification call counts as use");
      assertNoSecret(cloud.log.join("\n"), key.accessKeySecret);
    });

    it("with automatic rotation off, ExpireTimestamp is generate time plus the longest KMS interval (8760h)", async () => {
      const { userName, key } = userWithKey(cloud);
      const { id, outs } = await ram.create(ramInputs(userName, key), ramContext(t, cloud));
      const value = JSON.parse((await t.store.getValue(id)).value);
      assert.equal(Date.parse(value.ExpireTimestamp) - Date.parse(value.GenerateTimestamp), MAX_ROTATION_SECONDS * 1000);
      assert.deepEqual([outs.automaticRotation, outs.nextRotationAt], [false, undefined]);
    });

    it("refuses a secret that does not belong to the id: AuthenticationFailed on initialAccessKeySecret, nothing stored, no key changed", async () => {
      const { userName, key } = userWithKey(cloud);
      const wrong = "WrongSecretWrongSecretWrongSe1";
      const mark = cloud.log.length;
      const e = await expectError(ram.create(ramInputs(userName, { ...key, accessKeySecret: wrong }), ramContext(t, cloud)), "AuthenticationFailed", {
        property: "initialAccessKeySecret",
        message: new RegExp(`does not belong to AccessKey ${key.accessKeyId} .*SignatureDoesNotMatch.*nothing was stored`),
      });
      assertNoSecret(e.message, wrong, key.accessKeySecret);
      assert.deepEqual(await t.store.listSecrets({ includePendingDeletion: true }), []);
      assert.deepEqual(await keysOf(cloud, userName), [{ id: key.accessKeyId, status: "Active" }]);
      assert.equal(cloud.countSince(mark)["Ram.CreateAccessKey"], undefined);
    });

    it("adopts a disabled key and replaces it at once with a fresh one, as KMS's first rotation does for an invalid pair", async () => {
      const { userName, key } = userWithKey(cloud);
      await ramClient(cloud.emu).updateAccessKey(new $Ram.UpdateAccessKeyRequest({ userName, userAccessKeyId: key.accessKeyId, status: "Inactive" }));
      const { id, outs } = await ram.create(ramInputs(userName, key), ramContext(t, cloud));

      assert.equal(outs.versionId, "v2");
      assert.notEqual(outs.accessKeyId, key.accessKeyId);
      assert.equal(outs.accessKeyStatus, "Active");
      assert.equal(await signsAs(cloud, { accessKeyId: outs.accessKeyId, accessKeySecret: outs.accessKeySecret }), arnOf(cloud, userName));
      const meta = (await t.store.describeSecret(id))!;
      assert.equal(holderOf(meta, "ACSPrevious")?.versionId, "v1");
      assert.equal(pairOf((await t.store.getValue(id, { stage: "ACSPrevious" })).value).accessKeyId, key.accessKeyId);
      // previousKeyAction keep: the adopted key is left as it was (disabled), never re-enabled.
      assert.deepEqual((await keysOf(cloud, userName)).sort((a, b) => a.id.localeCompare(b.id)), [
        { id: key.accessKeyId, status: "Inactive" },
        { id: outs.accessKeyId, status: "Active" },
      ].sort((a, b) => a.id.localeCompare(b.id)));
    });

    it("fails clearly, storing nothing, when the user does not exist, has no AccessKey, or the id is not one of its keys", async () => {
      const ctx = ramContext(t, cloud);
      const ghost = await expectError(ram.create(ramInputs("no-such-user", { accessKeyId: "LTAI5tNoSuchKeyNoSuchKey", accessKeySecret: "S".repeat(30) }), ctx), "TargetNotFound", {
        property: "userName",
        message: /RAM user no-such-user does not exist/,
      });
      assertNoSecret(ghost.message, "S".repeat(30));

      const bare = `bare-${process.pid}`;
      cloud.emu.control.createUser({ name: bare });
      await expectError(ram.create(ramInputs(bare, { accessKeyId: "LTAI5tNoSuchKeyNoSuchKey", accessKeySecret: "S".repeat(30) }), ctx), "TargetNotFound", {
        property: "userName",
        message: new RegExp(`RAM user ${bare} has no AccessKey; create one and pass it as initialAccessKeyId`),
      });

      const mine = userWithKey(cloud);
      const theirs = userWithKey(cloud, "other");
      const e = await expectError(ram.create(ramInputs(mine.userName, theirs.key), ctx), "InvalidInput", {
        property: "initialAccessKeyId",
        message: new RegExp(`initialAccessKeyId ${theirs.key.accessKeyId} is not an AccessKey of RAM user ${mine.userName} \\(its keys: ${mine.key.accessKeyId}\\)`),
      });
      assertNoSecret(e.message, theirs.key.accessKeySecret, mine.key.accessKeySecret);
      assert.deepEqual(await t.store.listSecrets({ includePendingDeletion: true }), []);
    });

    it("waits, with the named backoff and an injected sleep, for a just-created key that STS does not know yet", async () => {
      const { userName, key } = userWithKey(cloud);
      cloud.emu.control.injectFault({ action: "GetCallerIdentity", times: 2, code: "InvalidAccessKeyId.NotFound", httpStatus: 404, message: "Specified access key is not found." });
      const hooks = recordingSleep();
      const { outs } = await ram.create(ramInputs(userName, key), ramContext(t, cloud), hooks);
      assert.equal(outs.versionId, "v1");
      assert.deepEqual(hooks.slept, PROPAGATION_BACKOFF_MS.slice(0, 2));
    });

    it("a name already used for another user is refused with SecretExists and names what it manages", async () => {
      const first = userWithKey(cloud);
      const second = userWithKey(cloud);
      await ram.create(ramInputs(first.userName, first.key, { secretName: "shared-name" }), ramContext(t, cloud));
      await expectError(ram.create(ramInputs(second.userName, second.key, { secretName: "shared-name" }), ramContext(t, cloud)), "SecretExists", {
        property: "secretName",
        message: new RegExp(`shared-name already exists and manages AccessKey of RAM user ${first.userName} \\(previous key: deactivate\\)`),
      });
    });
  });
}
