import { strict as assert } from "node:assert";
import { startSshHost, requireRootForHosts, type StartedSshHost } from "../../../testkit/sshd/ssh-host";
import { createRunningTestClock, DAY_MS } from "../../../testkit/clock/test-clock";
import { startKmsEmulatorStore, NO_WAIT, type KmsEmulatorStore } from "../../../testkit/store/kms-emulator-store";
import * as ecs from "../../../provider/resources/ecs-secret/ecs-secret-handler";
import * as ram from "../../../provider/resources/ram-secret/ram-secret-handler";
import { generateKeyPair } from "../../../provider/credentials/generate-key-pair";
import type { RuntimeContext } from "../../../provider/context/runtime-context";
import { openApiConfig, type CloudSettings } from "../../../provider/alicloud/cloud-settings";
import { createKmsClient } from "../../../provider/alicloud/kms-client";
import { KmsSecretStore } from "../../../provider/store/kms/kms-store";
import { LEASE_TABLE_NAME } from "../../../provider/store/kms/kms-lease";
import { runOnce, type RunReport } from "../../../provider/runner/run-once";
import { FAILURE_META } from "../../../provider/schedule/secret-outcome";
import { handler } from "../../../provider/runner/fc-handler";
import { cloudMonitorSink } from "../../../provider/events/cloudmonitor-sink";
import { emitAttempts } from "../../../provider/events/emit-attempts";
import { MAX_JITTER_MS } from "../../../provider/schedule/due";
import { parseRunnerDeployment, runnerPolicyStatements, type PolicyStatement } from "../../../provider/runner/deploy/runner-deployment";
import { targetRegistry, targetFromMetadata } from "../../../provider/context/runtime-context";
import { ecsInputs, loginWith } from "../../support/ecs-fixtures";
import * as $Ram from "@alicloud/ram20150501";
import { ramClient } from "../../../testkit/emulator/sdk-clients";

const DKMS = "kst-runnerpolicy";
const KEY = "key-runnerpolicy";
const FC_TRUST = { Version: "1", Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Principal: { Service: ["fc.aliyuncs.com"] } }] };

/**
 * The runner under exactly the policy RotationRunner deploys, with the
 * temporary credentials Function Compute would hand it, against the emulator
 * evaluating RAM policies: everything it must do works, a RAM user outside
 * its scope is refused, and every action in the policy is needed.
 */
describe("The runner's generated RAM policy, enforced by the emulator (role credentials, real sshd)", function () {
  this.timeout(300_000);
  let host: StartedSshHost;
  let kms: KmsEmulatorStore;
  let setup: RuntimeContext;
  let keyUser: { privateKey: string; publicKey: string };
  const clock = createRunningTestClock();
  let roles = 0;

  before(async function () {
    requireRootForHosts();
    keyUser = await generateKeyPair("ed25519");
    host = await startSshHost({ users: [{ name: "deploy", password: null, authorizedKeys: [`${keyUser.publicKey} deploy@seed`] }] });
    kms = await startKmsEmulatorStore({ clock });
    kms.emulator.control.addKmsInstance({ instanceId: DKMS, keyIds: [KEY] });
    const rootStore = new KmsSecretStore({
      client: () => createKmsClient(openApiConfig(kms.cloud, "kms.invalid"), NO_WAIT),
      clock,
      dkmsInstanceId: DKMS,
      encryptionKeyId: KEY,
      bindingKeyId: kms.bindingKeyId,
      boundKeys: targetRegistry().boundKeys,
    });
    setup = { store: rootStore, clock, targets: targetRegistry(), owner: "setup", cloud: () => kms.cloud };
    await ecs.create(ecsInputs(host, { rotationPeriod: "7d" }), setup);
    await ecs.create(ecsInputs(host, { managedUser: "deploy", secretName: "deploy-key", credentialType: "keyPair", initialValue: keyUser.privateKey, rotationPeriod: "7d" }), setup);
    for (const user of ["app-billing", "root-admin"]) {
      kms.emulator.control.createUser({ name: user });
      const key = kms.emulator.control.createAccessKey(user);
      await ram.create({ userName: user, secretName: `ram/${user}`, initialAccessKeyId: key.accessKeyId, initialAccessKeySecret: key.accessKeySecret, rotationPeriod: "7d", previousKeyAction: "deactivate" }, setup);
    }
  });
  after(async () => {
    await host?.stop();
    await kms?.dispose();
  });

  const deploymentInput = () => ({
    schedule: "@every 15m",
    region: kms.emulator.regionId,
    accountId: kms.emulator.accountId,
    dkmsInstanceId: DKMS,
    encryptionKeyId: KEY,
    bindingKeyId: kms.bindingKeyId!,
    ramUsers: ["app-*"] as string[] | undefined,
  });
  const deployment = () => parseRunnerDeployment(deploymentInput());

  /** Temporary credentials of a fresh role holding exactly `statements`, as FC hands them to the function. */
  function roleCredentials(statements: PolicyStatement[]) {
    const name = `runner-${++roles}`;
    kms.emulator.control.createPolicy({ name: `${name}-policy`, document: { Version: "1", Statement: statements } });
    kms.emulator.control.createRole({ name: `${name}-role`, trustPolicy: FC_TRUST });
    kms.emulator.control.attachPolicyToRole(`${name}-role`, `${name}-policy`);
    return kms.emulator.control.serviceRoleCredentials({ roleName: `${name}-role`, sessionName: "fc-runner" });
  }

  /** A runner context signed with the temporary credentials of a role holding exactly `statements`. */
  function runnerUnder(statements: PolicyStatement[]): RuntimeContext {
    const creds = roleCredentials(statements);
    const cloud: CloudSettings = { ...kms.cloud, accessKeyId: creds.accessKeyId, accessKeySecret: creds.accessKeySecret, securityToken: creds.securityToken };
    const store = new KmsSecretStore({ client: () => createKmsClient(openApiConfig(cloud, "kms.invalid"), NO_WAIT), clock, dkmsInstanceId: DKMS, encryptionKeyId: KEY, bindingKeyId: kms.bindingKeyId, boundKeys: targetRegistry().boundKeys });
    return { store, clock, targets: targetRegistry(), owner: "fc:runner", cloud: () => cloud };
  }

  /** A pass as the FC runner makes it, CloudMonitor events included (cloudMonitorEvents is on by default). */
  async function pass(ctx: RuntimeContext, prefix?: string): Promise<RunReport> {
    const events = cloudMonitorSink({ settings: ctx.cloud(), attempts: 1 });
    const report = await runOnce({
      store: ctx.store, clock: ctx.clock, owner: ctx.owner, prefix, targetFor: (m) => targetFromMetadata(m, ctx),
      retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0, sleep: async () => undefined },
      onAttempt: emitAttempts(events, "schedule", ctx.clock, (meta) => ctx.targets.factsOf(meta)),
    });
    await events.flush();
    return report;
  }

  /** Every secret falls due, and the store has no lease table (written by an earlier release), so the pass must create it. */
  async function makeEverythingDue(): Promise<void> {
    clock.advance(8 * DAY_MS + MAX_JITTER_MS);
    const root = createKmsClient(openApiConfig(kms.cloud, "kms.invalid"));
    await root.deleteSecret({ secretName: LEASE_TABLE_NAME, forceDeleteWithoutRecovery: true }).catch(() => undefined);
  }

  async function keysOf(userName: string): Promise<string[]> {
    const res = await ramClient(kms.emulator).listAccessKeys(new $Ram.ListAccessKeysRequest({ userName }));
    return (res.body?.accessKeys?.accessKey ?? []).map((k) => k.accessKeyId ?? "");
  }

  /**
   * What the runner's AccessKeyLimit error tells an operator to do: a failed
   * pass (no PutSecretValue) can leave a key the secret never stored, which the
   * product rightly refuses to delete on its own.
   */
  async function deleteKeysNoVersionHolds(userName: string): Promise<void> {
    const held = new Set<string>();
    for (const v of (await setup.store.describeSecret(`ram/${userName}`))?.versions ?? []) {
      held.add(JSON.parse((await setup.store.getValue(`ram/${userName}`, { versionId: v.versionId })).value).AccessKeyId);
    }
    for (const id of await keysOf(userName)) {
      if (!held.has(id)) await ramClient(kms.emulator).deleteAccessKey(new $Ram.DeleteAccessKeyRequest({ userName, userAccessKeyId: id }));
    }
  }

  const status = (r: RunReport) => Object.fromEntries(r.outcomes.map((o) => [o.name, o.status]));

  async function expectAllWork(): Promise<void> {
    for (const meta of await setup.store.listSecrets()) {
      const value = (await setup.store.getValue(meta.name)).value;
      assert.equal(await targetFromMetadata(meta, setup).accepts(value), true, `${meta.name} holds a working credential`);
    }
  }

  it("rotates ECS passwords and key pairs and in-scope RAM keys; refuses the out-of-scope RAM user, names it, and leaves the others alone", async () => {
    await makeEverythingDue();
    const before = JSON.parse((await setup.store.getValue("ram/root-admin")).value).AccessKeyId;
    const report = await pass(runnerUnder(runnerPolicyStatements(deployment())));
    assert.deepEqual(status(report), {
      [`ecs/i-test${host.port}/root`]: "rotated",
      "deploy-key": "rotated",
      "ram/app-billing": "rotated",
      "ram/root-admin": "failed",
    }, JSON.stringify(report.outcomes));
    const refused = report.outcomes.find((o) => o.name === "ram/root-admin")!;
    assert.match(refused.reason, /NoPermission/);
    assert.match(refused.reason, /^CloudRejected: RAM \w+AccessKeys? failed: NoPermission \(HTTP 403.*not authorized.*must be in managed-secrets-runner:ramUsers/);
    assert.ok(kms.calls.some((l) => /^Ram\.\w+AccessKeys? 403 NoPermission/.test(l)), "the emulator refused it");
    assert.equal((await keysOf("root-admin")).length, 1, "no key minted for the admin");
    assert.equal(JSON.parse((await setup.store.getValue("ram/root-admin")).value).AccessKeyId, before);
    await expectAllWork();
    const password = JSON.parse((await setup.store.getValue(`ecs/i-test${host.port}/root`)).value).Password;
    assert.equal(await loginWith(host, "root", { password }), true);
    Object.assign(host, { rootPassword: password });
  });

  it("every action in the policy is needed: without it, something fails", async () => {
    const full = runnerPolicyStatements(deployment());
    const cases = full.flatMap((s, i) => s.Action.map((action) => ({ i, action })));
    const unneeded: string[] = [];
    for (const { i, action } of cases) {
      const reduced = full
        .map((s, j) => (j === i ? { ...s, Action: s.Action.filter((a) => a !== action) } : s))
        .filter((s) => s.Action.length > 0);
      await makeEverythingDue();
      // A secret that failed last time: its success must clear the recorded error (UntagResource).
      await setup.store.updateSecret("deploy-key", { metadata: { [FAILURE_META.code]: "Unexpected", [FAILURE_META.at]: clock().toISOString() } });
      const mark = kms.calls.length;
      const outcome = await pass(runnerUnder(reduced)).then(
        (r) => r.outcomes.filter((o) => o.status === "failed" && o.name !== "ram/root-admin").map((o) => o.name),
        (e: Error) => [`pass: ${e.message}`],
      );
      const denied = kms.calls.slice(mark).filter((l) => / 403 /.test(l));
      // An event CloudMonitor refuses fails no rotation (by design), but the alarm never hears of it: a refused PutCustomEvent is the failure.
      const eventsRefused = denied.some((l) => l.startsWith("Cms.PutCustomEvent "));
      if ((outcome.length === 0 && !eventsRefused) || denied.length === 0) unneeded.push(`${action} (statement ${i})`);
      // Repair with the full policy, so the next case starts from working credentials.
      await deleteKeysNoVersionHolds("app-billing");
      await makeEverythingDue();
      const repaired = await pass(runnerUnder(full));
      assert.deepEqual(repaired.outcomes.filter((o) => o.status === "failed" && o.name !== "ram/root-admin"), [], `repair after ${action}`);
    }
    assert.deepEqual(unneeded, [], "actions whose removal changed nothing");
    await expectAllWork();
    Object.assign(host, { rootPassword: JSON.parse((await setup.store.getValue(`ecs/i-test${host.port}/root`)).value).Password });
  });

  it("with a secretPrefix, the lease table needs its own read, write and listing: the runner for ecs/ works, and fails without any of them", async () => {
    const scoped = runnerPolicyStatements(parseRunnerDeployment({ ...deploymentInput(), secretPrefix: "ecs/", ramUsers: undefined }));
    const ecsRoot = `ecs/i-test${host.port}/root`;
    // The table as `pulumi up` leaves it (written by another process): the runner reads it, writes, and lists its
    // versions to check its write (a write built on its own last one is checked by a read alone).
    const tableByAnother = async () => {
      await makeEverythingDue();
      assert.equal(await setup.store.acquireLease("deploy-key", "pulumi-up", 60_000), true);
      await setup.store.releaseLease("deploy-key", "pulumi-up");
    };
    await tableByAnother();
    assert.deepEqual(status(await pass(runnerUnder(scoped), "ecs/")), { [ecsRoot]: "rotated" });
    for (const action of ["kms:GetSecretValue", "kms:PutSecretValue", "kms:ListSecretVersionIds"]) {
      const reduced = scoped.map((s, i) => (i === 1 ? { ...s, Action: s.Action.filter((a) => a !== action) } : s));
      await tableByAnother();
      assert.deepEqual(status(await pass(runnerUnder(reduced), "ecs/")), { [ecsRoot]: "failed" }, `without ${action} on the lease table`);
    }
    await makeEverythingDue();
    assert.deepEqual(status(await pass(runnerUnder(scoped), "ecs/")), { [ecsRoot]: "rotated" });
    Object.assign(host, { rootPassword: JSON.parse((await setup.store.getValue(ecsRoot)).value).Password });
  });

  it("the FC handler, invoked as FC invokes it (role credentials in its context), rotates under the generated policy", async () => {
    const ecsRoot = `ecs/i-test${host.port}/root`;
    // The handler judges with the real clock; the emulator's business clock is days ahead.
    await setup.store.updateSecret(ecsRoot, { metadata: { nextRotationAt: new Date(Date.now() - DAY_MS).toISOString() } });
    const credentials = roleCredentials(runnerPolicyStatements(parseRunnerDeployment({ ...deploymentInput(), secretPrefix: "ecs/" })));
    const env = {
      MANAGED_SECRETS_STORE: "kms",
      MANAGED_SECRETS_ENDPOINT: kms.emulator.endpoint,
      MANAGED_SECRETS_DKMS_INSTANCE_ID: DKMS,
      MANAGED_SECRETS_ENCRYPTION_KEY_ID: KEY,
      MANAGED_SECRETS_BINDING_KEY_ID: kms.bindingKeyId!,
      MANAGED_SECRETS_PREFIX: "ecs/",
      MANAGED_SECRETS_LOG_LEVEL: "silent",
    };
    const saved = { ...process.env };
    for (const k of Object.keys(process.env)) if (/^(ALIBABA_CLOUD_|ALICLOUD_|MANAGED_SECRETS_)/.test(k)) delete process.env[k];
    Object.assign(process.env, env);
    try {
      const summary = JSON.parse(await handler({ triggerName: "rotation-timer", payload: "{}" }, { region: kms.emulator.regionId, requestId: "req-policy", credentials }));
      assert.deepEqual({ ...summary, judgedAt: undefined }, { judgedAt: undefined, rotated: 1, "would-rotate": 0, skipped: 0, failed: 0, "not-attempted": 0, purged: 0, failedSecrets: [] });
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
    const password = JSON.parse((await setup.store.getValue(ecsRoot)).value).Password;
    assert.equal(await loginWith(host, "root", { password }), true);
    Object.assign(host, { rootPassword: password });
    assert.ok(!kms.calls.join("\n").includes(credentials.securityToken) && !kms.calls.join("\n").includes(credentials.accessKeySecret), "no credential in the emulator's log");
  });
});
