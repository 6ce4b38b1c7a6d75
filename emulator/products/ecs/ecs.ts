import type { ProductSpec } from "../../gateway/product";
import { describeCloudAssistantStatus, describeInvocationResults, describeInvocations } from "./cloud-assistant";
import { runCommand } from "./run-command";
import { describeInstances } from "./describe-instances";
import { ecsErrors } from "./ecs-errors";

export const ecsProduct: ProductSpec = {
  code: "Ecs",
  ramNamespace: "ecs",
  version: "2014-05-26",
  hostId: (regionId) => `ecs.${regionId}.aliyuncs.com`,
  noPermission: ecsErrors.noPermission,
  throttling: ecsErrors.throttling,
  actions: {
    DescribeInstances: describeInstances,
    RunCommand: runCommand,
    DescribeInvocationResults: describeInvocationResults,
    DescribeInvocations: describeInvocations,
    DescribeCloudAssistantStatus: describeCloudAssistantStatus,
  },
};
