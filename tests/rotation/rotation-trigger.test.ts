import { strict as assert } from "node:assert";
import { startSshHost, requireRootForHosts, type StartedSshHost } from "../../testkit/sshd/ssh-host";
import { BACKENDS, createTestStore, type TestStore } from "../../testkit/store/test-store";
import * as ecs from "../../provider/resources/ecs-secret/ecs-secret-handler";
import { META } from "../../provider/schedule/rotation-metadata";
import { ecsInputs, loginWith } from "../support/ecs-fixtures";

/**
 * What the store records of a rotationTrigger: it must fit every store's
 * metadata limits whatever its length (kms: 20 tags of 128 characters), and
 * it is what makes re-running an update whose state was lost a no-op.
 */
for (const backend of BACKENDS) {
  describe(`rotationTrigger as the store records it (real sshd) [${backend} store]`, function () {
    let host: StartedSshHost;
    let t: TestStore;

    before(async function () {
      requireRootForHosts();
      host = await startSshHost();
    });
    after(async () => host?.stop());
    beforeEach(async () => {
      t = await createTestStore({ backend });
    });
    afterEach(async () => t[Symbol.asyncDispose]());

    const currentPassword = async (id: string) => JSON.parse((await t.store.getValue(id)).value).Password as string;
    /** The host's root password is whatever the store now holds: later tests log in with it, even after a failed assertion. */
    const update = async (...args: Parameters<typeof ecs.update>) => {
      try {
        return (await ecs.update(...args)).outs;
      } finally {
        host = Object.assign(host, { rootPassword: await currentPassword(args[0]) });
      }
    };

    it("a 600-character trigger rotates and finishes (schedule written, no pending left); the next update with it rotates nothing", async () => {
      const inputs = ecsInputs(host, { rotationPeriod: "30d" });
      const { id, outs } = await ecs.create(inputs, t.context());
      const trigger = `release-${"x".repeat(592)}`;
      t.clock.advance(60_000);
      const updated = await update(id, outs, { ...inputs, rotationTrigger: trigger }, t.context());
      assert.equal(updated.versionId, "v2");
      assert.equal(await loginWith(host, "root", { password: updated.value }), true);
      const meta = (await t.store.describeSecret(id))!;
      assert.equal(meta.versions.some((v) => v.stages.includes("ACSPending")), false, "finish completed");
      assert.ok(Date.parse(meta.metadata[META.lastRotatedAt]!) > Date.parse(outs.lastRotatedAt), "the schedule was written at finish");
      const recorded = meta.metadata[META.rotationTrigger]!;
      assert.ok(recorded.length <= 64 && !recorded.includes("xxxx"), `a fixed-size digest is recorded, not the trigger (${recorded.length} chars)`);

      const again = await update(id, updated, { ...inputs, rotationTrigger: trigger }, t.context());
      assert.equal(again.versionId, "v2");
    });

    it("re-running an update whose state was not saved does not rotate again for the same trigger", async () => {
      const inputs = ecsInputs(host, { rotationPeriod: "30d", rotationTrigger: "t1" });
      const { id, outs } = await ecs.create(inputs, t.context());
      const first = await update(id, outs, { ...inputs, rotationTrigger: "t2" }, t.context());
      assert.equal(first.versionId, "v2");

      // The engine never saved `first`: the re-run gets the state from before it.
      const rerun = await update(id, outs, { ...inputs, rotationTrigger: "t2" }, t.context());
      assert.equal(rerun.versionId, "v2", "no second rotation");
      assert.equal(rerun.value, first.value);
      assert.equal(await currentPassword(id), first.value);
      assert.equal(await loginWith(host, "root", { password: first.value }), true);

      // A new trigger still rotates.
      const next = await update(id, rerun, { ...inputs, rotationTrigger: "t3" }, t.context());
      assert.equal(next.versionId, "v3");
    });

    it("the same trigger on a secret whose host rejects its credential still repairs it (a recorded trigger is no reason to skip a repair)", async () => {
      const admin = (password: string) => ({ connection: { ...(ecsInputs(host).connection as object), admin: { user: "root", password } } });
      const inputs = ecsInputs(host, { rotationPeriod: "30d", rotationTrigger: "r1", ...admin(host.rootPassword) });
      const { id, outs } = await ecs.create(inputs, t.context());
      const first = await update(id, outs, { ...inputs, rotationTrigger: "r2", ...admin(host.rootPassword) }, t.context());
      assert.equal(first.versionId, "v2");
      await host.exec("chpasswd", { stdin: "root:Changed-Out-Of-Band-7\n" });
      host = Object.assign(host, { rootPassword: "Changed-Out-Of-Band-7" });
      const rerun = await update(id, outs, { ...inputs, rotationTrigger: "r2", ...admin("Changed-Out-Of-Band-7") }, t.context());
      assert.equal(rerun.versionId, "v3", "rotated: the value recorded with the trigger no longer works");
      assert.equal(await loginWith(host, "root", { password: rerun.value }), true);
    });
  });
}
