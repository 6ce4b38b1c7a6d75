import { strict as assert } from "node:assert";
import { startSshHost, requireRootForHosts, type StartedSshHost } from "../../../testkit/sshd/ssh-host";
import { createRunningTestClock, DAY_MS } from "../../../testkit/clock/test-clock";
import { startKmsEmulatorStore, type KmsEmulatorStore } from "../../../testkit/store/kms-emulator-store";
import * as ecs from "../../../provider/resources/ecs-secret/ecs-secret-handler";
import type { RuntimeContext } from "../../../provider/context/runtime-context";
import { openApiConfig, type CloudSettings } from "../../../provider/alicloud/cloud-settings";
import { createKmsClient } from "../../../provider/alicloud/kms-client";
import { KmsSecretStore } from "../../../provider/store/kms/kms-store";
import { NO_WAIT } from "../../../testkit/store/kms-emulator-store";
import { runOnce } from "../../../provider/runner/run-once";
import { MAX_JITTER_MS } from "../../../provider/schedule/due";
import { parseRunnerDeployment, runnerPolicyStatements, type PolicyStatement } from "../../../provider/runner/deploy/runner-deployment";
import { targetRegistry, targetFromMetadata } from "../../../provider/context/runtime-context";
import { sha512Crypt } from "../../../provider/targets/ecs-host/sha512-crypt";

/**
 * Issue 26 item 6: a Cloud Assistant runner under exactly the policy
 * RotationRunner deploys. ECS authorizes RunCommand on every instance it
 * targets and on the command it creates, acs:ecs:<region>:<account>:command/*
 * (ECS's RAM authorization table; KMS's own service role for ECS secrets is
 * granted instance/* and command/... alike), and the emulator checks both.
 */
describe("The runner's generated RAM policy with Cloud Assistant, enforced by the emulator (role credentials, real sshd)", function () {
  this.timeout(120_000);
  const instanceId = "i-policyca1";
  const clock = createRunningTestClock();
  let host: StartedSshHost;
  let kms: KmsEmulatorStore;
  let setup: RuntimeContext;
  const savedPoll = process.env.MANAGED_SECRETS_CLOUD_ASSISTANT_POLL_MS;
  const FC_TRUST = { Version: "1", Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Principal: { Service: ["fc.aliyuncs.com"] } }] };

  before(async function () {
    requireRootForHosts();
    process.env.MANAGED_SECRETS_CLOUD_ASSISTANT_POLL_MS = "50";
    host = await startSshHost();
    kms = await startKmsEmulatorStore({ clock });
    kms.emulator.control.registerInstance({ instanceId, privateIp: host.host, nsPid: host.nsPid });
    setup = { store: kms.store, clock, targets: targetRegistry(), owner: "setup", cloud: () => kms.cloud };
    await ecs.create(
      { instanceId, managedUser: "root", credentialType: "password", initialValue: host.rootPassword, connection: { transport: "cloudAssistant", region: kms.emulator.regionId }, rotationPeriod: "7d" },
      setup,
    );
  });
  after(async () => {
    if (savedPoll === undefined) delete process.env.MANAGED_SECRETS_CLOUD_ASSISTANT_POLL_MS;
    else process.env.MANAGED_SECRETS_CLOUD_ASSISTANT_POLL_MS = savedPoll;
    await kms?.dispose();
    await host?.stop();
  });

  let roles = 0;
  function runnerUnder(statements: PolicyStatement[]): RuntimeContext {
    const name = `ca-runner-${++roles}`;
    kms.emulator.control.createPolicy({ name: `${name}-policy`, document: { Version: "1", Statement: statements } });
    kms.emulator.control.createRole({ name: `${name}-role`, trustPolicy: FC_TRUST });
    kms.emulator.control.attachPolicyToRole(`${name}-role`, `${name}-policy`);
    const creds = kms.emulator.control.serviceRoleCredentials({ roleName: `${name}-role`, sessionName: "fc-runner" });
    const cloud: CloudSettings = { ...kms.cloud, accessKeyId: creds.accessKeyId, accessKeySecret: creds.accessKeySecret, securityToken: creds.securityToken };
    const store = new KmsSecretStore({ client: () => createKmsClient(openApiConfig(cloud, "kms.invalid"), NO_WAIT), clock, bindingKeyId: kms.bindingKeyId, boundKeys: targetRegistry().boundKeys });
    return { store, clock, targets: targetRegistry(), owner: "fc:runner", cloud: () => cloud };
  }
  const deployment = () =>
    parseRunnerDeployment({ schedule: "@every 15m", region: kms.emulator.regionId, accountId: kms.emulator.accountId, bindingKeyId: kms.bindingKeyId!, cloudAssistantInstances: [instanceId] });
  const pass = (ctx: RuntimeContext) =>
    runOnce({ store: ctx.store, clock, owner: ctx.owner, targetFor: (m) => targetFromMetadata(m, ctx), retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0, sleep: async () => undefined } });
  const name = `ecs/${instanceId}/root`;

  it("grants RunCommand on the configured instances and on command/*: the runner rotates through Cloud Assistant", async () => {
    const runCommand = runnerPolicyStatements(deployment()).find((s) => s.Action.includes("ecs:RunCommand"))!;
    assert.deepEqual(runCommand.Resource, [
      `acs:ecs:${kms.emulator.regionId}:${kms.emulator.accountId}:instance/${instanceId}`,
      `acs:ecs:${kms.emulator.regionId}:${kms.emulator.accountId}:command/*`,
    ]);
    clock.advance(8 * DAY_MS + MAX_JITTER_MS);
    const report = await pass(runnerUnder(runnerPolicyStatements(deployment())));
    assert.deepEqual(report.outcomes.map((o) => [o.name, o.status, o.reason]), [[name, "rotated", report.outcomes[0]!.reason]], JSON.stringify(report.outcomes));
    const password = JSON.parse((await kms.store.getValue(name)).value).Password as string;
    const hash = (await host.readFile("/etc/shadow")).split("\n").find((l) => l.startsWith("root:"))!.split(":")[1]!;
    assert.equal(sha512Crypt(password, hash), hash, "the instance took the new password");
  });

  it("without command/* the emulator refuses RunCommand, as ECS does, and the rotation fails naming the permission", async () => {
    const instancesOnly = runnerPolicyStatements(deployment()).map((s) =>
      s.Action.includes("ecs:RunCommand") ? { ...s, Resource: s.Resource.filter((r) => !r.endsWith(":command/*")) } : s,
    );
    clock.advance(8 * DAY_MS + MAX_JITTER_MS);
    const mark = kms.calls.length;
    const report = await pass(runnerUnder(instancesOnly));
    assert.deepEqual(report.outcomes.map((o) => [o.name, o.status]), [[name, "failed"]]);
    assert.match(report.outcomes[0]!.reason, /^CloudRejected: ECS RunCommand/);
    assert.ok(kms.calls.slice(mark).some((l) => /^Ecs\.RunCommand 403 /.test(l)), "the emulator refused it");
  });
});
