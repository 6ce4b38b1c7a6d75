import { isoSeconds } from "../../core/clock";
import { newCommandId, newInvokeId } from "../../core/ids";
import { gatewayErrors } from "../../gateway/gateway-errors";
import type { InstanceRecord, InvocationRecord } from "../../state/state-types";
import { boolean, flatList, integer, json, optional, pageParams, paginate } from "../../gateway/params";
import type { ActionContext, ActionSpec } from "../../gateway/product";
import {
  COMMAND_TYPES,
  DESCRIBE_INVOCATION_RESULTS_PAGE_SIZE_MAX,
  MAX_COMMAND_CONTENT_BASE64_BYTES,
  RUN_COMMAND_DEFAULT_TIMEOUT_SECONDS,
  RUN_COMMAND_MAX_TIMEOUT_SECONDS,
  ecsErrors,
  invocationOutcomes,
} from "./ecs-errors";
import type { ScriptOutcome } from "../../ecs-hosts/script-runner";

type Outcome = (typeof invocationOutcomes)[keyof typeof invocationOutcomes];

function settle(record: InvocationRecord, outcome: Outcome, now: Date): void {
  record.invocationStatus = outcome.invocationStatus;
  record.invokeRecordStatus = outcome.invokeRecordStatus;
  record.errorCode = outcome.errorCode;
  record.errorInfo = outcome.errorInfo;
  record.finishedTime = isoSeconds(now);
}

function outcomeOf(result: ScriptOutcome): Outcome {
  switch (result.kind) {
    case "exited":
      return result.exitCode === 0 ? invocationOutcomes.success : invocationOutcomes.nonZeroExit;
    case "timeout":
      return invocationOutcomes.timeout;
    case "account-missing":
      return invocationOutcomes.accountMissing;
    case "unreachable":
      return invocationOutcomes.agentNotRunning;
    case "error":
      return invocationOutcomes.exception;
  }
}

/** ContentEncoding, PlainText or Base64 (each action has its own default): true for PlainText. */
function isPlainText(ctx: ActionContext, byDefault: "PlainText" | "Base64"): boolean {
  const encoding = optional(ctx.params, "ContentEncoding") ?? byDefault;
  if (encoding !== "PlainText" && encoding !== "Base64") throw gatewayErrors.invalidParameter("ContentEncoding");
  return encoding === "PlainText";
}

function decodeContent(ctx: ActionContext): Buffer {
  const content = ctx.params.CommandContent ?? "";
  if (isPlainText(ctx, "PlainText")) return Buffer.from(content, "utf8");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(content) || content.length % 4 !== 0) {
    throw gatewayErrors.invalidParameter("CommandContent");
  }
  return Buffer.from(content, "base64");
}

function runOn(ctx: ActionContext, instance: InstanceRecord, record: InvocationRecord, script: Buffer, type: string): void {
  const { state, clock, scripts } = ctx;
  if (instance.status !== "Running") return settle(record, invocationOutcomes.instanceNotRunning, clock());
  if (instance.cloudAssistantOnline === false) return settle(record, invocationOutcomes.agentNotRunning, clock());
  if (type !== "RunShellScript" || instance.osType !== "linux") {
    return settle(record, invocationOutcomes.notApplicable, clock());
  }
  record.startTime = isoSeconds(clock());
  void scripts
    .execute({
      nsPid: instance.nsPid,
      username: record.username,
      script,
      timeoutMs: record.timeoutSeconds * 1000,
    })
    .then(
      (result) => {
        if ("exitCode" in result) record.exitCode = result.exitCode;
        if ("output" in result) {
          record.outputBase64 = result.output.toString("base64");
          record.dropped = result.dropped;
        }
        settle(record, outcomeOf(result), clock());
      },
      () => settle(record, invocationOutcomes.exception, clock()),
    )
    .finally(() => state.changed());
}

export const runCommand: ActionSpec = {
  required: ["RegionId", "Type", "CommandContent"],
  handle(ctx) {
    const type = ctx.params.Type ?? "";
    if (!(COMMAND_TYPES as readonly string[]).includes(type)) throw gatewayErrors.invalidParameter("Type");
    const instanceIds = flatList(ctx.params, "InstanceId");
    if (instanceIds.length === 0) throw gatewayErrors.missingParameter("InstanceId");
    const content = decodeContent(ctx);
    if (Buffer.byteLength(content.toString("base64")) > MAX_COMMAND_CONTENT_BASE64_BYTES) throw ecsErrors.commandTooLong();
    const enableParameter = boolean(ctx.params, "EnableParameter", () => gatewayErrors.invalidParameter("EnableParameter"));
    const parameters = parametersOf(ctx, enableParameter);
    // The agent substitutes on the instance; the service keeps the content as sent, and the parameters beside it.
    const script = enableParameter ? substitute(content, parameters) : content;
    const timeoutSeconds = integer(
      ctx.params,
      "Timeout",
      { min: 1, max: RUN_COMMAND_MAX_TIMEOUT_SECONDS, default: RUN_COMMAND_DEFAULT_TIMEOUT_SECONDS },
      () => gatewayErrors.invalidParameter("Timeout"),
    );
    const regionId = ctx.params.RegionId ?? "";
    const instances = instanceIds.map((id) => {
      const instance = ctx.state.data.instances[id];
      if (!instance || instance.regionId !== regionId) throw ecsErrors.instanceNotFound();
      return instance;
    });
    const invokeId = newInvokeId();
    const commandId = newCommandId();
    const username = optional(ctx.params, "Username") ?? "root";
    for (const instance of instances) {
      const record: InvocationRecord = {
        invokeId,
        commandId,
        regionId,
        instanceId: instance.instanceId,
        username,
        invocationStatus: "Running",
        invokeRecordStatus: "Running",
        errorCode: "",
        errorInfo: "",
        outputBase64: "",
        dropped: 0,
        timeoutSeconds,
        commandContentBase64: content.toString("base64"),
        parameters: JSON.stringify(parameters),
        commandName: optional(ctx.params, "Name") ?? "",
        commandType: type,
        creationTime: isoSeconds(ctx.clock()),
      };
      ctx.state.data.invocations[`${invokeId}/${instance.instanceId}`] = record;
      runOn(ctx, instance, record, script, type);
    }
    ctx.state.changed();
    return { InvokeId: invokeId, CommandId: commandId };
  },
};

/** Parameters is a JSON object of strings; names as the docs allow, at most 20 of them. */
function parametersOf(ctx: ActionContext, enabled: boolean): Record<string, string> {
  const raw = optional(ctx.params, "Parameters");
  if (raw === undefined) return {};
  if (!enabled) throw gatewayErrors.invalidParameter("Parameters");
  const parsed = json(ctx.params, "Parameters", () => gatewayErrors.invalidParameter("Parameters"));
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw gatewayErrors.invalidParameter("Parameters");
  const entries = Object.entries(parsed as Record<string, unknown>);
  if (entries.length > MAX_CUSTOM_PARAMETERS || !entries.every(([k, v]) => PARAMETER_NAME.test(k) && typeof v === "string")) {
    throw gatewayErrors.invalidParameter("Parameters");
  }
  return Object.fromEntries(entries.map(([k, v]) => [k.toLowerCase(), v as string]));
}

const MAX_CUSTOM_PARAMETERS = 20;
const INVOCATION_PAGE_SIZE = { min: 1, max: DESCRIBE_INVOCATION_RESULTS_PAGE_SIZE_MAX, default: 10 };
const PARAMETER_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** {{ name }}: names are case-insensitive and spaces around them ignored; an unknown name is an error, as on the service. */
function substitute(content: Buffer, parameters: Record<string, string>): Buffer {
  const text = content.toString("utf8").replace(/\{\{\s*([A-Za-z0-9_-]{1,64})\s*\}\}/g, (_, name: string) => {
    const value = parameters[name.toLowerCase()];
    if (value === undefined) throw gatewayErrors.invalidParameter("Parameters");
    return value;
  });
  return Buffer.from(text, "utf8");
}

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

/** Executions cut off by an emulator restart can never finish; report them the way the agent would. */
export function interruptStaleInvocations(invocations: Record<string, InvocationRecord>, now: Date): void {
  for (const r of Object.values(invocations)) {
    if (r.invokeRecordStatus === "Running") settle(r, invocationOutcomes.interrupted, now);
  }
}
