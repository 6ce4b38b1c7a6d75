import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type * as alicloud from "@pulumi/alicloud";
import type { RunnerDeploymentInput } from "./types";
import { ManagedSecretsError } from "../provider/core/errors";
import { lazy } from "../provider/core/lazy";
import { RunnerAlarm } from "./runner-alarm";

// Loaded on first use, for the RotationRunner alone (provider/core/lazy.ts says what that buys every other program).
const runnerDeployment = lazy(() => require("../provider/runner/deploy/runner-deployment") as typeof import("../provider/runner/deploy/runner-deployment"));
const runnerAlarm = lazy(() => require("../provider/runner/deploy/runner-alarm") as typeof import("../provider/runner/deploy/runner-alarm"));
const fflate = lazy(() => require("fflate") as typeof import("fflate"));
const pulumiAlicloud = lazy(() => require("@pulumi/alicloud") as typeof alicloud);

/**
 * Deploys the rotation runner to Function Compute: a RAM role only FC may
 * assume, a policy granting exactly the actions the runner calls (generated
 * from provider/alicloud/api-actions.ts), the function (Node.js 20, the
 * one-file bundle, the KMS store), and a timer trigger. Optional VPC settings
 * let it reach instances on their private addresses.
 *
 * @pulumi/alicloud is an optional peer dependency, loaded only here.
 */

export interface RotationRunnerArgs extends RunnerDeploymentInput {
  /** The bundled handler (`npm run bundle`); defaults to the package's dist/fc/index.js. */
  readonly bundlePath?: string;
}

export class RotationRunner extends pulumi.ComponentResource {
  declare readonly functionName: pulumi.Output<string>;
  declare readonly roleArn: pulumi.Output<string>;
  declare readonly policyName: pulumi.Output<string>;
  declare readonly triggerName: pulumi.Output<string>;
  /** The CloudMonitor custom-event rule that alarms on failed rotations, when alarmContactGroup is set. */
  declare readonly alarmRuleName: pulumi.Output<string | undefined>;

  constructor(name: string, args: RotationRunnerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("alicloud-managed-secrets:index:RotationRunner", name, {}, opts);
    const deployment = runnerDeployment();
    const { bundlePath, ...settings } = args;
    const d = deployment.parseRunnerDeployment(settings);
    const cloud = loadAlicloud();
    const child = { parent: this };

    const role = new cloud.ram.Role(`${name}-role`, {
      roleName: deployment.runnerRoleName(d),
      assumeRolePolicyDocument: deployment.fcTrustPolicy(),
      description: "Assumed by Function Compute to run managed-secrets rotations",
    }, child);
    const policy = new cloud.ram.Policy(`${name}-policy`, {
      policyName: deployment.runnerPolicyName(d),
      policyDocument: deployment.runnerPolicyDocument(d),
      description: "Exactly what the managed-secrets runner calls, on the secrets, keys and RAM users it manages",
    }, child);
    new cloud.ram.RolePolicyAttachment(`${name}-attach`, { policyName: policy.policyName, policyType: "Custom", roleName: role.roleName }, child);

    const fn = new cloud.fc.V3Function(`${name}-function`, {
      functionName: d.functionName,
      description: "managed-secrets rotation runner",
      runtime: "nodejs20",
      handler: "index.handler",
      code: { zipFile: zipBundle(bundlePath ?? defaultBundlePath()) },
      role: role.arn,
      timeout: d.timeoutSeconds,
      memorySize: d.memorySize,
      cpu: deployment.runnerCpu(d),
      ...(deployment.runnerLogConfig(d) ? { logConfig: deployment.runnerLogConfig(d) } : {}),
      environmentVariables: deployment.runnerEnvironment(d),
      ...(d.vpc
        ? { vpcConfig: { vpcId: d.vpc.vpcId, vswitchIds: d.vpc.vswitchIds, securityGroupId: d.vpc.securityGroupId } }
        : {}),
    }, { ...child, dependsOn: [policy] });

    const trigger = new cloud.fc.V3Trigger(`${name}-timer`, {
      functionName: fn.functionName,
      qualifier: "LATEST",
      triggerName: "rotation-timer",
      triggerType: "timer",
      triggerConfig: deployment.timerTriggerConfig(d),
      description: `runs the rotation runner ${d.schedule}`,
    }, child);

    const alarm = runnerAlarm().alarmRule(d);
    let rule: RunnerAlarm | undefined;
    if (alarm) {
      // With contacts, the group is this stack's; without, it is an existing group named in config.
      const group = d.alarmContacts
        ? new cloud.cms.AlarmContactGroup(`${name}-alarm-contacts`, { alarmContactGroupName: d.alarmContactGroup!, contacts: [...d.alarmContacts], describe: "managed-secrets rotation failures" }, child)
        : undefined;
      // A custom-event rule, which no Pulumi resource declares (runner-alarm.ts says why not cms.EventRule).
      rule = new RunnerAlarm(`${name}-alarm`, alarm, { ...child, ...(group ? { dependsOn: [group] } : {}) });
    }

    this.functionName = fn.functionName;
    this.roleArn = role.arn;
    this.policyName = policy.policyName;
    this.triggerName = trigger.triggerName;
    this.alarmRuleName = rule ? rule.ruleName.apply((n) => n as string | undefined) : pulumi.output(undefined);
    this.registerOutputs({ functionName: this.functionName, roleArn: this.roleArn, policyName: this.policyName, triggerName: this.triggerName, alarmRuleName: this.alarmRuleName });
  }
}

function defaultBundlePath(): string {
  return join(dirname(require.resolve("alicloud-managed-secrets/package.json")), "dist", "fc", "index.js");
}

/** FC takes code as a base64 zip; the handler file must be index.js at its root. */
function zipBundle(path: string): string {
  if (!existsSync(path)) {
    throw new Error(`the runner bundle ${path} does not exist: run \`npm run bundle\` (npm run build does it too)`);
  }
  const { zipSync } = fflate();
  return Buffer.from(zipSync({ "index.js": readFileSync(path) }, { level: 9, mtime: new Date("2020-01-01T00:00:00Z") })).toString("base64");
}

/**
 * @pulumi/alicloud is an optional peer: most programs only declare secrets and
 * should not pull in a 100 MB provider SDK. Without it, say what to install
 * rather than Node's bare "Cannot find module".
 */
function loadAlicloud(): typeof alicloud {
  try {
    return pulumiAlicloud();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND" || !String((e as Error).message).includes("@pulumi/alicloud")) throw e;
    throw new ManagedSecretsError(
      "MissingDependency",
      "RotationRunner deploys with @pulumi/alicloud, an optional peer dependency that is not installed: run npm install @pulumi/alicloud@^3.100.0 in the Pulumi project",
    );
  }
}
