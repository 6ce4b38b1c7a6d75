import type { SecretRecord, SecretVersionRecord } from "../../state/state-types";
import { KMS_MAX_STAGES, KMS_MAX_VERSIONS, STAGE_CURRENT, STAGE_PREVIOUS, kmsErrors } from "./kms-errors";

/**
 * Stage-label rules of KMS generic secrets: a label marks at most one
 * version; when ACSCurrent leaves a version, that version becomes
 * ACSPrevious (as PutSecretValue documents); past KMS_MAX_VERSIONS the
 * oldest version without labels is rolled out.
 */

export function holderOf(secret: SecretRecord, stage: string): SecretVersionRecord | undefined {
  return secret.versions.find((v) => v.stages.includes(stage));
}

export function findVersion(secret: SecretRecord, versionId: string): SecretVersionRecord | undefined {
  return secret.versions.find((v) => v.versionId === versionId);
}

function detach(version: SecretVersionRecord, stage: string): void {
  version.stages = version.stages.filter((s) => s !== stage);
}

/** Moves `stage` onto `target`, taking it off whichever version held it. */
export function attachStage(secret: SecretRecord, stage: string, target: SecretVersionRecord): void {
  const previousHolder = holderOf(secret, stage);
  if (previousHolder === target) return;
  if (previousHolder) detach(previousHolder, stage);
  target.stages.push(stage);
  if (stage === STAGE_CURRENT && previousHolder) attachStage(secret, STAGE_PREVIOUS, previousHolder);
}

export function removeStage(version: SecretVersionRecord, stage: string): void {
  detach(version, stage);
}

/**
 * Runs a change against a secret's versions and rolls it back if the result
 * breaks a limit, so a rejected call leaves the secret exactly as it was.
 */
export function changeVersions(secret: SecretRecord, change: () => void): void {
  const before = structuredClone(secret.versions);
  try {
    change();
    enforceLimits(secret);
  } catch (e) {
    secret.versions = before;
    throw e;
  }
}

function enforceLimits(secret: SecretRecord): void {
  if (secret.versions.length > KMS_MAX_VERSIONS) secret.versions.splice(0, secret.versions.length - KMS_MAX_VERSIONS);
  const stages = new Set(secret.versions.flatMap((v) => v.stages));
  if (stages.size > KMS_MAX_STAGES) throw kmsErrors.limitExceeded(`A secret carries at most ${KMS_MAX_STAGES} stages.`);
}
