import { strict as assert } from "node:assert";
import { startSshHost, requireRootForHosts, type StartedSshHost } from "../../../testkit/sshd/ssh-host";
import { reconfigureSshd } from "../../../testkit/sshd/sshd-reconfigure";
import { findFreePort, randomLoopbackAddress } from "../../../testkit/sshd/loopback";
import { generateClientKeyPair } from "../../../testkit/ssh-client/client-keys";
import { BACKENDS, createTestStore, type TestStore } from "../../../testkit/store/test-store";
import * as ecs from "../../../provider/resources/ecs-secret/ecs-secret-handler";
import { ManagedSecretsError } from "../../../provider/core/errors";
import { targetFromMetadata } from "../../../provider/context/runtime-context";
import { runOnce } from "../../../provider/runner/run-once";
import { BASTIONS_ENV } from "../../../provider/ssh/bastion-credentials";
import { ecsInputs, loginWith } from "../../support/ecs-fixtures";
import { storePerTest } from "../../support/suite-hooks";

/**
 * The instance is reached through a jump host: two real sshd on two loopback
 * addresses. The bastion logs at DEBUG1, where sshd records every
 * direct-tcpip request with its target: that line, for the instance's
 * address and port, is the proof the session went through it.
 */
describe("EcsSecret through a bastion (two real sshd)", function () {
  let target: StartedSshHost;
  let bastion: StartedSshHost;
  /** A bastion as test hosts come: AllowTcpForwarding no. */
  let closed: StartedSshHost;
  let t: TestStore;
  const jumpPassword = "Jump-Pass-0nly-4-bastion";
  let jumpKey: { privateKey: string; publicKey: string };

  before(async function () {
    requireRootForHosts();
    jumpKey = await generateClientKeyPair("ed25519", "jump@ci");
    [target, bastion, closed] = await Promise.all([
      startSshHost(),
      startSshHost({ users: [{ name: "jump", password: jumpPassword, authorizedKeys: [jumpKey.publicKey] }] }),
      startSshHost({ users: [{ name: "jump", password: jumpPassword }] }),
    ]);
    await reconfigureSshd(bastion, { set: { AllowTcpForwarding: "yes", LogLevel: "DEBUG1" } });
  });
  after(async () => Promise.all([target?.stop(), bastion?.stop(), closed?.stop()]));
  storePerTest((s) => (t = s));

  const via = (b: StartedSshHost, extra: Record<string, unknown> = {}) => ({
    host: b.host,
    port: b.port,
    hostKeyFingerprint: b.hostKeyFingerprint,
    user: "jump",
    password: jumpPassword,
    ...extra,
  });
  const inputsVia = (b: StartedSshHost, extra: Record<string, unknown> = {}, more: Record<string, unknown> = {}) =>
    ecsInputs(target, { connection: { ...(ecsInputs(target).connection as object), bastion: via(b, extra) }, ...more });
  const forwardsTo = (h: StartedSshHost) => `target ${h.host} port ${h.port}`;
  const forwardCount = () => bastion.logs().split(forwardsTo(target)).length - 1;

  it("rotates a password through the bastion: the bastion's log shows the forwarded channels, the new password logs in, the old does not", async () => {
    const before = forwardCount();
    const inputs = inputsVia(bastion, {}, { rotationTrigger: 1 });
    const { id, outs } = await ecs.create(inputs, t.context());
    const old = outs.value;
    const updated = (await ecs.update(id, outs, { ...inputs, rotationTrigger: 2 }, t.context())).outs;
    assert.equal(updated.versionId, "v2");
    // create's probe, then apply and a fresh test login at least.
    assert.ok(forwardCount() - before >= 3, `bastion log shows ${forwardCount() - before} forwards to the instance`);
    assert.equal(await loginWith(target, "root", { password: updated.value }), true);
    assert.equal(await loginWith(target, "root", { password: old }), false);
    target = Object.assign(target, { rootPassword: updated.value });

    // Where the bastion is goes to outputs and the store; how to log in to it goes nowhere.
    assert.deepEqual(updated.connection.bastion, { host: bastion.host, port: bastion.port, hostKeyFingerprint: bastion.hostKeyFingerprint, user: "jump" });
    const meta = (await t.store.describeSecret(id))!;
    assert.equal(meta.metadata.bastionHost, bastion.host);
    for (const text of [JSON.stringify(updated), JSON.stringify(meta), bastion.logs(), target.logs()]) {
      assert.ok(!text.includes(jumpPassword), "the bastion password leaked");
    }
  });

  it("a bastion private key works as well as a password", async () => {
    const inputs = inputsVia(bastion, { password: undefined, privateKey: jumpKey.privateKey });
    const before = forwardCount();
    const { outs } = await ecs.create(inputs, t.context());
    assert.equal(outs.versionId, "v1");
    assert.ok(forwardCount() > before);
    assert.ok(!JSON.stringify(outs).includes("PRIVATE KEY"));
  });

  it("check names the bastion property and what is allowed; nothing is contacted", async () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ hostKeyFingerprint: undefined }, "connection.bastion.hostKeyFingerprint", /SHA256/],
      [{ host: "bad host!" }, "connection.bastion.host", /host name/],
      [{ port: 70000 }, "connection.bastion.port", /1\.\.65535/],
      [{ user: "Root Admin" }, "connection.bastion.user", /POSIX user/],
      [{ password: undefined }, "connection.bastion", /exactly one of password or privateKey/],
      [{ privateKey: jumpKey.privateKey }, "connection.bastion", /exactly one of password or privateKey/],
      [{ password: undefined, privateKey: "not a key" }, "connection.bastion.privateKey", /private key/],
      // An unknown field is named itself, with what the bastion takes (issue 24: unknown inputs are refused by name).
      [{ proxyJump: "x" }, "connection.bastion.proxyJump", /is not an input here \(allowed: host, port, hostKeyFingerprint, user, password, privateKey\)/],
    ];
    for (const [extra, property, reason] of cases) {
      const { failures } = await ecs.check({}, inputsVia(bastion, extra));
      const f = failures?.find((x) => x.property === property);
      assert.ok(f, `${JSON.stringify(extra)}: expected a failure on ${property}, got ${JSON.stringify(failures)}`);
      assert.match(f.reason, reason);
      assert.ok(!JSON.stringify(failures).includes(jumpPassword));
    }
  });

  it("a wrong bastion host key, an unreachable bastion and a refused forward are three distinct errors, and nothing changes", async () => {
    const wrongKey = inputsVia(bastion, { hostKeyFingerprint: target.hostKeyFingerprint });
    await assert.rejects(ecs.create(wrongKey, t.context()), (e: ManagedSecretsError) => {
      assert.equal(e.code, "HostKeyMismatch");
      assert.equal(e.details.property, "connection.bastion.hostKeyFingerprint");
      assert.match(e.message, new RegExp(`bastion ${bastion.host}:${bastion.port}.*presented host key ${bastion.hostKeyFingerprint.replace(/[+/]/g, ".")}`));
      return true;
    });

    const nowhere = randomLoopbackAddress();
    const unreachable = inputsVia(bastion, { host: nowhere, port: await findFreePort(nowhere) });
    await assert.rejects(ecs.create(unreachable, t.context()), (e: ManagedSecretsError) => {
      assert.equal(e.code, "Unreachable");
      assert.match(e.message, new RegExp(`cannot reach bastion jump@${nowhere.replace(/\./g, "\\.")}:\\d+: ECONNREFUSED`));
      return true;
    });

    await assert.rejects(ecs.create(inputsVia(closed), t.context()), (e: ManagedSecretsError) => {
      assert.equal(e.code, "Unreachable");
      assert.match(e.message, new RegExp(`bastion jump@${closed.host.replace(/\./g, "\\.")}:${closed.port} refused to forward a connection to ${target.host.replace(/\./g, "\\.")}:${target.port}: administratively prohibited`));
      assert.match(e.message, /AllowTcpForwarding/);
      return true;
    });
    assert.deepEqual(await t.store.listSecrets(), []);
    assert.equal(await loginWith(target, "root", { password: target.rootPassword }), true);
  });

  for (const backend of BACKENDS) {
    it(`the runner and refresh rebuild the bastion from the store and take its credential from ${BASTIONS_ENV} [${backend} store]`, async () => {
      const store = await createTestStore({ backend });
      const saved = process.env[BASTIONS_ENV];
      try {
        const { id, outs } = await ecs.create(inputsVia(bastion, {}, { rotationPeriod: "1d" }), store.context());
        delete process.env[BASTIONS_ENV];
        const meta = (await store.store.describeSecret(id))!;
        await assert.rejects(async () => targetFromMetadata(meta, store.context()).accepts("{}"), (e: ManagedSecretsError) => {
          assert.equal(e.code, "InvalidInput");
          assert.equal(e.details.property, BASTIONS_ENV);
          assert.match(e.message, new RegExp(`through bastion jump@${bastion.host.replace(/\./g, "\\.")}:${bastion.port}, whose credential is never stored`));
          return true;
        });

        process.env[BASTIONS_ENV] = JSON.stringify({ [`jump@${bastion.host}:${bastion.port}`]: { password: jumpPassword } });
        const read = await ecs.read(id, outs, store.context());
        assert.deepEqual(read.props?.health, { healthy: true, problems: [] });

        store.clock.advance(2 * 86400_000);
        delete process.env[BASTIONS_ENV];
        const refused = await runOnce({ store: store.store, clock: store.clock, owner: "r1", targetFor: (m) => targetFromMetadata(m, store.context()), retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => {} } });
        assert.deepEqual(refused.outcomes.map((o) => o.status), ["failed"]);
        assert.match(JSON.stringify(refused.outcomes), new RegExp(BASTIONS_ENV));
        assert.equal((await store.store.getValue(id)).versionId, "v1");

        process.env[BASTIONS_ENV] = JSON.stringify({ [`jump@${bastion.host}:${bastion.port}`]: { password: jumpPassword } });
        const before = forwardCount();
        const report = await runOnce({ store: store.store, clock: store.clock, owner: "r1", targetFor: (m) => targetFromMetadata(m, store.context()) });
        assert.deepEqual(report.outcomes.map((o) => o.status), ["rotated"], JSON.stringify(report.outcomes));
        assert.ok(forwardCount() - before >= 2);
        const now = JSON.parse((await store.store.getValue(id)).value).Password as string;
        assert.equal(await loginWith(target, "root", { password: now }), true);
        target = Object.assign(target, { rootPassword: now });
      } finally {
        if (saved === undefined) delete process.env[BASTIONS_ENV];
        else process.env[BASTIONS_ENV] = saved;
        await store[Symbol.asyncDispose]();
      }
    });
  }
});
