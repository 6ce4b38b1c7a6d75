import { isoSeconds } from "../../clock";
import { newCommandId, newInvokeId } from "../../ids";
import { gatewayErrors } from "../../router/gateway-errors";
import type { InstanceRecord, InvocationRecord } from "../../state/state-types";
import { flatList, integer, optional, paginate } from "../params";
import type { ActionContext, ActionSpec } from "../product";
import {
  COMMAND_TYPES,
  DESCRIBE_INVOCATION_RESULTS_PAGE_SIZE_MAX,
  MAX_COMMAND_CONTENT_BASE64_BYTES,
  RUN_COMMAND_DEFAULT_TIMEOUT_SECONDS,
  RUN_COMMAND_MAX_TIMEOUT_SECONDS,
  ecsErrors,
  invocationOutcomes,
} from "./ecs-errors";
import type { ScriptOutcome } from "./script-runner";

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

function decodeContent(ctx: ActionContext): Buffer {
  const content = ctx.params.CommandContent ?? "";
  const encoding = optional(ctx.params, "ContentEncoding") ?? "PlainText";
  if (encoding !== "PlainText" && encoding !== "Base64") throw gatewayErrors.invalidParameter("ContentEncoding");
  if (encoding === "PlainText") return Buffer.from(content, "utf8");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(content) || content.length % 4 !== 0) {
    throw gatewayErrors.invalidParameter("CommandContent");
  }
  return Buffer.from(content, "base64");
}

function runOn(ctx: ActionContext, instance: InstanceRecord, record: InvocationRecord, script: Buffer, type: string): void {
  const { state, clock, scripts } = ctx;
  if (instance.status !== "Running") return settle(record, invocationOutcomes.instanceNotRunning, clock());
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
    const script = decodeContent(ctx);
    if (Buffer.byteLength(script.toString("base64")) > MAX_COMMAND_CONTENT_BASE64_BYTES) throw ecsErrors.commandTooLong();
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
      };
      ctx.state.data.invocations[`${invokeId}/${instance.instanceId}`] = record;
      runOn(ctx, instance, record, script, type);
    }
    ctx.state.changed();
    return { InvokeId: invokeId, CommandId: commandId };
  },
};

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
    const encoding = optional(ctx.params, "ContentEncoding") ?? "Base64";
    if (encoding !== "PlainText" && encoding !== "Base64") throw gatewayErrors.invalidParameter("ContentEncoding");
    const pageNumber = integer(ctx.params, "PageNumber", { min: 1, max: 1e9, default: 1 }, () =>
      gatewayErrors.invalidParameter("PageNumber"),
    );
    const pageSize = integer(
      ctx.params,
      "PageSize",
      { min: 1, max: DESCRIBE_INVOCATION_RESULTS_PAGE_SIZE_MAX, default: 10 },
      () => gatewayErrors.invalidParameter("PageSize"),
    );
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
          InvocationResult: paginate(matches, pageNumber, pageSize).map((r) => resultView(r, encoding === "PlainText")),
        },
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
