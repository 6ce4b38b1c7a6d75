import { CloudApiError, CREDENTIALS_ADVICE } from "../../alicloud/cloud-api-error";
import { ManagedSecretsError, restoreAdvice, secretNotFound, secretPendingDeletion } from "../../core/errors";
import { isoFromKms } from "./kms-secret-meta";

/**
 * KMS's answers as the product's error codes. Messages carry KMS's error
 * code and request id (what Alibaba support asks for) and a sentence of our
 * own, never KMS's message text: some of those quote the request (the
 * SignatureDoesNotMatch string-to-sign includes every parameter, SecretData
 * too), and the product never puts a secret value in an error. The KMS
 * client never quotes it either (cloud-api-error.ts, quoteService false).
 */

export const KMS_NOT_FOUND = "Forbidden.ResourceNotFound";
export const KMS_EXISTS = "Rejected.ResourceExist";
export const KMS_IN_DELETE_WINDOW = "Rejected.ResourceInDeleteWindow";
export const KMS_INVALID_PARAMETER = "InvalidParameter";

/** Codes that mean the caller's credentials or permissions are wrong, not the data. */
const ACCESS_CODES = /^(InvalidAccessKeyId|SignatureDoesNotMatch|IncompleteSignature|InvalidSecurityToken|SignatureNonceUsed|InvalidTimeStamp|Forbidden\.(?!ResourceNotFound)|NoPermission)/;

export function isKmsCode(e: unknown, code: string): e is CloudApiError {
  return e instanceof CloudApiError && e.service === "KMS" && e.apiCode === code;
}

export function kmsRef(e: CloudApiError): string {
  return `KMS ${e.action}: ${e.apiCode}${e.requestId ? `, request id ${e.requestId}` : ""}`;
}

export function notFound(name: string): ManagedSecretsError {
  // KMS keeps no record of deleted secrets, so unlike the local store it cannot say which of these happened.
  return secretNotFound(name, " in KMS: it never existed, or its recovery window has passed, or it was deleted without one");
}

export function pendingDeletion(name: string, plannedDeleteTime: string | undefined, advice: string): ManagedSecretsError {
  return secretPendingDeletion(name, plannedDeleteTime ? isoFromKms(plannedDeleteTime) : undefined, advice);
}

/** The one wording for a name KMS already holds. */
export function secretExistsError(name: string, e: CloudApiError): ManagedSecretsError {
  return new ManagedSecretsError("SecretExists", `secret "${name}" already exists in KMS (${kmsRef(e)})`, { secretName: name });
}

/**
 * The error for a failed KMS call made for `secretName`, when the caller has
 * no more specific reading of it. Non-KMS errors pass through unchanged. The
 * KMS error rides along as the cause (its message names only service,
 * action, code and request id), so the runner can tell throttling apart and
 * knows the call was already retried.
 */
export function storeErrorFrom(e: unknown, secretName?: string): unknown {
  if (!(e instanceof CloudApiError)) return e;
  const details = { ...(secretName === undefined ? {} : { secretName }), cause: e };
  const what = secretName === undefined ? "" : ` for secret "${secretName}"`;
  if (e.retryable) {
    const why = e.kind === "throttling" ? "kept throttling" : e.kind === "server" ? "kept failing" : "could not be reached";
    return new ManagedSecretsError(e.code, `KMS ${why} (${e.attempts} attempts)${what}; nothing more was changed, try again later (${kmsRef(e)})`, details);
  }
  if (e.kind === "credentials") {
    return new ManagedSecretsError("CloudConfig", `no Alibaba Cloud credentials were found for KMS${what}: ${CREDENTIALS_ADVICE}`, details);
  }
  switch (e.apiCode) {
    case KMS_NOT_FOUND:
      return secretNotFound(secretName ?? "", ` in KMS (${kmsRef(e)})`);
    case KMS_IN_DELETE_WINDOW:
      return secretPendingDeletion(secretName ?? "", undefined, `${restoreAdvice(secretName ?? "<name>")} (${kmsRef(e)})`);
    case KMS_EXISTS:
      return secretExistsError(secretName ?? "", e);
  }
  const placement = e.action === "CreateSecret" ? placementError(e, what, details) : undefined;
  if (placement !== undefined) return placement;
  if (e.apiCode === KMS_INVALID_PARAMETER || e.apiCode.startsWith("Missing")) {
    return new ManagedSecretsError("InvalidInput", `KMS refused a parameter${what} (${kmsRef(e)})`, details);
  }
  if (ACCESS_CODES.test(e.apiCode)) {
    // CloudConfig for a key KMS does not accept, CloudRejected for a permission the caller's RAM policy lacks.
    return new ManagedSecretsError(
      e.code === "CloudConfig" ? "CloudConfig" : "CloudRejected",
      `KMS refused the credentials or permissions used${what}: check the AccessKey (or role) and that its RAM policy allows kms:${e.action} (${kmsRef(e)})`,
      details,
    );
  }
  return new ManagedSecretsError("CloudRejected", `KMS refused ${e.action}${what} (${kmsRef(e)})`, details);
}

export const KMS_INSTANCE_NOT_FOUND = "Forbidden.DKMSInstanceNotFound";
export const KMS_KEY_NOT_FOUND = "Forbidden.KeyNotFound";
export const KMS_MISSING_PARAMETER = "MissingParameter";

/**
 * Where a new secret goes is the store's configuration, not the caller's data:
 * these refusals say which setting to fix. The store always sends every other
 * parameter CreateSecret requires, so a missing one is the KMS instance.
 */
function placementError(e: CloudApiError, what: string, details: { secretName?: string }): ManagedSecretsError | undefined {
  const instance = "managed-secrets:dkmsInstanceId (or MANAGED_SECRETS_DKMS_INSTANCE_ID)";
  const key = "managed-secrets:encryptionKeyId (or MANAGED_SECRETS_ENCRYPTION_KEY_ID)";
  switch (e.apiCode) {
    case KMS_MISSING_PARAMETER:
      return new ManagedSecretsError("StoreConfig", `KMS needs a KMS instance to create secrets in${what} (a KMS 3.0 account): set ${instance} (${kmsRef(e)})`, {
        ...details,
        property: "managed-secrets:dkmsInstanceId",
      });
    case KMS_INSTANCE_NOT_FOUND:
      return new ManagedSecretsError("StoreConfig", `KMS has no KMS instance with the id set in ${instance}${what}: check it against the KMS console of this region (${kmsRef(e)})`, {
        ...details,
        property: "managed-secrets:dkmsInstanceId",
      });
    case KMS_KEY_NOT_FOUND:
      return new ManagedSecretsError("StoreConfig", `KMS has no key with the id set in ${key} in that KMS instance${what}: use a symmetric key of that instance, or unset it (${kmsRef(e)})`, {
        ...details,
        property: "managed-secrets:encryptionKeyId",
      });
  }
  return undefined;
}
