import { strict as assert } from "node:assert";
import type { StartedSshHost } from "../../testkit/sshd/ssh-host";
import type { TestStore } from "../../testkit/store/test-store";
import { DAY_MS } from "../../testkit/clock/test-clock";
import * as ecs from "../../provider/resources/ecs-secret/ecs-secret-handler";
import { runOnce } from "../../provider/runner/run-once";
import { MAX_JITTER_MS } from "../../provider/schedule/due";
import { targetFromMetadata } from "../../provider/context/runtime-context";
import { tryLogin } from "../../testkit/ssh-client/ssh-client";
import { ecsInputs } from "../support/ecs-fixtures";
import { startFlakyProxy } from "../support/flaky-proxy";
import { sshHostPerSuite, storePerTest } from "../support/suite-hooks";

/**
 * `pulumi preview --refresh --expect-no-changes` is read() then diff(refreshed
 * outputs, program inputs): these tests run exactly that pair for each kind of
 * reality, and the update that repairs what it finds.
 */
describe("Drift: refresh (read) then diff, for EcsSecret (real sshd)", function () {
  let host: StartedSshHost;
  let t: TestStore;

  sshHostPerSuite((h) => (host = h));
  storePerTest((s) => (t = s));

  const login = (password: string) => tryLogin({ host: host.host, port: host.port, hostKeyFingerprint: host.hostKeyFingerprint, username: "root", password });
  const adminInputs = () =>
    ecsInputs(host, {
      rotationPeriod: "7d",
      connection: { host: host.host, port: host.port, hostKeyFingerprint: host.hostKeyFingerprint, admin: { user: "root", password: host.rootPassword } },
    });

  async function refresh(id: string, outs: ecs.EcsSecretOutputs, inputs: Record<string, unknown>) {
    const read = await ecs.read(id, outs, t.context());
    return { read, diff: read.props ? await ecs.diff(id, read.props, inputs) : undefined };
  }

  it("a healthy secret, and one the runner rotated on schedule, show no change", async () => {
    const inputs = ecsInputs(host, { rotationPeriod: "7d" });
    const { id, outs } = await ecs.create(inputs, t.context());
    const healthy = await refresh(id, outs, inputs);
    assert.deepEqual(healthy.read.props?.health, { healthy: true, problems: [] });
    assert.equal(healthy.diff?.changes, false);

    t.clock.advance(7 * DAY_MS + MAX_JITTER_MS);
    const run = await runOnce({ store: t.store, clock: t.clock, owner: "runner", targetFor: (m) => targetFromMetadata(m, t.context()) });
    assert.equal(run.outcomes[0]!.status, "rotated");
    const rotated = await refresh(id, outs, inputs);
    assert.equal(rotated.read.props?.versionId, "v2");
    assert.notEqual(rotated.read.props?.value, outs.value);
    assert.equal(rotated.diff?.changes, false, "scheduled rotation is not drift");
    Object.assign(host, { rootPassword: rotated.read.props!.value });
  });

  it("a credential the host rejects is drift; the update repairs it through the admin connection", async () => {
    const inputs = adminInputs();
    const { id, outs } = await ecs.create(inputs, t.context());
    await host.exec("chpasswd", { stdin: "root:Out-Of-Band-1\n" });
    const found = await refresh(id, outs, { ...inputs, connection: { ...(inputs.connection as object), admin: { user: "root", password: "Out-Of-Band-1" } } });
    assert.deepEqual(found.read.props?.health, { healthy: false, problems: ["rejected"] });
    assert.equal(found.diff?.changes, true);

    const repaired = await ecs.update(id, found.read.props!, { ...inputs, connection: { ...(inputs.connection as object), admin: { user: "root", password: "Out-Of-Band-1" } } }, t.context());
    assert.equal(repaired.outs.versionId, "v2");
    assert.equal(await login(repaired.outs.value), true);
    Object.assign(host, { rootPassword: repaired.outs.value });
    const after = await refresh(id, repaired.outs, inputs);
    assert.equal(after.diff?.changes, false);
  });

  it("rotation settings changed out of band, deletion scheduled, and an overdue rotation are each drift the update repairs", async () => {
    const inputs = ecsInputs(host, { rotationPeriod: "7d" });
    const { id, outs } = await ecs.create(inputs, t.context());

    await t.store.updateSecret(id, { metadata: { rotationPeriodSeconds: String(86400 * 90) } });
    const settings = await refresh(id, outs, inputs);
    assert.equal(settings.diff?.changes, true);
    const reapplied = (await ecs.update(id, settings.read.props!, inputs, t.context())).outs;
    assert.equal(reapplied.rotationPeriodSeconds, 7 * 86400);
    assert.equal(reapplied.versionId, "v1", "re-applying settings does not rotate");

    await t.store.deleteSecret(id, { recoveryWindowDays: 7 });
    const deleted = await refresh(id, reapplied, inputs);
    assert.ok(deleted.read.props?.plannedDeleteAt);
    assert.equal(deleted.diff?.changes, true);
    const restored = (await ecs.update(id, deleted.read.props!, inputs, t.context())).outs;
    assert.equal(restored.plannedDeleteAt, undefined);
    assert.equal((await t.store.describeSecret(id))?.plannedDeleteAt, undefined);

    t.clock.advance(9 * DAY_MS);
    const overdue = await refresh(id, restored, inputs);
    assert.deepEqual(overdue.read.props?.health?.problems, ["overdue"]);
    assert.equal(overdue.diff?.changes, true);
    const caughtUp = (await ecs.update(id, overdue.read.props!, inputs, t.context())).outs;
    assert.equal(caughtUp.versionId, "v2");
    Object.assign(host, { rootPassword: caughtUp.value });
    assert.equal((await refresh(id, caughtUp, inputs)).diff?.changes, false);
  });

  it("a dropped connection is probed again, not drift; a host that stays unreachable is, after 3 tries; a rejection is never retried", async () => {
    await using proxy = await startFlakyProxy(host);
    const inputs = ecsInputs(host, { secretName: "via-proxy", connection: { host: proxy.host, port: proxy.port, hostKeyFingerprint: host.hostKeyFingerprint } });
    const { id, outs } = await ecs.create(inputs, t.context());

    proxy.drop(1);
    let before = proxy.connections;
    const blip = await refresh(id, outs, inputs);
    assert.deepEqual(blip.read.props?.health, { healthy: true, problems: [] });
    assert.equal(blip.diff?.changes, false);
    assert.equal(proxy.connections - before, 2, "one dropped connection, one probe that got through");

    proxy.drop(Number.MAX_SAFE_INTEGER);
    before = proxy.connections;
    const down = await refresh(id, outs, inputs);
    assert.deepEqual(down.read.props?.health, { healthy: false, problems: ["unreachable"] });
    assert.equal(down.diff?.changes, true);
    assert.equal(proxy.connections - before, 3);

    proxy.drop(0);
    await host.exec("chpasswd", { stdin: "root:Out-Of-Band-3\n" });
    try {
      before = proxy.connections;
      const rejected = await refresh(id, outs, inputs);
      assert.deepEqual(rejected.read.props?.health, { healthy: false, problems: ["rejected"] });
      assert.equal(proxy.connections - before, 1, "a rejected credential is an answer: one login, no retry");
    } finally {
      await host.exec("chpasswd", { stdin: `root:${host.rootPassword}\n` });
    }
  });

  it("a secret gone from the store reads as deleted; with probing off, a rejected credential goes unseen", async () => {
    const inputs = ecsInputs(host, { secretName: "gone" });
    const { id, outs } = await ecs.create(inputs, t.context());
    await host.exec("chpasswd", { stdin: "root:Unseen-Change-2\n" });
    const noProbe = await ecs.read(id, outs, { ...t.context(), probeOnRefresh: false });
    assert.deepEqual(noProbe.props?.health, { healthy: true, problems: [] });
    await host.exec("chpasswd", { stdin: `root:${host.rootPassword}\n` });

    await t.store.deleteSecret(id, { force: true });
    assert.deepEqual(await ecs.read(id, outs, t.context()), {});
  });
});
