import { createHmac, timingSafeEqual } from "node:crypto";
import { percentEncode } from "./acs3-signature";
import type { Authenticated } from "./principal";
import type { NonceCache } from "./request-freshness";
import { gatewayErrors } from "./gateway-errors";
import type { IncomingCall } from "./read-call";

/**
 * The older RPC signature (SignatureMethod=HMAC-SHA1, SignatureVersion=1.0),
 * still sent by @alicloud/rpc-client (so @alicloud/kms20160120 1.x) and by the
 * legacy Go and Python SDKs under Alibaba's Secrets Manager clients. Per the
 * published algorithm (https://www.alibabacloud.com/help/doc-detail/69009.html):
 *
 *   CanonicalizedQueryString = sorted percentEncode(name)=percentEncode(value), joined by &
 *   StringToSign = Method & percentEncode("/") & percentEncode(CanonicalizedQueryString)
 *   Signature    = base64(hmac-sha1(AccessKeySecret + "&", StringToSign))
 *
 * Every parameter that arrived counts, query and form body alike, except
 * Signature itself: rpc-client signs the form fields too, so a body altered
 * in transit fails here as it does on the gateway.
 */
const RPC_SIGNATURE_METHOD = "HMAC-SHA1";
const RPC_SIGNATURE_VERSION = "1.0";

/** The SDKs send whole seconds; the gateway also takes milliseconds, so accept both. */
const RPC_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/** A request carries an RPC signature when it has a Signature parameter and no V3 Authorization header. */
export function isRpcSigned(call: IncomingCall): boolean {
  return call.headers.authorization === undefined && (call.query.Signature !== undefined || call.params.Signature !== undefined);
}

function rpcStringToSign(method: string, params: Record<string, string>): string {
  const canonical = Object.keys(params)
    .filter((k) => k !== "Signature")
    .sort()
    .map((k) => `${percentEncode(k)}=${percentEncode(params[k] ?? "")}`)
    .join("&");
  return `${method.toUpperCase()}&${percentEncode("/")}&${percentEncode(canonical)}`;
}

function rpcSign(secret: string, toSign: string): string {
  return createHmac("sha1", `${secret}&`).update(toSign, "utf8").digest("base64");
}

function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected, "utf8");
  const b = Buffer.from(given, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}

/** What the RPC verifier needs from the gateway's key store, so both signature kinds share one identity path. */
export interface RpcKeyring {
  nonces: NonceCache;
  wallClockMs: number;
  maxClockSkewMs: number;
  /** Looks the key up and refuses unknown, inactive or token-less temporary keys; returns the secret to verify with. */
  secretFor(accessKeyId: string, securityToken: string | undefined): string;
  principalFor(accessKeyId: string): Authenticated;
}

function param(call: IncomingCall, name: string): string {
  const value = call.params[name];
  if (value === undefined || value === "") throw gatewayErrors.missingParameter(name);
  return value;
}

/**
 * Verifies an RPC HMAC-SHA1 signature in the order the ACS3 path reports
 * problems: form, key, freshness, signature, replay. The SignatureDoesNotMatch
 * message omits the server's string to sign, which the real gateway echoes:
 * here it would carry every parameter, PutSecretValue's SecretData included.
 */
export function authenticateRpc(call: IncomingCall, keys: RpcKeyring): Authenticated {
  if (param(call, "SignatureMethod") !== RPC_SIGNATURE_METHOD) throw gatewayErrors.invalidSignatureMethod();
  if ((call.params.SignatureVersion ?? RPC_SIGNATURE_VERSION) !== RPC_SIGNATURE_VERSION) {
    throw gatewayErrors.invalidParameter("SignatureVersion");
  }
  const accessKeyId = param(call, "AccessKeyId");
  const timestamp = param(call, "Timestamp");
  const nonce = param(call, "SignatureNonce");
  const signature = param(call, "Signature");

  // The router takes the action from x-acs-action when present, and RPC signs only parameters.
  for (const [headerName, name] of [["x-acs-action", "Action"], ["x-acs-version", "Version"]] as const) {
    const sent = call.headers[headerName];
    if (sent !== undefined && sent !== call.params[name]) {
      throw gatewayErrors.incompleteSignature(`The ${headerName} header differs from the signed ${name}.`);
    }
  }

  const secret = keys.secretFor(accessKeyId, call.params.SecurityToken);

  if (!RPC_TIMESTAMP.test(timestamp) || Number.isNaN(Date.parse(timestamp))) throw gatewayErrors.timestampFormat();
  if (Math.abs(keys.wallClockMs - Date.parse(timestamp)) > keys.maxClockSkewMs) throw gatewayErrors.timestampExpired();

  if (!sameSignature(rpcSign(secret, rpcStringToSign(call.method, call.params)), signature)) {
    throw gatewayErrors.signatureMismatch("(withheld: the RPC string to sign holds every parameter value)");
  }
  if (keys.nonces.checkAndRecord(nonce, keys.wallClockMs)) throw gatewayErrors.nonceUsed();
  return keys.principalFor(accessKeyId);
}
