import { KmsApiError } from "../../alicloud/kms-client";
import { ManagedSecretsError, restoreAdvice, secretNotFound } from "../../core/errors";

/**
 * KMS's answers as the product's error codes. Messages carry KMS's error
 * code and request id (what Alibaba support asks for) and a sentence of our
 * own, never KMS's message text: some of those quote the request (the
 * SignatureDoesNotMatch string-to-sign includes every parameter, SecretData
 * too), and the product never puts a secret value in an error.
 */

export const KMS_NOT_FOUND = "Forbidden.ResourceNotFound";
export const KMS_EXISTS = "Rejected.ResourceExist";
export const KMS_IN_DELETE_WINDOW = "Rejected.ResourceInDeleteWindow";
export const KMS_INVALID_PARAMETER = "InvalidParameter";

/** Codes that mean the caller's credentials or permissions are wrong: a configuration problem, not the data's. */
const ACCESS_CODES = /^(InvalidAccessKeyId|SignatureDoesNotMatch|IncompleteSignature|InvalidSecurityToken|SignatureNonceUsed|InvalidTimeStamp|Forbidden\.(?!ResourceNotFound)|NoPermission)/;

export function isKmsCode(e: unknown, code: string): e is KmsApiError {
  return e instanceof KmsApiError && e.code === code;
}

export function kmsRef(e: KmsApiError): string {
  return `KMS ${e.action}: ${e.code}${e.requestId ? `, request id ${e.requestId}` : ""}`;
}

/**
 * The error for a failed KMS call made for `secretName`, when the caller has
 * no more specific reading of it. Non-KMS errors pass through unchanged.
 */
export function storeErrorFrom(e: unknown, secretName?: string): unknown {
  if (!(e instanceof KmsApiError)) return e;
  const details = secretName === undefined ? {} : { secretName };
  const what = secretName === undefined ? "" : ` for secret "${secretName}"`;
  if (e.kind === "throttling" || e.kind === "server" || e.kind === "network") {
    const why = e.kind === "throttling" ? "kept throttling" : e.kind === "server" ? "kept failing" : "could not be reached";
    // The KMS error rides along (its message names only action, code and request id) so a runner can tell throttling apart.
    return new ManagedSecretsError("StoreUnavailable", `KMS ${why} (${e.attempts} attempts)${what}; nothing more was changed, try again later (${kmsRef(e)})`, {
      ...details,
      cause: e,
    });
  }
  if (e.kind === "credentials") {
    return new ManagedSecretsError(
      "StoreConfig",
      `no Alibaba Cloud credentials were found for KMS${what}: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (or stack config managed-secrets:accessKeyId / managed-secrets:accessKeySecret), or run where a RAM role provides them`,
      details,
    );
  }
  switch (e.code) {
    case KMS_NOT_FOUND:
      return secretNotFound(secretName ?? "", ` in KMS (${kmsRef(e)})`);
    case KMS_IN_DELETE_WINDOW:
      return new ManagedSecretsError("SecretPendingDeletion", `secret "${secretName ?? ""}" is scheduled for deletion; ${restoreAdvice(secretName ?? "<name>")} (${kmsRef(e)})`, details);
    case KMS_EXISTS:
      return new ManagedSecretsError("SecretExists", `secret "${secretName ?? ""}" already exists in KMS (${kmsRef(e)})`, details);
  }
  const placement = e.action === "CreateSecret" ? placementError(e, what, details) : undefined;
  if (placement !== undefined) return placement;
  if (e.code === KMS_INVALID_PARAMETER || e.code.startsWith("Missing")) {
    return new ManagedSecretsError("InvalidInput", `KMS refused a parameter${what} (${kmsRef(e)})`, details);
  }
  if (ACCESS_CODES.test(e.code)) {
    return new ManagedSecretsError(
      "StoreConfig",
      `KMS refused the credentials or permissions used${what}: check the AccessKey (or role) and that its RAM policy allows kms:${e.action} (${kmsRef(e)})`,
      details,
    );
  }
  return new ManagedSecretsError("StoreRejected", `KMS refused ${e.action}${what} (${kmsRef(e)})`, details);
}

export const KMS_INSTANCE_NOT_FOUND = "Forbidden.DKMSInstanceNotFound";
export const KMS_KEY_NOT_FOUND = "Forbidden.KeyNotFound";
export const KMS_MISSING_PARAMETER = "MissingParameter";

/**
 * Where a new secret goes is the store's configuration, not the caller's data:
 * these refusals say which setting to fix. The store always sends every other
 * parameter CreateSecret requires, so a missing one is the KMS instance.
 */
function placementError(e: KmsApiError, what: string, details: { secretName?: string }): ManagedSecretsError | undefined {
  const instance = "managed-secrets:dkmsInstanceId (or MANAGED_SECRETS_DKMS_INSTANCE_ID)";
  const key = "managed-secrets:encryptionKeyId (or MANAGED_SECRETS_ENCRYPTION_KEY_ID)";
  switch (e.code) {
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
