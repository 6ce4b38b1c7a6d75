import { ApiError } from "../../gateway/api-error";
import type { Principal } from "../../gateway/principal";
import { accessDeniedDetail } from "../../gateway/authorize";

/** Limits and defaults from the ECS / Cloud Assistant API reference. */
export const RUN_COMMAND_DEFAULT_TIMEOUT_SECONDS = 60;
export const RUN_COMMAND_MAX_TIMEOUT_SECONDS = 86400;
/** RunCommand's CommandContent may be at most 24 KB once Base64-encoded (18 KB is CreateCommand's limit). */
export const MAX_COMMAND_CONTENT_BASE64_BYTES = 24 * 1024;
export const DESCRIBE_INSTANCES_MAX_IDS = 100;
export const DESCRIBE_PAGE_SIZE_MAX = 100;
export const DESCRIBE_INVOCATION_RESULTS_PAGE_SIZE_MAX = 50;
/** ClientToken: at most 64 ASCII characters (ECS "How to ensure idempotence"). */
export const MAX_CLIENT_TOKEN_LENGTH = 64;
export const COMMAND_TYPES = ["RunShellScript", "RunBatScript", "RunPowerShellScript"] as const;

export const ecsErrors = {
  instanceIdsMalformed: () =>
    new ApiError(400, "InvalidInstanceIds.Malformed", "The specified InstanceIds is not valid."),
  instanceNotFound: () => new ApiError(404, "InvalidInstance.NotFound", "The specified instance does not exist."),
  commandTooLong: () => new ApiError(403, "CmdContent.ExceedLimit", "The maximum length of a command is exceeded."),
  noPermission: (principal: Principal, action: string) =>
    new ApiError(
      403,
      "Forbidden.RAM",
      "User not authorized to operate on the specified resource, or this API doesn't support RAM.",
      accessDeniedDetail(principal, `ecs:${action}`),
    ),
  /** The code from ECS "How to ensure idempotence"; the wording is ours (the page quotes none). */
  idempotentParameterMismatch: () =>
    new ApiError(400, "IdempotentParameterMismatch", "The ClientToken was already used with other request parameters; use a new ClientToken."),
  throttling: () => new ApiError(400, "Throttling.User", "Request was denied due to user flow control."),
};

/**
 * Per-instance outcomes as DescribeInvocationResults reports them
 * (InvocationStatus, ErrorCode, ErrorInfo), from the Cloud Assistant docs.
 */
export const invocationOutcomes = {
  success: { invocationStatus: "Success", invokeRecordStatus: "Finished", errorCode: "", errorInfo: "" },
  nonZeroExit: {
    invocationStatus: "Failed",
    invokeRecordStatus: "Finished",
    errorCode: "ExitCodeNonzero",
    errorInfo: "the command execution exit code is not zero",
  },
  timeout: {
    invocationStatus: "Timeout",
    invokeRecordStatus: "Failed",
    errorCode: "ExecutionTimeout",
    errorInfo: "the command execution has been timeout",
  },
  accountMissing: {
    invocationStatus: "Invalid",
    invokeRecordStatus: "Failed",
    errorCode: "AccountNotExists",
    errorInfo: "the specified account does not exists",
  },
  notApplicable: {
    invocationStatus: "Invalid",
    invokeRecordStatus: "Failed",
    errorCode: "CommandNotApplicable",
    errorInfo: "the command is not applicable",
  },
  instanceNotRunning: {
    invocationStatus: "Aborted",
    invokeRecordStatus: "Failed",
    errorCode: "InstanceNotRunning",
    errorInfo: "the instance is not running when create task",
  },
  agentNotRunning: {
    invocationStatus: "Aborted",
    invokeRecordStatus: "Failed",
    errorCode: "ClientNotRunning",
    errorInfo: "the aliyun service is not running on the instance",
  },
  exception: {
    invocationStatus: "Error",
    invokeRecordStatus: "Failed",
    errorCode: "ExecutionException",
    errorInfo: "the command execution got an exception",
  },
  interrupted: {
    invocationStatus: "Error",
    invokeRecordStatus: "Failed",
    errorCode: "ExecutionInterrupted",
    errorInfo: "the command task is interrupted",
  },
} as const;
