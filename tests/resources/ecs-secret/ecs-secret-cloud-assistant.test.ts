import { strict as assert } from "node:assert";
import * as $Ecs from "@alicloud/ecs20140526";
import { startSshHost, requireRootForHosts, type StartedSshHost } from "../../../testkit/sshd/ssh-host";
import { BACKENDS, createTestStore, type TestStore } from "../../../testkit/store/test-store";
import { startRamEmulator, type RamEmulator } from "../../support/ram-fixtures";
import { ecsClient } from "../../../testkit/emulator/sdk-clients";
import * as ecs from "../../../provider/resources/ecs-secret/ecs-secret-handler";
import type { ManagedSecretsError } from "../../../provider/core/errors";
import type { RuntimeContext } from "../../../provider/context/runtime-context";
import { generateKeyPair } from "../../../provider/credentials/generate-key-pair";
import { GENERATED_PASSWORD_LENGTH } from "../../../provider/credentials/generate-password";
import { sha512Crypt } from "../../../provider/targets/ecs-host/sha512-crypt";
import { targetFromMetadata } from "../../../provider/context/runtime-context";
import { runOnce } from "../../../provider/runner/run-once";
import { loginWith } from "../../support/ecs-fixtures";

/**
 * The instance is a real sshd host registered with the emulator, whose Cloud
 * Assistant runs the scripts inside that host's namespaces. Rotation never
 * uses SSH here; SSH logins only check the outcome from outside. Every record
 * the emulator kept (DescribeInvocations content, parameters, output, and its
 * own stored records and call log) is scanned for every credential.
 */
describe("EcsSecret through Cloud Assistant (emulator, real host)", function () {
  let host: StartedSshHost;
  let ram: RamEmulator;
  let t: TestStore;
  let ctx: RuntimeContext;
  const instanceId = "i-cloudassist1";
  const aliceInitial = "alice-Initial-1";
  let aliceKey: { privateKey: string; publicKey: string };
  const foreign = 'no-pty ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherKeyOfSomeoneElse0000000000000000000 ops@bastion';
  /** Every credential any test here has seen: none may appear in what the service keeps. */
  const credentials = new Set<string>();
  const savedPoll = process.env.MANAGED_SECRETS_CLOUD_ASSISTANT_POLL_MS;

  before(async function () {
    requireRootForHosts();
    process.env.MANAGED_SECRETS_CLOUD_ASSISTANT_POLL_MS = "50";
    aliceKey = await generateKeyPair("ed25519");
    host = await startSshHost({ users: [{ name: "alice", password: aliceInitial, authorizedKeys: [foreign, `${aliceKey.publicKey} alice@laptop`] }] });
    ram = await startRamEmulator();
    ram.emu.control.registerInstance({ instanceId, privateIp: host.host, nsPid: host.nsPid });
    [host.rootPassword, aliceInitial, aliceKey.privateKey].forEach((c) => credentials.add(c));
  });
  after(async () => {
    if (savedPoll === undefined) delete process.env.MANAGED_SECRETS_CLOUD_ASSISTANT_POLL_MS;
    else process.env.MANAGED_SECRETS_CLOUD_ASSISTANT_POLL_MS = savedPoll;
    await ram?.stop();
    await host?.stop();
  });
  beforeEach(async () => {
    t = await createTestStore();
    ctx = { ...t.context(), cloud: () => ram.settings };
  });
  afterEach(async () => {
    ram.emu.control.clearFaults();
    await t[Symbol.asyncDispose]();
  });

  const inputs = (overrides: Record<string, unknown> = {}) => ({
    instanceId,
    managedUser: "root",
    credentialType: "password",
    initialValue: host.rootPassword,
    connection: { transport: "cloudAssistant", region: ram.emu.regionId },
    ...overrides,
  });
  const shadowHash = async (user: string) =>
    (await host.readFile("/etc/shadow")).split("\n").find((l) => l.startsWith(`${user}:`))!.split(":")[1]!;
  const applyInvocations = () => ram.emu.control.invocationRecords().filter((r) => r.commandName?.startsWith("managed-secrets-apply-"));

  /** What a reader of the account's Cloud Assistant history can see, and what the emulator stored and logged. */
  async function everythingKept(): Promise<string> {
    const api = ecsClient(ram.emu);
    const seen: string[] = [];
    for (let page = 1; ; page++) {
      const res = await api.describeInvocations(
        new $Ecs.DescribeInvocationsRequest({ regionId: ram.emu.regionId, contentEncoding: "PlainText", includeOutput: true, pageNumber: page, pageSize: 50 }),
      );
      const invocations = res.body?.invocations?.invocation ?? [];
      seen.push(JSON.stringify(invocations));
      if (page * 50 >= (res.body?.totalCount ?? 0)) break;
    }
    for (const r of ram.emu.control.invocationRecords()) {
      seen.push(JSON.stringify(r), Buffer.from(r.commandContentBase64 ?? "", "base64").toString("utf8"), Buffer.from(r.outputBase64, "base64").toString("utf8"));
    }
    seen.push(...ram.log);
    return seen.join("\n");
  }

  async function assertNoCredentialKept(): Promise<void> {
    const kept = await everythingKept();
    assert.ok(kept.length > 0);
    for (const c of credentials) {
      // A private key is checked by a distinctive inner run of its body as well as whole.
      const probes = [c, ...(c.includes("PRIVATE KEY") ? [c.split("\n")[2]!] : [])];
      for (const p of probes) assert.ok(!kept.includes(p), "a credential appears in what Cloud Assistant keeps");
    }
  }

  it("adopts root's password (a yescrypt hash, checked here), rotates to a generated one by its SHA-512 hash, without SSH; nothing kept holds a credential", async () => {
    const made = await ecs.create(inputs({ rotationTrigger: 1 }), ctx);
    assert.equal(made.outs.versionId, "v1");
    assert.deepEqual(made.outs.connection, { transport: "cloudAssistant", region: ram.emu.regionId });
    const updated = (await ecs.update(made.id, made.outs, inputs({ rotationTrigger: 2 }), ctx)).outs;
    assert.equal(updated.versionId, "v2");
    assert.equal(updated.value.length, GENERATED_PASSWORD_LENGTH);
    credentials.add(updated.value);

    // In effect on the instance: the shadow entry is a $6$ hash of exactly the new password.
    const hash = await shadowHash("root");
    assert.match(hash, /^\$6\$/);
    assert.equal(sha512Crypt(updated.value, hash), hash);
    // And SSH, which rotation never used, agrees.
    assert.equal(await loginWith(host, "root", { password: updated.value }), true);
    assert.equal(await loginWith(host, "root", { password: made.outs.value }), false);
    host = Object.assign(host, { rootPassword: updated.value });

    const meta = (await t.store.describeSecret(made.id))!;
    assert.equal(meta.metadata.transport, "cloudAssistant");
    assert.equal(meta.metadata.regionId, ram.emu.regionId);
    assert.equal(meta.metadata.host, undefined);
    await assertNoCredentialKept();
  });

  it("rotates alice's key pair: only public keys cross, the new line carries the marker, the old line goes, other lines and ownership stay", async () => {
    const keyInputs = inputs({ managedUser: "alice", credentialType: "keyPair", initialValue: aliceKey.privateKey });
    const made = await ecs.create(keyInputs, ctx);
    assert.equal(made.outs.publicKey, aliceKey.publicKey);
    const updated = (await ecs.update(made.id, made.outs, { ...keyInputs, rotationTrigger: "k2" }, ctx)).outs;
    credentials.add(updated.value);
    const lines = (await host.readFile("/home/alice/.ssh/authorized_keys")).split("\n").filter(Boolean);
    assert.deepEqual(lines, [foreign, `${updated.publicKey} managed-secrets:${made.id}:v2`]);
    const owner = await host.exec("stat -c %U:%a /home/alice/.ssh/authorized_keys");
    assert.equal(owner.stdout.trim(), "alice:600");
    assert.equal(await loginWith(host, "alice", { privateKey: updated.value }), true);
    assert.equal(await loginWith(host, "alice", { privateKey: aliceKey.privateKey }), false);
    aliceKey = { privateKey: updated.value, publicKey: updated.publicKey! };
    await assertNoCredentialKept();
  });

  it("check refuses SSH-only fields, a missing or unknown region, and a customValue password, naming the property", async () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ connection: { transport: "cloudAssistant", region: ram.emu.regionId, host: host.host } }, "connection.host", /for connection.transport "ssh" only/],
      [{ connection: { transport: "cloudAssistant", region: ram.emu.regionId, hostKeyFingerprint: host.hostKeyFingerprint } }, "connection.hostKeyFingerprint", /"ssh" only/],
      [{ connection: { transport: "cloudAssistant", region: ram.emu.regionId, admin: { user: "root", password: "x" } } }, "connection.admin", /"ssh" only/],
      [{ connection: { transport: "cloudAssistant" } }, "connection.region", /is required with connection.transport "cloudAssistant"/],
      [{ connection: { transport: "cloudAssistant", region: "cn-nowhere-9" } }, "connection.region", /must be an Alibaba Cloud region id/],
      [{ connection: { transport: "carrierPigeon", region: "cn-hangzhou" } }, "connection.transport", /"ssh" or "cloudAssistant"/],
      [{ connection: { host: host.host, hostKeyFingerprint: host.hostKeyFingerprint, region: "cn-hangzhou" } }, "connection.region", /for connection.transport "cloudAssistant"/],
      [{ connection: { transport: "ssh" } }, "connection.host", /required with connection.transport "ssh"/],
      [{ customValue: "Chosen-By-A-Human-1" }, "customValue", /only the hash of a generated 32-character password/],
    ];
    for (const [overrides, property, reason] of cases) {
      const { failures } = await ecs.check({}, inputs(overrides));
      const f = failures?.find((x) => x.property === property);
      assert.ok(f, `${JSON.stringify(overrides)}: expected ${property}, got ${JSON.stringify(failures)}`);
      assert.match(f.reason, reason);
    }
    // A key pair may take a customValue: only its public half ever crosses.
    const other = await generateKeyPair("ed25519");
    const ok = await ecs.check({}, inputs({ credentialType: "keyPair", initialValue: other.privateKey, customValue: other.privateKey }));
    assert.deepEqual(ok.failures, []);
  });

  it("says why an instance cannot be reached (wrong region, stopped, agent offline) before any command is sent", async () => {
    const runs = () => ram.emu.control.invocationRecords().length;
    const before = runs();
    await assert.rejects(ecs.create(inputs({ connection: { transport: "cloudAssistant", region: "cn-beijing" } }), ctx), (e: ManagedSecretsError) => {
      assert.equal(e.code, "TargetNotFound");
      assert.match(e.message, new RegExp(`${instanceId} does not exist in region cn-beijing`));
      return true;
    });
    ram.emu.control.setInstanceStatus(instanceId, "Stopped");
    try {
      await assert.rejects(ecs.create(inputs(), ctx), (e: ManagedSecretsError) => {
        assert.equal(e.code, "Unreachable");
        assert.match(e.message, /is Stopped: Cloud Assistant runs commands only on a Running instance/);
        return true;
      });
    } finally {
      ram.emu.control.setInstanceStatus(instanceId, "Running");
    }
    ram.emu.control.setCloudAssistantOnline(instanceId, false);
    try {
      await assert.rejects(ecs.create(inputs(), ctx), (e: ManagedSecretsError) => {
        assert.equal(e.code, "Unreachable");
        assert.match(e.message, /Cloud Assistant Agent of ECS instance .* is not installed or not online/);
        return true;
      });
    } finally {
      ram.emu.control.setCloudAssistantOnline(instanceId, true);
    }
    assert.equal(runs(), before, "no command was sent");
    assert.deepEqual(await t.store.listSecrets(), []);
  });

  it("a bad MANAGED_SECRETS_CLOUD_ASSISTANT_POLL_MS is refused, naming it and what is allowed, before any ECS call or store write", async () => {
    const calls = ram.log.length;
    for (const bad of ["0.5s", "-1", "5", "600000"]) {
      process.env.MANAGED_SECRETS_CLOUD_ASSISTANT_POLL_MS = bad;
      try {
        await assert.rejects(ecs.create(inputs(), ctx), (e: ManagedSecretsError) => {
          assert.equal(e.code, "InvalidInput");
          assert.equal(e.details.property, "MANAGED_SECRETS_CLOUD_ASSISTANT_POLL_MS");
          assert.match(e.message, /whole number of milliseconds from 10 to 60000, got "/);
          return true;
        });
      } finally {
        process.env.MANAGED_SECRETS_CLOUD_ASSISTANT_POLL_MS = "50";
      }
    }
    assert.deepEqual(ram.log.slice(calls), [], "no call reached the emulator");
    assert.deepEqual(await t.store.listSecrets(), []);
  });

  it("a RunCommand whose answer was lost is sent again with its ClientToken and runs once; a finished one is found again and never sent twice", async () => {
    const made = await ecs.create(inputs({ rotationTrigger: "a" }), ctx);
    const appliedBefore = applyInvocations().length;
    // A fresh rotation's first command is the apply: it runs, its answer is lost; the client sends it again with the
    // same ClientToken, and ECS answers with the first invocation instead of running the script again.
    ram.emu.control.dropConnection("RunCommand", 1, "after");
    const settled = (await ecs.update(made.id, made.outs, inputs({ rotationTrigger: "b" }), ctx)).outs;
    assert.equal(settled.versionId, "v2", "the rotation completed in one go");
    credentials.add(settled.value);
    const applied = applyInvocations().slice(appliedBefore);
    assert.equal(applied.length, 1, "the apply ran once");
    assert.equal(applied[0]!.clientToken, `${applied[0]!.commandName}-0`, "its token: the step's name and its first try");
    const pending = settled.value;
    const hash = await shadowHash("root");
    assert.equal(sha512Crypt(pending, hash), hash);
    host = Object.assign(host, { rootPassword: pending });

    // Asked to apply a version whose invocation already succeeded (the answer lost, the process gone), the target finds it and sends nothing.
    const target = targetFromMetadata((await t.store.describeSecret(made.id))!, ctx);
    const value = (await t.store.getValue(made.id)).value;
    await target.apply(value, value, settled.versionId);
    assert.equal(applyInvocations().length, appliedBefore + 1, "found again, not sent again");
    await assertNoCredentialKept();
  });

  it("refresh finds a password changed out of band (rejected), and update repairs it through Cloud Assistant with no admin connection", async () => {
    const made = await ecs.create(inputs(), ctx);
    const outOfBand = "Changed-By-Hand-42!";
    credentials.add(outOfBand);
    const changed = await host.exec("chpasswd", { stdin: `root:${outOfBand}\n` });
    assert.equal(changed.code, 0);
    const drifted = await ecs.read(made.id, made.outs, ctx);
    assert.equal(drifted.props?.health?.healthy, false);
    assert.deepEqual(drifted.props?.health?.problems, ["rejected"]);
    const repaired = (await ecs.update(made.id, drifted.props!, inputs(), ctx)).outs;
    assert.equal(repaired.versionId, "v2");
    credentials.add(repaired.value);
    const hash = await shadowHash("root");
    assert.equal(sha512Crypt(repaired.value, hash), hash);
    host = Object.assign(host, { rootPassword: repaired.value });
    await assertNoCredentialKept();
  });

  for (const backend of BACKENDS) {
    it(`the runner rebuilds the Cloud Assistant target from the store and rotates on schedule; refresh checks through it [${backend} store]`, async () => {
      const store = await createTestStore({ backend });
      const sctx: RuntimeContext = { ...store.context(), cloud: () => ram.settings };
      try {
        const made = await ecs.create(inputs({ rotationPeriod: "1d" }), sctx);
        const refreshed = await ecs.read(made.id, made.outs, sctx);
        assert.deepEqual(refreshed.props?.health, { healthy: true, problems: [] });
        store.clock.advance(2 * 86400_000);
        const report = await runOnce({ store: store.store, clock: store.clock, owner: "runner", targetFor: (m) => targetFromMetadata(m, sctx) });
        assert.deepEqual(report.outcomes.map((o) => o.status), ["rotated"], JSON.stringify(report.outcomes));
        const now = JSON.parse((await store.store.getValue(made.id)).value).Password as string;
        credentials.add(now);
        const hash = await shadowHash("root");
        assert.equal(sha512Crypt(now, hash), hash);
        host = Object.assign(host, { rootPassword: now });
        await assertNoCredentialKept();
      } finally {
        await store[Symbol.asyncDispose]();
      }
    });
  }
});
