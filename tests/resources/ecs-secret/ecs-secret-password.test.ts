import { strict as assert } from "node:assert";
import { startSshHost, type StartedSshHost } from "../../../testkit/sshd/ssh-host";
import { BACKENDS, type TestStore } from "../../../testkit/store/test-store";
import * as ecs from "../../../provider/resources/ecs-secret/ecs-secret-handler";
import { ManagedSecretsError } from "../../../provider/core/errors";
import { GENERATED_PASSWORD_LENGTH } from "../../../provider/credentials/generate-password";
import { ecsInputs, loginWith } from "../../support/ecs-fixtures";
import { sshHostPerSuite, storePerTest } from "../../support/suite-hooks";

for (const backend of BACKENDS) {
  describe(`EcsSecret password over SSH (real sshd) [${backend} store]`, function () {
    let host: StartedSshHost;
    let t: TestStore;

    sshHostPerSuite((h) => (host = h), { users: [{ name: "alice", password: "alice-Initial-1" }] });
    storePerTest((s) => (t = s), backend);

    it("create verifies the initial root password by logging in and stores it as v1 ACSCurrent", async () => {
      const { id, outs } = await ecs.create(ecsInputs(host), t.context());
      assert.equal(id, `ecs/i-test${host.port}/root`);
      assert.equal(outs.versionId, "v1");
      assert.equal(outs.value, host.rootPassword);
      const stored = await t.store.getValue(id);
      assert.deepEqual(JSON.parse(stored.value), { UserName: "root", Password: host.rootPassword });
      assert.deepEqual(stored.stages, ["ACSCurrent"]);
      assert.equal(outs.automaticRotation, false);
    });

    it("a changed rotationTrigger rotates: the new password logs in, the old one does not, the old one is ACSPrevious", async () => {
      const inputs = ecsInputs(host, { rotationPeriod: "30d", rotationTrigger: 1 });
      const { id, outs } = await ecs.create(inputs, t.context());
      const old = outs.value;
      const diff = await ecs.diff(id, outs, { ...inputs, rotationTrigger: 2 });
      assert.deepEqual(diff, { changes: true, replaces: [], deleteBeforeReplace: false });

      const updated = (await ecs.update(id, outs, { ...inputs, rotationTrigger: 2 }, t.context())).outs;
      assert.equal(updated.versionId, "v2");
      assert.equal(updated.value.length, GENERATED_PASSWORD_LENGTH);
      assert.equal(await loginWith(host, "root", { password: updated.value }), true);
      assert.equal(await loginWith(host, "root", { password: old }), false);
      const previous = await t.store.getValue(id, { stage: "ACSPrevious" });
      assert.equal(JSON.parse(previous.value).Password, old);
      assert.equal(previous.versionId, "v1");
      assert.equal(updated.nextRotationAt, new Date(Date.parse(updated.lastRotatedAt) + 30 * 86400_000).toISOString());

      // Hand the host's root password back for the other tests.
      host = Object.assign(host, { rootPassword: updated.value });
    });

    it("customValue rotates to exactly that value", async () => {
      const inputs = ecsInputs(host);
      const { id, outs } = await ecs.create(inputs, t.context());
      const custom = "Custom-Value-9!x";
      const updated = (await ecs.update(id, outs, { ...inputs, customValue: custom }, t.context())).outs;
      assert.equal(updated.value, custom);
      assert.equal(await loginWith(host, "root", { password: custom }), true);
      host = Object.assign(host, { rootPassword: custom });
    });

    it("rotationPeriod, description and recovery settings update without rotating", async () => {
      const inputs = ecsInputs(host, { rotationPeriod: "7d" });
      const { id, outs } = await ecs.create(inputs, t.context());
      const news = { ...inputs, rotationPeriod: "12h", description: "web root", recoveryWindowDays: 7 };
      assert.equal((await ecs.diff(id, outs, news)).changes, true);
      const updated = (await ecs.update(id, outs, news, t.context())).outs;
      assert.equal(updated.versionId, "v1");
      assert.equal(updated.rotationPeriodSeconds, 12 * 3600);
      assert.equal((await t.store.describeSecret(id))?.description, "web root");
      assert.equal(await loginWith(host, "root", { password: host.rootPassword }), true);
    });

    it("identity fields replace; an unchanged declaration is no change", async () => {
      const inputs = ecsInputs(host);
      const { id, outs } = await ecs.create(inputs, t.context());
      assert.deepEqual(await ecs.diff(id, outs, inputs), { changes: false, replaces: [], deleteBeforeReplace: false });
      const d = await ecs.diff(id, outs, { ...inputs, managedUser: "alice" });
      assert.deepEqual(d.replaces, ["managedUser", "secretName"]);
      const sameName = await ecs.diff(id, outs, { ...inputs, instanceId: "i-other", secretName: id });
      assert.deepEqual(sameName, { changes: true, replaces: ["instanceId"], deleteBeforeReplace: true });
    });

    it("an invalid initial value is replaced through the admin connection", async () => {
      const inputs = ecsInputs(host, {
        managedUser: "alice",
        initialValue: "not-alices-password",
        connection: { host: host.host, port: host.port, hostKeyFingerprint: host.hostKeyFingerprint, admin: { user: "root", password: host.rootPassword } },
      });
      const { outs } = await ecs.create(inputs, t.context());
      assert.equal(outs.versionId, "v2");
      assert.equal(await loginWith(host, "alice", { password: outs.value }), true);
      assert.equal(await loginWith(host, "alice", { password: "alice-Initial-1" }), false);
      host = Object.assign(host, { users: { ...host.users, alice: outs.value } });
    });

    it("an invalid initial value with no admin connection fails and says so, without echoing the value", async () => {
      const wrong = "definitely-Wrong-77";
      await assert.rejects(ecs.create(ecsInputs(host, { initialValue: wrong }), t.context()), (e: ManagedSecretsError) => {
        assert.equal(e.code, "AuthenticationFailed");
        assert.match(e.message, /rejected initialValue, and no connection\.admin is set/);
        assert.ok(!e.message.includes(wrong));
        return true;
      });
    });

    it("a non-root user rotates its own password through passwd, with no admin", async () => {
      const inputs = ecsInputs(host, { managedUser: "alice", initialValue: host.users.alice! });
      const { id, outs } = await ecs.create(inputs, t.context());
      const updated = (await ecs.update(id, outs, { ...inputs, rotationTrigger: "now" }, t.context())).outs;
      assert.equal(await loginWith(host, "alice", { password: updated.value }), true);
      assert.equal(await loginWith(host, "alice", { password: outs.value }), false);
      host = Object.assign(host, { users: { ...host.users, alice: updated.value } });
    });

    it("refuses a host that presents another host key, and says which", async () => {
      const other = await startSshHost();
      try {
        const inputs = ecsInputs(host, { connection: { host: host.host, port: host.port, hostKeyFingerprint: other.hostKeyFingerprint } });
        await assert.rejects(ecs.create(inputs, t.context()), (e: ManagedSecretsError) => {
          assert.equal(e.code, "HostKeyMismatch");
          assert.ok(e.message.includes(host.hostKeyFingerprint) && e.message.includes(other.hostKeyFingerprint));
          return true;
        });
        assert.deepEqual(await t.store.listSecrets({ includePendingDeletion: true }), [], "nothing stays stored for a refused host");
      } finally {
        await other.stop();
      }
    });

    it("read returns the stored state of a healthy secret", async () => {
      const inputs = ecsInputs(host, { rotationPeriod: "30d" });
      const { id, outs } = await ecs.create(inputs, t.context());
      const refreshed = await ecs.read(id, outs, t.context());
      assert.deepEqual(refreshed, { id, props: outs });
    });
  });
}
