import { isoSeconds } from "../../core/clock";
import { gatewayErrors } from "../../gateway/gateway-errors";
import type { InvocationRecord } from "../../state/state-types";
import { flatList, optional, pageParams, paginate } from "../../gateway/params";
import type { ActionContext, ActionSpec } from "../../gateway/product";
import { DESCRIBE_INVOCATION_RESULTS_PAGE_SIZE_MAX } from "./ecs-errors";

/** ContentEncoding, PlainText or Base64 (each action has its own default): true for PlainText. */
export function isPlainText(ctx: ActionContext, byDefault: "PlainText" | "Base64"): boolean {
  const encoding = optional(ctx.params, "ContentEncoding") ?? byDefault;
  if (encoding !== "PlainText" && encoding !== "Base64") throw gatewayErrors.invalidParameter("ContentEncoding");
  return encoding === "PlainText";
}

const INVOCATION_PAGE_SIZE = { min: 1, max: DESCRIBE_INVOCATION_RESULTS_PAGE_SIZE_MAX, default: 10 };

function resultView(r: InvocationRecord, plainText: boolean) {
  return {
    CommandId: r.commandId,
    InvokeId: r.invokeId,
    InstanceId: r.instanceId,
    InvocationStatus: r.invocationStatus,
    InvokeRecordStatus: r.invokeRecordStatus,
    ExitCode: r.exitCode,
    ErrorCode: r.errorCode,
    ErrorInfo: r.errorInfo,
    Output: plainText ? Buffer.from(r.outputBase64, "base64").toString("utf8") : r.outputBase64,
    Dropped: r.dropped,
    StartTime: r.startTime ?? "",
    FinishedTime: r.finishedTime ?? "",
    StopTime: "",
    Repeats: 1,
    Username: r.username,
    ContainerId: "",
    ContainerName: "",
  };
}

export const describeInvocationResults: ActionSpec = {
  required: ["RegionId"],
  handle(ctx) {
    const plain = isPlainText(ctx, "Base64");
    const { pageNumber, pageSize } = pageParams(ctx.params, INVOCATION_PAGE_SIZE, gatewayErrors.invalidParameter);
    const { InvokeId, InstanceId, CommandId, InvokeRecordStatus, RegionId } = ctx.params;
    const matches = Object.values(ctx.state.data.invocations).filter(
      (r) =>
        r.regionId === RegionId &&
        (!InvokeId || r.invokeId === InvokeId) &&
        (!InstanceId || r.instanceId === InstanceId) &&
        (!CommandId || r.commandId === CommandId) &&
        (!InvokeRecordStatus || r.invokeRecordStatus === InvokeRecordStatus),
    );
    return {
      Invocation: {
        PageNumber: pageNumber,
        PageSize: pageSize,
        TotalCount: matches.length,
        InvocationResults: {
          InvocationResult: paginate(matches, pageNumber, pageSize).map((r) => resultView(r, plain)),
        },
      },
    };
  },
};

/**
 * DescribeInvocations: one entry per RunCommand, with the content and
 * parameters as kept by the service (what a reader of the account's
 * Cloud Assistant history sees) and each instance's output.
 */
export const describeInvocations: ActionSpec = {
  required: ["RegionId"],
  handle(ctx) {
    const plain = isPlainText(ctx, "Base64");
    const includeOutput = optional(ctx.params, "IncludeOutput") === "true";
    const { pageNumber, pageSize } = pageParams(ctx.params, INVOCATION_PAGE_SIZE, gatewayErrors.invalidParameter);
    const { InvokeId, InstanceId, CommandName, InvokeStatus, RegionId } = ctx.params;
    const byInvoke = new Map<string, InvocationRecord[]>();
    for (const r of Object.values(ctx.state.data.invocations)) {
      if (r.regionId !== RegionId || (InvokeId && r.invokeId !== InvokeId) || (CommandName && r.commandName !== CommandName)) continue;
      byInvoke.set(r.invokeId, [...(byInvoke.get(r.invokeId) ?? []), r]);
    }
    const invocations = [...byInvoke.values()]
      .filter((rs) => !InstanceId || rs.some((r) => r.instanceId === InstanceId))
      .map((rs) => ({ rs, status: aggregate(rs) }))
      .filter(({ status }) => !InvokeStatus || status === InvokeStatus)
      .sort((a, b) => (b.rs[0]!.creationTime ?? "").localeCompare(a.rs[0]!.creationTime ?? ""));
    const text = (b64: string) => (plain ? Buffer.from(b64, "base64").toString("utf8") : b64);
    return {
      TotalCount: invocations.length,
      PageNumber: pageNumber,
      PageSize: pageSize,
      Invocations: {
        Invocation: paginate(invocations, pageNumber, pageSize).map(({ rs, status }) => {
          const first = rs[0]!;
          return {
            InvokeId: first.invokeId,
            CommandId: first.commandId,
            CommandName: first.commandName ?? "",
            CommandType: first.commandType ?? "RunShellScript",
            CommandContent: text(first.commandContentBase64 ?? ""),
            Parameters: first.parameters ?? "{}",
            InvokeStatus: status,
            InvocationStatus: status,
            Username: first.username,
            Timeout: first.timeoutSeconds,
            CreationTime: first.creationTime ?? "",
            Timed: false,
            RepeatMode: "Once",
            InvokeInstances: {
              InvokeInstance: rs.map((r) => ({
                InstanceId: r.instanceId,
                InvocationStatus: r.invocationStatus,
                InstanceInvokeStatus: r.invokeRecordStatus,
                ExitCode: r.exitCode,
                ErrorCode: r.errorCode,
                ErrorInfo: r.errorInfo,
                Output: includeOutput ? text(r.outputBase64) : "",
                Dropped: r.dropped,
                StartTime: r.startTime ?? "",
                FinishTime: r.finishedTime ?? "",
              })),
            },
          };
        }),
      },
    };
  },
};

function aggregate(rs: readonly InvocationRecord[]): string {
  if (rs.some((r) => r.invokeRecordStatus === "Running")) return "Running";
  const ok = rs.filter((r) => r.invocationStatus === "Success").length;
  return ok === rs.length ? "Finished" : ok === 0 ? "Failed" : "PartialFailed";
}

/** DescribeCloudAssistantStatus: whether the agent answers, per instance, as the docs advise checking before RunCommand. */
export const describeCloudAssistantStatus: ActionSpec = {
  required: ["RegionId"],
  handle(ctx) {
    const ids = flatList(ctx.params, "InstanceId");
    const matches = Object.values(ctx.state.data.instances).filter(
      (i) => i.regionId === ctx.params.RegionId && (ids.length === 0 || ids.includes(i.instanceId)),
    );
    return {
      TotalCount: matches.length,
      PageNumber: 1,
      PageSize: Math.max(matches.length, 1),
      InstanceCloudAssistantStatusSet: {
        InstanceCloudAssistantStatus: matches.map((i) => {
          const online = i.cloudAssistantOnline !== false && i.status === "Running";
          const runs = Object.values(ctx.state.data.invocations).filter((r) => r.instanceId === i.instanceId);
          return {
            InstanceId: i.instanceId,
            CloudAssistantStatus: String(online),
            CloudAssistantVersion: i.cloudAssistantOnline === false ? "" : "2.2.3.309",
            OSType: i.osType === "linux" ? "Linux" : "Windows",
            InvocationCount: runs.length,
            ActiveTaskCount: runs.filter((r) => r.invokeRecordStatus === "Running").length,
            LastInvokedTime: runs.map((r) => r.creationTime ?? "").sort().at(-1) ?? "",
            LastHeartbeatTime: online ? isoSeconds(ctx.clock()) : "",
            SupportSessionManager: online,
          };
        }),
      },
    };
  },
};
