import { timingSafeEqual } from "node:crypto";
import { isoSeconds } from "../core/clock";
import type { StsSessionRecord } from "../state/state-types";
import type { EmulatorState } from "../state/emulator-state";
import {
  ACS3_ALGORITHM,
  canonicalRequest,
  parseAuthorization,
  sha256Hex,
  signString,
  signaturesEqual,
  stringToSign,
} from "./acs3-signature";
import { gatewayErrors } from "./gateway-errors";
import type { IncomingCall } from "./read-call";
import { authenticateRpc, isRpcSigned } from "./rpc-signature";
import type { Authenticated } from "./principal";
import { MAX_CLOCK_SKEW_MS, type NonceCache } from "./request-freshness";

/** Headers the V3 spec makes mandatory, each of which must also be signed. */
const REQUIRED_HEADERS = [
  "host",
  "x-acs-action",
  "x-acs-version",
  "x-acs-date",
  "x-acs-signature-nonce",
  "x-acs-content-sha256",
] as const;

const ACS_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

function header(call: IncomingCall, name: string): string | undefined {
  const v = call.headers[name];
  return Array.isArray(v) ? v.join(",") : v;
}

/**
 * Temporary credentials are only half of an identity: the token names the
 * session, and a request whose token is missing, belongs to another session
 * or has expired is refused before the signature is even looked at.
 */
function verifySecurityToken(session: StsSessionRecord, token: string | undefined, businessNow: Date): void {
  if (token === undefined || token === "") throw gatewayErrors.missingSecurityToken();
  const a = Buffer.from(session.securityToken, "utf8");
  const b = Buffer.from(token, "utf8");
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw gatewayErrors.securityTokenMismatch();
  if (Date.parse(session.expiration) <= businessNow.getTime()) throw gatewayErrors.securityTokenExpired();
}

/**
 * Verifies an ACS3-HMAC-SHA256 signature against the account's own keys, in
 * the order the gateway reports problems: form, key, freshness, signature,
 * replay. `wallClockMs` is the host's real time (the SDK signs with it),
 * never the emulator's movable business clock.
 */
export function authenticate(
  call: IncomingCall,
  state: EmulatorState,
  nonces: NonceCache,
  wallClockMs: number,
  businessNow: Date,
): Authenticated {
  if (isRpcSigned(call)) {
    return authenticateRpc(call, {
      nonces,
      wallClockMs,
      maxClockSkewMs: MAX_CLOCK_SKEW_MS,
      secretFor: (id, token) => secretFor(state, id, token, businessNow),
      principalFor: (id) => principalFor(state, id, businessNow),
    });
  }
  const authorization = header(call, "authorization");
  if (!authorization) throw gatewayErrors.incompleteSignature("The Authorization header is missing.");
  const parsed = parseAuthorization(authorization);
  if (!parsed) throw gatewayErrors.incompleteSignature("The Authorization header is malformed.");
  if (parsed.algorithm !== ACS3_ALGORITHM) throw gatewayErrors.invalidSignatureMethod();

  const signed = new Set(parsed.signedHeaders.map((h) => h.toLowerCase()));
  for (const name of REQUIRED_HEADERS) {
    if (header(call, name) === undefined) throw gatewayErrors.incompleteSignature(`The ${name} header is missing.`);
  }
  for (const name of Object.keys(call.headers)) {
    const mustSign = name === "host" || name === "content-type" || name.startsWith("x-acs-");
    if (mustSign && !signed.has(name)) throw gatewayErrors.incompleteSignature(`The ${name} header is not signed.`);
  }
  for (const name of signed) {
    if (header(call, name) === undefined) throw gatewayErrors.incompleteSignature(`Signed header ${name} is missing.`);
  }

  const secret = secretFor(state, parsed.accessKeyId, header(call, "x-acs-security-token"), businessNow);

  const date = header(call, "x-acs-date") ?? "";
  if (!ACS_DATE.test(date) || Number.isNaN(Date.parse(date))) throw gatewayErrors.timestampFormat();
  if (Math.abs(wallClockMs - Date.parse(date)) > MAX_CLOCK_SKEW_MS) throw gatewayErrors.timestampExpired();

  // The server hashes the body it received, so a lying x-acs-content-sha256
  // surfaces as a signature mismatch, as it does on the real gateway.
  const canonical = canonicalRequest({
    method: call.method,
    path: call.path,
    query: call.query,
    headers: call.headers,
    signedHeaders: [...signed],
    payloadHash: sha256Hex(call.body),
  });
  const toSign = stringToSign(canonical);
  if (!signaturesEqual(signString(secret, toSign), parsed.signature)) {
    throw gatewayErrors.signatureMismatch(toSign);
  }

  if (nonces.checkAndRecord(header(call, "x-acs-signature-nonce") ?? "", wallClockMs)) throw gatewayErrors.nonceUsed();
  return principalFor(state, parsed.accessKeyId, businessNow);
}

/** Both signature kinds refuse an unknown, inactive or token-less key the same way, before looking at the signature. */
function secretFor(state: EmulatorState, accessKeyId: string, token: string | undefined, businessNow: Date): string {
  const { session, key } = credentialOf(state, accessKeyId);
  if (!key && !session) throw gatewayErrors.accessKeyNotFound();
  if (key && key.status !== "Active") throw gatewayErrors.accessKeyInactive();
  if (session) verifySecurityToken(session, token, businessNow);
  return session ? session.accessKeySecret : (key?.accessKeySecret ?? "");
}

/** An STS session's temporary key id is looked up before the long-term keys, so a session always wins. */
function credentialOf(state: EmulatorState, accessKeyId: string) {
  const session = state.data.stsSessions?.[accessKeyId];
  return { session, key: session ? undefined : state.data.accessKeys[accessKeyId] };
}

function principalFor(state: EmulatorState, accessKeyId: string, businessNow: Date): Authenticated {
  const { session, key } = credentialOf(state, accessKeyId);
  if (session) {
    const role = state.data.roles?.[session.roleName];
    // A deleted role's sessions stop working, as its policies no longer exist to allow anything.
    if (!role) throw gatewayErrors.accessKeyNotFound();
    return {
      accessKeyId: session.accessKeyId,
      principal: {
        kind: "role",
        accountId: state.data.accountId,
        roleName: role.roleName,
        roleId: role.roleId,
        userId: role.roleId,
        sessionName: session.roleSessionName,
      },
    };
  }
  if (!key) throw gatewayErrors.accessKeyNotFound();
  key.lastUsedDate = isoSeconds(businessNow);
  state.changed();

  if (key.owner.kind === "root") {
    return { accessKeyId: key.accessKeyId, principal: { kind: "root", accountId: state.data.accountId } };
  }
  const user = state.data.users[key.owner.userName];
  if (!user) throw gatewayErrors.accessKeyNotFound();
  return {
    accessKeyId: key.accessKeyId,
    principal: {
      kind: "user",
      accountId: state.data.accountId,
      userName: user.userName,
      userId: user.userId,
      admin: user.admin,
    },
  };
}
