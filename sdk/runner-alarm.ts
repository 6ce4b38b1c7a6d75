import * as pulumi from "@pulumi/pulumi";
import { providerShim } from "../provider/resources/provider-shim";
import type { RunnerAlarmOutputs } from "../provider/resources/resource-entry";
import type { AlarmRule } from "../provider/runner/deploy/runner-alarm";

/** The alarm's dynamic provider: the serialized shim over the runtime's `runnerAlarm` entry. */
const runnerAlarmProvider = providerShim<RunnerAlarmOutputs>("runnerAlarm");

/**
 * The RotationRunner's alarm: a CloudMonitor custom-event rule on the
 * runner's failed rotations (provider/runner/deploy/runner-alarm.ts says why
 * this and not alicloud.cms.EventRule), declared as a dynamic resource since
 * no Pulumi resource declares one. Declared by RotationRunner, not by programs.
 */
export class RunnerAlarm extends pulumi.dynamic.Resource {
  declare readonly ruleId: pulumi.Output<string>;
  declare readonly ruleName: pulumi.Output<string>;

  constructor(name: string, rule: AlarmRule, opts?: pulumi.CustomResourceOptions) {
    super(runnerAlarmProvider, name, { ...rule, contactGroups: [...rule.contactGroups] }, opts, "alicloud-managed-secrets", "RunnerAlarm");
  }
}
