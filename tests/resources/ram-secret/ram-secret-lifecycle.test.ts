import { strict as assert } from "node:assert";
import * as $Ram from "@alicloud/ram20150501";
import * as ram from "../../../provider/resources/ram-secret/ram-secret-handler";
import { runCli } from "../../../provider/cli/program";
import { BACKENDS, type TestStore } from "../../../testkit/store/test-store";
import { DAY_MS } from "../../../testkit/clock/test-clock";
import { expectError } from "../../support/expect-error";
import { ramClient } from "../../../testkit/emulator/sdk-clients";
import { arnOf, assertNoSecret, keysOf, pairOf, ramContext, ramInputs, signsAs, ramEmulatorPerSuite, userWithKey, type RamEmulator } from "../../support/ram-fixtures";
import { storePerTest } from "../../support/suite-hooks";

for (const backend of BACKENDS) {
  describe(`RamSecret delete, restore, read (drift) and the CLI (emulator) [${backend} store]`, () => {
    let cloud: RamEmulator;
    let t: TestStore;

    ramEmulatorPerSuite((c) => (cloud = c));
    storePerTest((s) => (t = s), backend);

    /** Runs the CLI in-process against the test store and the emulator; returns exit code and both streams. */
    async function cli(...argv: string[]) {
      let out = "";
      let err = "";
      const code = await runCli(argv, { out: { write: (s) => void (out += s) }, err: { write: (s) => void (err += s) }, context: () => ramContext(t, cloud, "cli") });
      return { code, out, err };
    }

    it("delete schedules deletion with the recovery window and leaves every key of the user as it was; restore brings it back", async () => {
      const { userName, key } = userWithKey(cloud);
      const { id, outs } = await ram.create(ramInputs(userName, key, { recoveryWindowDays: 7, previousKeyAction: "delete" }), ramContext(t, cloud));
      const mark = cloud.log.length;
      await ram.remove(id, outs, ramContext(t, cloud));
      assert.deepEqual(cloud.countSince(mark), {}, "deletion makes no cloud call at all");
      const planned = (await t.store.describeSecret(id))!.plannedDeleteAt!;
      assert.ok(Math.abs(Date.parse(planned) - t.clock().getTime() - 7 * DAY_MS) < 60_000);
      assert.deepEqual(await keysOf(cloud, userName), [{ id: key.accessKeyId, status: "Active" }]);
      assert.equal(await signsAs(cloud, key), arnOf(cloud, userName));

      const read = await ram.read(id, outs, ramContext(t, cloud));
      assert.equal(read.props?.plannedDeleteAt, planned);
      // Deleted out of band while still declared: drift, which an update would repair by restoring.
      assert.equal((await ram.diff(id, read.props!, ramInputs(userName, key, { recoveryWindowDays: 7, previousKeyAction: "delete" }))).changes, true);

      t.clock.advance(6 * DAY_MS);
      const restored = await cli("restore", id);
      assert.equal(restored.code, 0, restored.err);
      assert.deepEqual(pairOf((await t.store.getValue(id)).value), key);
      assert.equal((await ram.read(id, outs, ramContext(t, cloud))).props?.plannedDeleteAt, undefined);
    });

    it("forceDeleteWithoutRecovery deletes at once; create on a name pending deletion restores it for the same user and checks its stored key", async () => {
      const forced = userWithKey(cloud);
      const f = await ram.create(ramInputs(forced.userName, forced.key, { forceDeleteWithoutRecovery: true }), ramContext(t, cloud));
      await ram.remove(f.id, f.outs, ramContext(t, cloud));
      assert.equal(await t.store.describeSecret(f.id), undefined);
      assert.equal(await signsAs(cloud, forced.key), arnOf(cloud, forced.userName));
      assert.deepEqual(await ram.read(f.id, f.outs, ramContext(t, cloud)), {}, "refresh reports it gone");

      const { userName, key } = userWithKey(cloud);
      const inputs = ramInputs(userName, key, { secretName: "comes-back" });
      const first = await ram.create(inputs, ramContext(t, cloud));
      await ram.remove(first.id, first.outs, ramContext(t, cloud));
      const mark = cloud.log.length;
      const again = await ram.create(inputs, ramContext(t, cloud));
      assert.equal(again.outs.versionId, "v1");
      assert.equal((await t.store.describeSecret("comes-back"))?.plannedDeleteAt, undefined);
      assert.equal(cloud.countSince(mark)["Sts.GetCallerIdentity"], 1, "the stored pair was checked with a signed call");

      // Gone out of band while the secret was deleted: coming back replaces it, as KMS's first rotation would.
      await ram.remove(again.id, again.outs, ramContext(t, cloud));
      await ramClient(cloud.emu).deleteAccessKey(new $Ram.DeleteAccessKeyRequest({ userName, userAccessKeyId: key.accessKeyId }));
      const replaced = await ram.create(inputs, ramContext(t, cloud));
      assert.equal(replaced.outs.versionId, "v2");
      assert.equal(await signsAs(cloud, { accessKeyId: replaced.outs.accessKeyId, accessKeySecret: replaced.outs.accessKeySecret }), arnOf(cloud, userName));

      await ram.remove(replaced.id, replaced.outs, ramContext(t, cloud));
      const other = userWithKey(cloud);
      await expectError(ram.create(ramInputs(other.userName, other.key, { secretName: "comes-back" }), ramContext(t, cloud)), "SecretPendingDeletion", {
        message: new RegExp(`comes-back is scheduled for deletion .* and manages AccessKey of RAM user ${userName} \\(previous key: deactivate\\); .*managed-secrets delete comes-back --force`),
      });
    });

    it("read reports the current key's status and last use; a key disabled or deleted out of band shows as drift that update repairs", async () => {
      const { userName, key } = userWithKey(cloud);
      const inputs = ramInputs(userName, key);
      const { id, outs } = await ram.create(inputs, ramContext(t, cloud));
      assert.deepEqual((await ram.diff(id, outs, inputs)).changes, false);

      const healthy = (await ram.read(id, outs, ramContext(t, cloud))).props!;
      assert.equal(healthy.accessKeyStatus, "Active");
      assert.match(healthy.accessKeyLastUsedAt ?? "", /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      assert.deepEqual(await ram.diff(id, healthy, inputs), { changes: false, replaces: [], deleteBeforeReplace: false });

      await ramClient(cloud.emu).updateAccessKey(new $Ram.UpdateAccessKeyRequest({ userName, userAccessKeyId: key.accessKeyId, status: "Inactive" }));
      const disabled = (await ram.read(id, healthy, ramContext(t, cloud))).props!;
      assert.equal(disabled.accessKeyStatus, "Inactive");
      assert.equal((await ram.diff(id, disabled, inputs)).changes, true, "preview --refresh --expect-no-changes fails on it");
      const repaired = (await ram.update(id, disabled, inputs, ramContext(t, cloud))).outs;
      assert.deepEqual([repaired.versionId, repaired.accessKeyStatus], ["v2", "Active"]);
      assert.equal(await signsAs(cloud, { accessKeyId: repaired.accessKeyId, accessKeySecret: repaired.accessKeySecret }), arnOf(cloud, userName));
      assert.equal((await ram.diff(id, repaired, inputs)).changes, false);

      await ramClient(cloud.emu).deleteAccessKey(new $Ram.DeleteAccessKeyRequest({ userName, userAccessKeyId: repaired.accessKeyId }));
      const deleted = (await ram.read(id, repaired, ramContext(t, cloud))).props!;
      assert.deepEqual([deleted.accessKeyStatus, deleted.accessKeyLastUsedAt], ["NotFound", undefined]);
      assert.equal((await ram.diff(id, deleted, inputs)).changes, true);
    });

    it("diff: a new userName replaces (delete first, same name), a new secretName replaces (create first), other changes update", async () => {
      const { userName, key } = userWithKey(cloud);
      const inputs = ramInputs(userName, key);
      const { id, outs } = await ram.create(inputs, ramContext(t, cloud));
      assert.deepEqual(await ram.diff(id, outs, { ...inputs, userName: "someone-else" }), { changes: true, replaces: ["userName", "secretName"], deleteBeforeReplace: false });
      assert.deepEqual(await ram.diff(id, outs, { ...inputs, userName: "someone-else", secretName: id }), { changes: true, replaces: ["userName"], deleteBeforeReplace: true });
      // Same user under a new name: the old secret is scheduled for deletion first, so no two secrets manage the user's keys.
      assert.deepEqual(await ram.diff(id, outs, { ...inputs, secretName: "renamed" }), { changes: true, replaces: ["secretName"], deleteBeforeReplace: true });
      for (const change of [{ previousKeyAction: "delete" }, { rotationPeriod: "30d" }, { description: "x" }, { recoveryWindowDays: 7 }, { rotationTrigger: 1 }]) {
        assert.deepEqual(await ram.diff(id, outs, { ...inputs, ...change }), { changes: true, replaces: [], deleteBeforeReplace: false }, JSON.stringify(change));
      }
      assert.equal((await ram.diff(id, outs, { ...inputs, initialAccessKeyId: "LTAI5tSomethingElseEntirely" })).changes, false, "the initial pair matters only at creation");
    });

    it("CLI: list, describe, get-value by stage, rotate, delete and restore work for RAM secrets and never print a secret they were not asked for", async () => {
      const { userName, key } = userWithKey(cloud);
      const { id } = await ram.create(ramInputs(userName, key, { rotationPeriod: "30d", previousKeyAction: "deactivate" }), ramContext(t, cloud));

      const list = await cli("list", "--versions");
      assert.match(list.out, new RegExp(`^${id.replace("/", "\\/")} +ram +AccessKey of RAM user ${userName} \\(previous key: deactivate\\) +v1 `, "m"));
      const described = await cli("describe", id, "--json");
      const record = JSON.parse(described.out);
      assert.deepEqual([record.kind, record.metadata.userName, record.metadata.previousKeyAction, record.metadata.rotationPeriodSeconds], ["ram", userName, "deactivate", String(30 * 86400)]);
      assertNoSecret(list.out + described.out, key.accessKeySecret);

      const rotated = await cli("rotate", id, "--json");
      assert.equal(rotated.code, 0, rotated.err);
      assert.deepEqual(JSON.parse(rotated.out), { name: id, versionId: "v2", previousVersionId: "v1", resumed: false });
      assertNoSecret(rotated.out, key.accessKeySecret);
      const current = JSON.parse((await cli("get-value", id)).out);
      assert.deepEqual(Object.keys(current), ["AccessKeyId", "AccessKeySecret", "GenerateTimestamp", "ExpireTimestamp"]);
      assert.equal(await signsAs(cloud, pairOf(JSON.stringify(current))), arnOf(cloud, userName));
      const previous = JSON.parse((await cli("get-value", id, "--stage", "ACSPrevious", "--json")).out);
      assert.deepEqual([previous.versionId, pairOf(previous.value)], ["v1", key]);
      assert.equal(await signsAs(cloud, key), "rejected:InvalidAccessKeyId.Inactive");

      const badFile = await cli("rotate", id, "--value-file", "/dev/null");
      assert.deepEqual([badFile.code, badFile.err], [2, "managed-secrets: InvalidInput: --value-file is not supported for ram secrets\nhint: run managed-secrets rotate --help\n"]);

      const deleted = await cli("delete", id, "--recovery-window-days", "7", "--json");
      assert.equal(deleted.code, 0, deleted.err);
      assert.equal((await keysOf(cloud, userName)).length, 2, "delete never touches the user's keys");
      assert.equal((await cli("restore", id)).code, 0);
      assert.equal(JSON.parse((await cli("get-value", id)).out).AccessKeyId, current.AccessKeyId);
    });
  });
}
