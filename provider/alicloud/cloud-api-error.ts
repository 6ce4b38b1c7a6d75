import { ManagedSecretsError, type ErrorCode } from "../core/errors";
import { isTransient } from "../core/retry";
import { redactCloudText } from "./redact-cloud-text";

/**
 * The one error type of every Alibaba Cloud client here (KMS, RAM, STS, ECS,
 * CloudMonitor): a ManagedSecretsError whose code says what the user must do,
 * and which also carries what the service said (its Code, HTTP status and
 * request id) so callers branch on `apiCode`, never on message text.
 *
 * The SDK's own error object is never attached as a cause: it holds the
 * request (headers, signed URL, the body of a KMS PutSecretValue), and
 * nothing that walks causes may log that. Whatever of the service's answer
 * is kept (its message, Code and request id) is redacted here, the one place
 * every cloud error is shaped (redact-cloud-text.ts): every credential the
 * call sent and anything shaped like one, so no later reader (stderr, logs,
 * a run's report, events) can show one.
 */

/** How a call failed; `throttling`, `server` and `network` may succeed unchanged on a later try. */
export type CloudFailureKind = "throttling" | "server" | "client" | "network" | "credentials";

export class CloudApiError extends ManagedSecretsError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly service: string,
    readonly action: string,
    readonly kind: CloudFailureKind,
    /** The service's Code (e.g. Rejected.ResourceExist), or the socket's (ECONNRESET) when no answer came. */
    readonly apiCode: string,
    readonly httpStatus?: number,
    readonly requestId?: string,
    /** How many times the call was sent, retries included. */
    readonly attempts = 1,
  ) {
    super(code, message);
  }

  /** Worth sending again unchanged: the cloud said "not now", or never answered. */
  get retryable(): boolean {
    return this.kind === "throttling" || this.kind === "server" || this.kind === "network";
  }
}

/** Where the default credentials chain looks, for a message that says what to set. */
export const CREDENTIALS_ADVICE =
  "set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (or stack config managed-secrets:accessKeyId / managed-secrets:accessKeySecret), or run where a RAM role provides them";

export interface Translation {
  readonly service: string;
  readonly action: string;
  /** Which send this was (1 for the first). */
  readonly attempt: number;
  /**
   * Whether the service's own message may be quoted. Never for KMS: some of
   * its messages quote the request (the SignatureDoesNotMatch string-to-sign
   * includes every parameter, SecretData too).
   */
  readonly quoteService: boolean;
  /** The credentials the call carried: its signing secret and token, a secret value or key it sent. */
  readonly sent?: readonly string[];
}

const NETWORK_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ECONNABORTED"]);
/** The gateway's answers when the signing key itself is refused, or the request is signed in a way it cannot accept. */
const CREDENTIAL_CODES = /^(InvalidAccessKeyId\b|SignatureDoesNotMatch$|IncompleteSignature$|InvalidSecurityToken\b|SignatureNonceUsed$|InvalidTimeStamp\b)/;
const MAX_SERVICE_MESSAGE = 240;

/**
 * Any SDK failure (openapi-core raises ThrottlingError for codes containing
 * "Throttling", ClientError for other 4xx, ServerError for 5xx; anything
 * without an HTTP status never got an answer) as a CloudApiError.
 */
export function cloudApiErrorFrom(e: unknown, t: Translation): CloudApiError {
  const err = (e ?? {}) as { name?: unknown; code?: unknown; statusCode?: unknown; requestId?: unknown; message?: unknown; data?: { Message?: unknown; RequestId?: unknown } };
  const { service, action, attempt } = t;
  const redact = (text: string) => redactCloudText(text, t.sent);
  const status = typeof err.statusCode === "number" ? err.statusCode : undefined;
  const name = typeof err.name === "string" ? err.name : "Error";
  const apiCode = redact(typeof err.code === "string" && err.code !== "" ? err.code : name);
  if (status === undefined) {
    if (NETWORK_CODES.has(apiCode) || /^E[A-Z0-9_]+$/.test(apiCode) || /timeout/i.test(`${name} ${apiCode}`)) {
      const message = `${service} ${action} did not complete (${apiCode}); the call may or may not have taken effect`;
      return new CloudApiError("Unreachable", message, service, action, "network", apiCode, undefined, undefined, attempt);
    }
    // @alicloud/credentials throws a plain Error when its default chain finds nothing; the request was never sent.
    if (/unable to get credentials|credential/i.test(String(err.message ?? ""))) {
      const message = `no Alibaba Cloud credentials were found for ${service}: ${CREDENTIALS_ADVICE}`;
      return new CloudApiError("CloudConfig", message, service, action, "credentials", "NoCredentials", undefined, undefined, attempt);
    }
    const message = `${service} ${action} failed before the service answered (${apiCode})`;
    return new CloudApiError("CloudRejected", message, service, action, "client", apiCode, undefined, undefined, attempt);
  }
  const rawRequestId = typeof err.requestId === "string" && err.requestId !== "" ? err.requestId : typeof err.data?.RequestId === "string" ? err.data.RequestId : undefined;
  const requestId = rawRequestId === undefined ? undefined : redact(rawRequestId);
  const kind: CloudFailureKind = name === "ThrottlingError" || /Throttling/i.test(apiCode) || status === 429 ? "throttling" : status >= 500 ? "server" : "client";
  const said = t.quoteService && typeof err.data?.Message === "string" ? shortened(redact(withoutStringToSign(err.data.Message))) : "";
  const message = `${service} ${action} failed: ${apiCode} (HTTP ${status}${requestId ? `, request ${requestId}` : ""})${said ? `: ${said}` : ""}`;
  return new CloudApiError(codeFor(kind, apiCode), message, service, action, kind, apiCode, status, requestId, attempt);
}

function codeFor(kind: CloudFailureKind, apiCode: string): ErrorCode {
  if (kind !== "client") return "CloudUnavailable";
  if (apiCode.startsWith("EntityNotExist")) return "TargetNotFound";
  if (apiCode.startsWith("LimitExceeded.User.AccessKey")) return "AccessKeyLimit";
  if (CREDENTIAL_CODES.test(apiCode)) return "CloudConfig";
  return "CloudRejected";
}

/** A signature mismatch's echo of the string to sign is noise, not help. */
function withoutStringToSign(text: string): string {
  return text.split(/\s*server string to sign is/i)[0]!;
}

/** The service's own words, short and on one line. */
function shortened(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > MAX_SERVICE_MESSAGE ? `${line.slice(0, MAX_SERVICE_MESSAGE)}...` : line;
}

/** The cloud API error an error is, or was caused by (a store wraps the cloud's answer in its own words). */
export function cloudApiErrorIn(e: unknown): CloudApiError | undefined {
  for (let at = e, depth = 0; at !== undefined && at !== null && depth < 4; at = (at as { cause?: unknown }).cause, depth++) {
    if (at instanceof CloudApiError) return at;
  }
  return undefined;
}

/**
 * Whether a layer above the cloud clients (the runner, a health probe) may
 * try again: a transient failure that is not a cloud API error, since each
 * client has retried its calls already (cloud-call.ts).
 */
export function retryableAboveClients(e: unknown): boolean {
  return isTransient(e) && cloudApiErrorIn(e) === undefined;
}
