import * as pulumi from "@pulumi/pulumi";
import { RotationRunner } from "../sdk/rotation-runner";

/**
 * The root stack: one RotationRunner from stack config. Region is the
 * alicloud provider's own `alicloud:region`, so one setting drives both.
 */
export function runnerStack(config = new pulumi.Config("managed-secrets-runner"), cloud = new pulumi.Config("alicloud"), bundlePath?: string) {
  const vpcId = config.get("vpcId");
  const runner = new RotationRunner("rotation-runner", {
    schedule: config.require("schedule"),
    region: cloud.require("region"),
    concurrency: config.getNumber("concurrency"),
    canary: config.getNumber("canary"),
    maxFailures: config.get("maxFailures"),
    perHost: config.getNumber("perHost"),
    ratePerMinute: config.getNumber("ratePerMinute"),
    cloudMonitorEvents: config.getBoolean("cloudMonitorEvents"),
    cloudMonitorGroupId: config.get("cloudMonitorGroupId"),
    alarmContactGroup: config.get("alarmContactGroup"),
    alarmContacts: config.getObject<string[]>("alarmContacts"),
    alarmLevel: config.get("alarmLevel") as "CRITICAL" | "WARN" | "INFO" | undefined,
    // No longer a setting (the alarm's rule has no silence period): passed on as given, so that a stack that still sets it is told why.
    alarmSilenceSeconds: config.get("alarmSilenceSeconds") as undefined,
    secretPrefix: config.get("secretPrefix"),
    functionName: config.get("functionName"),
    dkmsInstanceId: config.get("dkmsInstanceId"),
    encryptionKeyId: config.get("encryptionKeyId"),
    bindingKeyId: config.require("bindingKeyId"),
    accountId: config.require("accountId"),
    memorySize: config.getNumber("memorySize"),
    cpu: config.getNumber("cpu"),
    logProject: config.get("logProject"),
    logStore: config.get("logStore"),
    ramUsers: config.getObject<string[]>("ramUsers"),
    cloudAssistantInstances: config.getObject<string[]>("cloudAssistantInstances"),
    bundlePath,
    vpc:
      vpcId === undefined
        ? undefined
        : { vpcId, vswitchIds: config.requireObject<string[]>("vswitchIds"), securityGroupId: config.require("securityGroupId") },
  });
  return { functionName: runner.functionName, roleArn: runner.roleArn, triggerName: runner.triggerName, alarmRuleName: runner.alarmRuleName };
}
