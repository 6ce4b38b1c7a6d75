import { ManagedSecretsError } from "../core/errors";
import {
  MAX_RECOVERY_WINDOW_DAYS,
  MIN_RECOVERY_WINDOW_DAYS,
  VERSION_STAGES,
  type DeleteOptions,
  type VersionSelector,
  type VersionStage,
} from "./secret-store";

/**
 * Input checks shared by every backend's rules. They follow KMS limits, so a
 * name or value the local store accepts is one the KMS store accepts too.
 * Messages name the property and the rule, never the offending value when it
 * could be a credential.
 */

/** KMS secret names: 1-192 of letters, digits and _ / + = . @ - (resources narrow it in resource-schema.ts). */
export const SECRET_NAME = /^[A-Za-z0-9_/+=.@-]{1,192}$/;
/** Conservative: what KMS accepts as a version id and what deterministic ids need (timestamps, hashes). */
const VERSION_ID = /^[A-Za-z0-9_/+=.@:-]{1,64}$/;
/** KMS generic secret values are limited to 30 KiB. */
export const MAX_VALUE_BYTES = 30 * 1024;

export function invalid(property: string, message: string, secretName?: string): ManagedSecretsError {
  return new ManagedSecretsError("InvalidInput", message, secretName === undefined ? { property } : { property, secretName });
}

export function checkSecretName(name: unknown): asserts name is string {
  if (typeof name !== "string" || !SECRET_NAME.test(name)) {
    throw invalid("name", "name must be 1-192 characters of letters, digits and _ / + = . @ -");
  }
}

export function checkVersionId(versionId: unknown, property = "versionId"): asserts versionId is string {
  if (typeof versionId !== "string" || !VERSION_ID.test(versionId)) {
    throw invalid(property, `${property} must be 1-64 characters of letters, digits and _ / + = . @ : -`);
  }
}

export function checkValue(value: unknown): asserts value is string {
  if (typeof value !== "string") throw invalid("value", "value must be a string");
  if (Buffer.byteLength(value, "utf8") > MAX_VALUE_BYTES) throw invalid("value", `value must be at most ${MAX_VALUE_BYTES} bytes`);
}

export function checkStage(stage: unknown, property = "stage"): asserts stage is VersionStage {
  if (!(VERSION_STAGES as readonly unknown[]).includes(stage)) {
    throw invalid(property, `${property} must be one of ${VERSION_STAGES.join(", ")}`);
  }
}

export function checkStages(stages: unknown): asserts stages is readonly VersionStage[] {
  if (!Array.isArray(stages)) throw invalid("stages", `stages must be a list of ${VERSION_STAGES.join(", ")}`);
  for (const s of stages) checkStage(s, "stages");
}

/** listSecrets' name prefix: "" when absent. */
export function checkPrefix(prefix: unknown): string {
  const checked = prefix ?? "";
  if (typeof checked !== "string") throw invalid("prefix", "prefix must be a string");
  return checked;
}

/** What getValue reads: a version, a stage, or both (then the version must hold the stage). */
export function checkVersionSelector(selector: VersionSelector): void {
  if (selector.versionId !== undefined) checkVersionId(selector.versionId);
  if (selector.stage !== undefined) checkStage(selector.stage);
}

export function checkDescription(description: unknown): asserts description is string {
  if (typeof description !== "string") throw invalid("description", "description must be a string");
}

export function checkMetadata(metadata: unknown, allowNull: boolean): void {
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) {
    throw invalid("metadata", "metadata must be a map of strings");
  }
  for (const [key, value] of Object.entries(metadata)) {
    if (key === "") throw invalid("metadata", "metadata keys must not be empty");
    if (typeof value === "string" || (allowNull && value === null)) continue;
    throw invalid(`metadata.${key}`, `metadata.${key} must be a string${allowNull ? " or null (to remove it)" : ""}`);
  }
}

export function checkDeleteOptions(options: unknown): DeleteOptions {
  const o = (options ?? {}) as Partial<{ force: unknown; recoveryWindowDays: unknown }>;
  if (o.force === true) {
    if (o.recoveryWindowDays !== undefined) {
      throw invalid("recoveryWindowDays", "recoveryWindowDays cannot be combined with force (a forced delete has no recovery window)");
    }
    return { force: true };
  }
  const days = o.recoveryWindowDays;
  if (typeof days !== "number" || !Number.isInteger(days) || days < MIN_RECOVERY_WINDOW_DAYS || days > MAX_RECOVERY_WINDOW_DAYS) {
    throw invalid(
      "recoveryWindowDays",
      `recoveryWindowDays must be a whole number of days from ${MIN_RECOVERY_WINDOW_DAYS} to ${MAX_RECOVERY_WINDOW_DAYS}, or pass force: true to delete at once`,
    );
  }
  return { recoveryWindowDays: days };
}

export function checkLeaseOwner(owner: unknown): asserts owner is string {
  if (typeof owner !== "string" || owner === "") throw invalid("owner", "owner must be a non-empty string");
}

export function checkLeaseTtl(ttlMs: unknown): asserts ttlMs is number {
  if (typeof ttlMs !== "number" || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw invalid("ttlMs", "ttlMs must be a positive number of milliseconds");
  }
}
