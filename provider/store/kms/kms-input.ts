import { checkDescription, checkSecretName, checkVersionId, invalid } from "../store-input";
import { RESERVED_NAME_PREFIX, RESERVED_VERSION_PREFIX, isReservedVersionId } from "./kms-lease";

/** KMS Description limit. */
export const KMS_DESCRIPTION_MAX_LENGTH = 1024;

export function checkName(name: unknown): asserts name is string {
  checkSecretName(name);
  if (name.startsWith("acs/")) throw invalid("name", 'names starting with "acs/" are reserved by KMS for its managed secrets');
  if (name.startsWith(RESERVED_NAME_PREFIX)) throw invalid("name", `names starting with "${RESERVED_NAME_PREFIX}" are reserved by the store for its leases`);
}

export function checkKmsDescription(description: unknown): asserts description is string {
  checkDescription(description);
  if (description.length > KMS_DESCRIPTION_MAX_LENGTH) throw invalid("description", `description must be at most ${KMS_DESCRIPTION_MAX_LENGTH} characters in the kms store`);
}

export function checkOwnVersionId(versionId: unknown): asserts versionId is string {
  checkVersionId(versionId);
  if (isReservedVersionId(versionId)) throw invalid("versionId", `versionIds starting with "${RESERVED_VERSION_PREFIX}" are reserved by the store`);
}
