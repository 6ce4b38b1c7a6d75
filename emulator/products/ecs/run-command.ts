import { createHash } from "node:crypto";
import { newCommandId, newInvokeId } from "../../core/ids";
import { gatewayErrors } from "../../gateway/gateway-errors";
import { boolean, flatList, integer, json, optional } from "../../gateway/params";
import type { ActionContext, ActionSpec } from "../../gateway/product";
import {
  COMMAND_TYPES,
  MAX_CLIENT_TOKEN_LENGTH,
  MAX_COMMAND_CONTENT_BASE64_BYTES,
  RUN_COMMAND_DEFAULT_TIMEOUT_SECONDS,
  RUN_COMMAND_MAX_TIMEOUT_SECONDS,
  ecsErrors,
} from "./ecs-errors";
import { isPlainText } from "./cloud-assistant";
import { newInvocationRecord, runOn, substitute } from "./invocation-runs";

const MAX_CUSTOM_PARAMETERS = 20;
const PARAMETER_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** ClientToken: ASCII only (ECS "How to ensure idempotence"). */
const CLIENT_TOKEN = /^[\x20-\x7e]+$/;
/**
 * Parameters every call carries that are not the request itself: a retry
 * must change the nonce, time and signature (ECS "How to ensure
 * idempotence"), so they take no part in telling a retry from a new request.
 */
const COMMON_PARAMETERS = new Set([
  "Action", "Version", "Format", "AccessKeyId", "Signature", "SignatureMethod", "SignatureVersion",
  "SignatureNonce", "SignatureType", "Timestamp", "SecurityToken", "ClientToken",
]);

function decodeContent(ctx: ActionContext): Buffer {
  const content = ctx.params.CommandContent ?? "";
  if (isPlainText(ctx, "PlainText")) return Buffer.from(content, "utf8");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(content) || content.length % 4 !== 0) {
    throw gatewayErrors.invalidParameter("CommandContent");
  }
  return Buffer.from(content, "base64");
}

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

function clientTokenOf(ctx: ActionContext): string | undefined {
  const token = optional(ctx.params, "ClientToken");
  if (token !== undefined && (token.length > MAX_CLIENT_TOKEN_LENGTH || !CLIENT_TOKEN.test(token))) {
    throw gatewayErrors.invalidParameter("ClientToken");
  }
  return token;
}

/** The request's own parameters, digested: what a faithful retry repeats exactly. */
function requestDigest(params: Readonly<Record<string, string>>): string {
  const own = Object.keys(params).filter((k) => !COMMON_PARAMETERS.has(k)).sort().map((k) => [k, params[k]]);
  return createHash("sha256").update(JSON.stringify(own)).digest("hex");
}

/**
 * A retried RunCommand with a used ClientToken: the same parameters get the
 * first call's answer and nothing runs again; other parameters are refused
 * (IdempotentParameterMismatch). Tokens are remembered as long as their
 * invocations are (the docs give no window).
 */
function earlierAnswer(ctx: ActionContext, token: string | undefined, digest: string): { InvokeId: string; CommandId: string } | undefined {
  if (token === undefined) return undefined;
  const earlier = Object.values(ctx.state.data.invocations).find((r) => r.clientToken === token);
  if (earlier === undefined) return undefined;
  if (earlier.clientTokenDigest !== digest) throw ecsErrors.idempotentParameterMismatch();
  return { InvokeId: earlier.invokeId, CommandId: earlier.commandId };
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
    const clientToken = clientTokenOf(ctx);
    const digest = requestDigest(ctx.params);
    const repeated = earlierAnswer(ctx, clientToken, digest);
    if (repeated) return repeated;
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
      const record = newInvocationRecord({
        invokeId,
        commandId,
        regionId,
        instanceId: instance.instanceId,
        username,
        timeoutSeconds,
        content,
        parameters,
        commandName: optional(ctx.params, "Name") ?? "",
        commandType: type,
        creationTime: ctx.clock(),
        ...(clientToken === undefined ? {} : { clientToken, clientTokenDigest: digest }),
      });
      ctx.state.data.invocations[`${invokeId}/${instance.instanceId}`] = record;
      void runOn(ctx, instance, record, script, type);
    }
    ctx.state.changed();
    return { InvokeId: invokeId, CommandId: commandId };
  },
};
