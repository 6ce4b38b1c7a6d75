import { strict as assert } from "node:assert";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { unzipSync } from "fflate";
import { RotationRunner } from "../../../sdk/rotation-runner";
import { readFileSync } from "node:fs";
import { RUNNER_API_ACTIONS, PROVIDER_ONLY_ACTIONS, UNAUTHORIZED_ACTIONS } from "../../../provider/alicloud/api-actions";
import { blastRadiusFromEnv } from "../../../provider/runner/blast-radius-env";
import { isFcSchedule, parseRunnerDeployment, runnerPolicyMarkdown, runnerPolicyName, runnerPolicyStatements, runnerRoleName } from "../../../provider/runner/deploy/runner-deployment";
import { mockResources } from "../../support/pulumi-mocks";

const ACCOUNT = "1234567890123456";
const BINDING_KEY = "key-bindings1234";

type Registered = { type: string; name: string; inputs: Record<string, unknown> };

describe("RotationRunner and the root runner stack (pulumi.runtime.setMocks)", () => {
  const registered: Registered[] = [];
  let dir: string;
  let bundlePath: string;

  before(async () => {
    mockResources(
      registered,
      (args) => {
        const extra: Record<string, string> = args.type === "alicloud:ram/role:Role" ? { arn: `acs:ram::123:role/${args.inputs.roleName}` } : {};
        return { id: `${args.name}-id`, state: { ...args.inputs, ...extra } };
      },
      "managed-secrets-runner",
      "prod",
    );
    dir = await mkdtemp(join(tmpdir(), "ms-runner-stack-"));
    bundlePath = join(dir, "index.js");
    await writeFile(bundlePath, "exports.handler = async () => 'bundle';\n");
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function settle<T>(o: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => o.apply(resolve));
  }

  it("deploys role, policy, attachment, function and timer, with exactly the runner's actions", async () => {
    const runner = new RotationRunner("rr", {
      schedule: "@every 15m", region: "cn-hangzhou", secretPrefix: "ecs/", concurrency: 4, bundlePath, accountId: ACCOUNT, bindingKeyId: BINDING_KEY, ramUsers: ["app-*", "ci-deployer"], cloudAssistantInstances: ["i-bp1web*"],
      vpc: { vpcId: "vpc-1", vswitchIds: ["vsw-1"], securityGroupId: "sg-1" },
    });
    assert.equal(await settle(runner.functionName), "managed-secrets-runner");
    assert.equal(await settle(runner.triggerName), "rotation-timer");
    const byType = (t: string) => registered.filter((r) => r.type === t);
    assert.deepEqual(
      registered.filter((r) => r.name.startsWith("rr")).map((r) => r.type).sort(),
      ["alicloud-managed-secrets:index:RotationRunner", "alicloud:fc/v3Function:V3Function", "alicloud:fc/v3Trigger:V3Trigger", "alicloud:ram/policy:Policy", "alicloud:ram/role:Role", "alicloud:ram/rolePolicyAttachment:RolePolicyAttachment"],
    );

    const trust = JSON.parse(byType("alicloud:ram/role:Role")[0]!.inputs.assumeRolePolicyDocument as string);
    assert.deepEqual(trust.Statement[0].Principal, { Service: ["fc.aliyuncs.com"] });

    const policy = JSON.parse(byType("alicloud:ram/policy:Policy")[0]!.inputs.policyDocument as string);
    const granted = [...new Set<string>(policy.Statement.flatMap((s: { Action: string[] }) => s.Action))].sort();
    const expected = Object.entries(RUNNER_API_ACTIONS).flatMap(([p, actions]) => actions.map((a) => `${p}:${a}`)).sort();
    assert.deepEqual(granted, expected, "the policy is exactly the runner's call list");
    for (const [p, actions] of [...Object.entries(PROVIDER_ONLY_ACTIONS), ...Object.entries(UNAUTHORIZED_ACTIONS)]) {
      for (const a of actions) assert.ok(!granted.includes(`${p}:${a}`), `${p}:${a} is not granted`);
    }
    type Stmt = { Action: string[]; Resource: string[] };
    const kmsRam = policy.Statement.filter((s: Stmt) => /^(kms|ram):/.test(s.Action[0]!));
    assert.deepEqual(kmsRam.map((s: Stmt) => [s.Action.length, s.Resource]), [
      [7, [`acs:kms:cn-hangzhou:${ACCOUNT}:secret/ecs/*`]],
      [4, [`acs:kms:cn-hangzhou:${ACCOUNT}:secret/managed-secrets-leases`]],
      [1, ["*"]],
      [3, [`acs:kms:cn-hangzhou:${ACCOUNT}:key/${BINDING_KEY}`]],
      [4, [`acs:ram:*:${ACCOUNT}:user/app-*`, `acs:ram:*:${ACCOUNT}:user/ci-deployer`]],
    ]);
    const runCommand = policy.Statement.find((s: Stmt) => s.Action.includes("ecs:RunCommand"));
    // ECS authorizes RunCommand on the instances and on the command it creates (tests/runner/deploy/runner-policy-cloud-assistant.test.ts).
    assert.deepEqual(runCommand.Resource, [`acs:ecs:cn-hangzhou:${ACCOUNT}:instance/i-bp1web*`, `acs:ecs:cn-hangzhou:${ACCOUNT}:command/*`], "RunCommand only on the configured instances and command/*");
    const lease = policy.Statement[1];
    assert.deepEqual(lease.Action, ["kms:CreateSecret", "kms:GetSecretValue", "kms:PutSecretValue", "kms:ListSecretVersionIds"], "CreateSecret only on the store's lease table");
    assert.deepEqual(policy.Statement[3].Action, ["kms:ListKeyVersions", "kms:GetPublicKey", "kms:AsymmetricSign"], "the binding key's actions on that key alone");
    assert.ok(!JSON.stringify(policy).includes(":*:secret") && !JSON.stringify(policy).includes(":*:user"), "no ARN with * for the account");

    const fn = byType("alicloud:fc/v3Function:V3Function")[0]!.inputs;
    assert.deepEqual([fn.runtime, fn.handler, fn.role], ["nodejs20", "index.handler", "acs:ram::123:role/managed-secrets-runner-role"]);
    assert.deepEqual([fn.memorySize, fn.cpu, fn.logConfig], [512, 0.25, undefined]);
    assert.deepEqual(fn.environmentVariables, { MANAGED_SECRETS_STORE: "kms", MANAGED_SECRETS_CONCURRENCY: "4", MANAGED_SECRETS_PER_HOST: "1", MANAGED_SECRETS_CLOUDMONITOR_EVENTS: "1", MANAGED_SECRETS_PREFIX: "ecs/", MANAGED_SECRETS_BINDING_KEY_ID: BINDING_KEY, MANAGED_SECRETS_LOG_LEVEL: "info" });
    assert.deepEqual(fn.vpcConfig, { vpcId: "vpc-1", vswitchIds: ["vsw-1"], securityGroupId: "sg-1" });
    const zip = unzipSync(Buffer.from((fn.code as { zipFile: string }).zipFile, "base64"));
    assert.deepEqual(Object.keys(zip), ["index.js"]);
    assert.equal(Buffer.from(zip["index.js"]!).toString(), "exports.handler = async () => 'bundle';\n");

    const trigger = byType("alicloud:fc/v3Trigger:V3Trigger")[0]!.inputs;
    assert.equal(trigger.triggerType, "timer");
    const config = JSON.parse(trigger.triggerConfig as string);
    assert.deepEqual(config, { cronExpression: "@every 15m", enable: true, payload: "{}" });
    assert.ok(isFcSchedule(config.cronExpression));
  });

  it("the root stack reads its config and region from stack config", async () => {
    pulumi.runtime.setAllConfig({
      "managed-secrets-runner:schedule": "0 0 */6 * * *",
      "managed-secrets-runner:functionName": "rotator_prod",
      "managed-secrets-runner:accountId": ACCOUNT,
      "managed-secrets-runner:bindingKeyId": BINDING_KEY,
      "managed-secrets-runner:canary": "2",
      "managed-secrets-runner:maxFailures": "10%",
      "managed-secrets-runner:perHost": "2",
      "managed-secrets-runner:ratePerMinute": "30",
      "alicloud:region": "cn-shanghai",
    });
    const { runnerStack } = require("../../../runner-stack/program") as typeof import("../../../runner-stack/program");
    const out = runnerStack(undefined, undefined, bundlePath);
    assert.equal(await settle(out.functionName), "rotator_prod");
    await settle(out.triggerName);
    const trigger = registered.filter((r) => r.type === "alicloud:fc/v3Trigger:V3Trigger" && r.name === "rotation-runner-timer")[0]!;
    assert.equal(JSON.parse(trigger.inputs.triggerConfig as string).cronExpression, "0 0 */6 * * *");
    // FC accepts "_" in function names; RAM role and policy names do not.
    const role = registered.find((r) => r.type === "alicloud:ram/role:Role" && r.name === "rotation-runner-role")!;
    assert.match(role.inputs.roleName as string, /^rotator-prod-[0-9a-f]{8}-role$/);
    // The blast radius reaches the function as the CLI flags' syntax, read back by the same parsers.
    const fn = registered.find((r) => r.type === "alicloud:fc/v3Function:V3Function" && r.name === "rotation-runner-function")!;
    const env = fn.inputs.environmentVariables as Record<string, string>;
    assert.deepEqual(
      { canary: env.MANAGED_SECRETS_CANARY, maxFailures: env.MANAGED_SECRETS_MAX_FAILURES, perHost: env.MANAGED_SECRETS_PER_HOST, rate: env.MANAGED_SECRETS_RATE },
      { canary: "2", maxFailures: "10%", perHost: "2", rate: "30/min" },
    );
    assert.deepEqual(blastRadiusFromEnv(env), { canary: 2, maxFailures: { percent: 10 }, perHost: 2, ratePerMinute: 30 });
  });

  it("with alarmContactGroup, a CloudMonitor custom-event rule pages the contact group on a failed rotation (the group created from alarmContacts)", async () => {
    const runner = new RotationRunner("ra", {
      schedule: "@every 15m", region: "cn-hangzhou", accountId: ACCOUNT, bindingKeyId: BINDING_KEY, bundlePath, functionName: "rotator-alarm",
      cloudMonitorGroupId: "123456", alarmContactGroup: "secrets-oncall", alarmContacts: ["alice", "bob"], alarmLevel: "WARN",
    });
    assert.equal(await settle(runner.alarmRuleName), "rotator-alarm-rotation-failed");
    await settle(runner.functionName);
    const mine = registered.filter((r) => r.name.startsWith("ra-"));
    const group = mine.find((r) => r.type === "alicloud:cms/alarmContactGroup:AlarmContactGroup")!;
    assert.deepEqual(group.inputs, { alarmContactGroupName: "secrets-oncall", contacts: ["alice", "bob"], describe: "managed-secrets rotation failures" });
    assert.equal(mine.filter((r) => r.type === "alicloud:cms/eventRule:EventRule").length, 0, "no event rule: one cannot see custom events");
    // The rule is a dynamic resource whose provider calls PutCustomEventRule (tests/runner/deploy/runner-alarm.test.ts runs it).
    const rule = mine.find((r) => r.name === "ra-alarm")!;
    assert.equal(rule.type, "pulumi-nodejs:dynamic/alicloud-managed-secrets:RunnerAlarm");
    const { __provider: provider, ...inputs } = rule.inputs;
    assert.deepEqual(inputs, {
      region: "cn-hangzhou",
      groupId: "123456",
      ruleId: "rotator-alarm-rotation-failed",
      ruleName: "rotator-alarm-rotation-failed",
      eventName: "ManagedSecretsRotationFailed",
      contactGroups: ["secrets-oncall"],
      level: "WARN",
      threshold: 1,
      periodSeconds: 60,
    });
    assert.match(String(provider), /alicloud-managed-secrets\/runtime/);
    assert.match(String(provider), /runnerAlarm/);
    // The rule's group is the one the runner's failure events carry.
    const fn = mine.find((r) => r.type === "alicloud:fc/v3Function:V3Function")!;
    assert.equal((fn.inputs.environmentVariables as Record<string, string>).MANAGED_SECRETS_CLOUDMONITOR_GROUP_ID, "123456");

    const other = new RotationRunner("rb", { schedule: "@every 15m", region: "cn-hangzhou", accountId: ACCOUNT, bindingKeyId: BINDING_KEY, bundlePath, functionName: "rotator-existing", alarmContactGroup: "ops" });
    await settle(other.alarmRuleName);
    const existing = registered.filter((r) => r.name.startsWith("rb-"));
    assert.equal(existing.filter((r) => r.type === "alicloud:cms/alarmContactGroup:AlarmContactGroup").length, 0, "an existing group is referenced, not declared");
    const otherRule = existing.find((r) => r.name === "rb-alarm")!;
    assert.deepEqual([otherRule.inputs.level, otherRule.inputs.groupId], ["CRITICAL", "0"], "CRITICAL (the default) calls; no application group");
  });

  it("role and policy names valid in RAM for any function name FC accepts; memory, CPU, CRON_TZ and log settings as FC takes them", () => {
    const base = { schedule: "@every 15m", region: "cn-hangzhou", accountId: ACCOUNT, bindingKeyId: BINDING_KEY };
    for (const functionName of ["managed-secrets-runner", "rotator_prod", "_x", `a${"_".repeat(63)}`, `r${"x".repeat(63)}`]) {
      const d = parseRunnerDeployment({ ...base, functionName });
      assert.match(runnerRoleName(d), /^[A-Za-z0-9.-]{1,64}$/, functionName);
      assert.match(runnerPolicyName(d), /^[A-Za-z0-9-]{1,128}$/, functionName);
    }
    assert.notEqual(runnerRoleName({ functionName: "a_b" }), runnerRoleName({ functionName: "a-b-" }));
    assert.equal(runnerRoleName({ functionName: "plain-name" }), "plain-name-role");

    assert.equal(parseRunnerDeployment({ ...base, memorySize: 1024, cpu: 1 }).cpu, 1);
    assert.ok(isFcSchedule("CRON_TZ=Asia/Shanghai 0 0 4 1 * *"));
    assert.ok(!isFcSchedule("CRON_TZ=Mars/Olympus 0 0 4 1 * *"));
    assert.ok(!isFcSchedule("CRON_TZ=Asia/Shanghai @every 5m"));

    const logged = parseRunnerDeployment({ ...base, logProject: "ops-logs", logStore: "managed_secrets" });
    assert.deepEqual(runnerPolicyStatements(logged).find((s) => s.Action.includes("log:PostLogStoreLogs"))?.Resource, [
      `acs:log:cn-hangzhou:${ACCOUNT}:project/ops-logs/logstore/managed_secrets`,
    ]);
  });

  it("an ECS-only runner gets no RAM permission; a configured encryption key gets kms:Decrypt and kms:GenerateDataKey on it alone", () => {
    const ecsOnly = runnerPolicyStatements(parseRunnerDeployment({ schedule: "@every 15m", region: "cn-hangzhou", accountId: ACCOUNT, bindingKeyId: BINDING_KEY }));
    assert.ok(ecsOnly.every((s) => s.Action.every((a) => a.startsWith("kms:") || a === "cms:PutCustomEvent")), `no RAM and no Cloud Assistant permission by default (CloudMonitor events only): ${JSON.stringify(ecsOnly)}`);
    assert.deepEqual(ecsOnly[0]!.Resource, [`acs:kms:cn-hangzhou:${ACCOUNT}:secret/*`]);
    const keyed = runnerPolicyStatements(
      parseRunnerDeployment({ schedule: "@every 15m", region: "cn-hangzhou", accountId: ACCOUNT, bindingKeyId: BINDING_KEY, dkmsInstanceId: "kst-abc", encryptionKeyId: "key-abc" }),
    );
    assert.deepEqual(keyed.find((s) => s.Action.includes("kms:Decrypt")), {
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: [`acs:kms:cn-hangzhou:${ACCOUNT}:key/key-abc`],
    });
  });

  it("examples/runner-stack/README.md shows the policy the code generates", () => {
    const readme = readFileSync(join(__dirname, "..", "..", "..", "examples", "runner-stack", "README.md"), "utf8");
    const block = /<!-- runner-policy:begin[^>]*-->\n([\s\S]*?)\n<!-- runner-policy:end -->/.exec(readme)?.[1];
    assert.equal(block, runnerPolicyMarkdown(), "regenerate the README table with runnerPolicyMarkdown()");
  });

  it("bad settings fail before anything is declared, naming the setting and what is allowed", () => {
    const base = { schedule: "@every 15m", region: "cn-hangzhou", accountId: ACCOUNT, bindingKeyId: BINDING_KEY };
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ schedule: "@every 15m", region: "cn-hangzhou", bindingKeyId: BINDING_KEY }, /: accountId is required: the Alibaba Cloud account id/],
      [{ schedule: "@every 15m", region: "cn-hangzhou", accountId: ACCOUNT }, /: bindingKeyId is required: the id of the EC_P256 SIGN\/VERIFY key \(key-\.\.\.\) the stacks declaring the secrets set as managed-secrets:bindingKeyId/],
      [{ ...base, bindingKeyId: "alias/bindings" }, /: bindingKeyId must be the id of the EC_P256 SIGN\/VERIFY key \(key-\.\.\.\)/],
      [{ ...base, accountId: "*" }, /: accountId must be the Alibaba Cloud account id: 10 to 20 digits/],
      [{ ...base, ramUsers: ["*"] }, /: ramUsers\.0 must not match every RAM user \(administrators included\)/],
      [{ ...base, ramUsers: ["app user"] }, /: ramUsers\.0 must be RAM user names or name patterns/],
      [{ ...base, ramUsers: "app-*" }, /: ramUsers must be a list of RAM user names/],
      [{ ...base, cloudAssistantInstances: ["web-1"] }, /: cloudAssistantInstances\.0 must be ECS instance ids or id patterns/],
      [{ ...base, memorySize: 500 }, /: memorySize must be an integer number of MB from 128 to 32768, a multiple of 64/],
      [{ ...base, memorySize: 64 }, /: memorySize must be an integer number of MB from 128/],
      [{ ...base, cpu: 0.07 }, /: cpu must be vCPUs from 0.05 to 16 in steps of 0.05/],
      [{ ...base, memorySize: 512, cpu: 1 }, /: cpu must be between 1\/4 and 1 vCPU per GB of memorySize/],
      [{ ...base, memorySize: 4096, cpu: 0.5 }, /: cpu must be between 1\/4 and 1 vCPU per GB/],
      [{ ...base, schedule: "CRON_TZ=Nowhere/Land 0 0 4 * * *" }, /: schedule must be .*CRON_TZ=<IANA zone>/],
      [{ ...base, logProject: "ops-logs" }, /: logStore and logProject go together/],
      [{ ...base, logProject: "Ops_Logs", logStore: "x1" }, /: logProject must be a Simple Log Service project name: 3-63 lowercase/],
      [{ schedule: "every 15 minutes", region: "cn-hangzhou" }, /: schedule must be "@every <n>m\|h"/],
      [{ schedule: "@every 30s", region: "cn-hangzhou" }, /: schedule must be/],
      [{ schedule: "0 */15 * * *", region: "cn-hangzhou" }, /: schedule must be .*six-field cron/],
      [{ schedule: "@every 15m", region: "Hangzhou" }, /: region must be a region id/],
      [{ schedule: "@every 15m", region: "cn-hangzhou", concurrency: 0 }, /: concurrency must be an integer 1\.\.64/],
      [{ schedule: "@every 15m", region: "cn-hangzhou", vpc: { vpcId: "vpc-1" } }, /: vpc\.vswitchIds/],
      [{ schedule: "@every 15m", region: "cn-hangzhou", functionName: "9lives" }, /: functionName must start with a letter/],
      [{ ...base, canary: 0 }, /: canary must be an integer 1\.\.1000/],
      [{ ...base, maxFailures: "0" }, /: maxFailures must be a number of failures 1\.\.100000 or a percentage/],
      [{ ...base, maxFailures: "110%" }, /: maxFailures must be a number of failures/],
      [{ ...base, maxFailures: 3 }, /: maxFailures must be a number of failures/],
      [{ ...base, perHost: 0 }, /: perHost must be an integer 1\.\.64/],
      [{ ...base, ratePerMinute: 0 }, /: ratePerMinute must be rotations per minute/],
      [{ ...base, alarmContactGroup: "ops", cloudMonitorEvents: false }, /: alarmContactGroup needs cloudMonitorEvents/],
      [{ ...base, alarmContacts: ["alice"] }, /: alarmContacts needs alarmContactGroup/],
      [{ ...base, alarmContactGroup: "ops", alarmLevel: "LOUD" }, /: alarmLevel must be one of CRITICAL, WARN, INFO/],
      [{ ...base, alarmContactGroup: "a/b" }, /: alarmContactGroup must be a CloudMonitor alarm contact group name/],
      [{ ...base, alarmContactGroup: "ops", alarmSilenceSeconds: 600 }, /: alarmSilenceSeconds no longer applies: the alarm is a CloudMonitor custom-event rule \(PutCustomEventRule\), which has no silence period; remove it/],
      [{ ...base, cloudMonitorGroupId: "grp" }, /: cloudMonitorGroupId must be a CloudMonitor application group id/],
    ];
    for (const [input, message] of bad) assert.throws(() => parseRunnerDeployment(input), message, JSON.stringify(input));
    assert.throws(() => new RotationRunner("bad", { schedule: "never", region: "cn-hangzhou", accountId: ACCOUNT, bindingKeyId: BINDING_KEY, bundlePath }), /schedule must be/);
    assert.equal(registered.filter((r) => r.name.startsWith("bad-")).length, 0);
  });
});
