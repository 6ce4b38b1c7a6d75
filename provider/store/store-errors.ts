import { ManagedSecretsError } from "../core/errors";
import type { VersionSelector } from "./secret-store";
import { invalid } from "./store-input";

/** The secret exists, but not the version (or stage) asked for. */
export function versionNotFound(name: string, message: string): ManagedSecretsError {
  return new ManagedSecretsError("VersionNotFound", message, { secretName: name });
}

/** What a read of a missing version says: a message, since a store may find the secret itself gone before it says it. */
export function missingVersionMessage(name: string, selector: VersionSelector): string {
  return selector.versionId !== undefined
    ? `secret "${name}" has no version "${selector.versionId}"`
    : `secret "${name}" has no version with stage ${selector.stage ?? "ACSCurrent"}`;
}

/** A read that names both a version and a stage, where that version does not hold the stage. */
export function stageNotOnVersion(name: string, versionId: string, stage: string): ManagedSecretsError {
  return versionNotFound(name, `version "${versionId}" of secret "${name}" does not hold stage ${stage}`);
}

/** Versions are immutable: a put of an existing versionId with another value. Never names the value. */
export function versionConflict(name: string, versionId: string): ManagedSecretsError {
  return invalid(
    "versionId",
    `version "${versionId}" of secret "${name}" already exists with a different value; versions are immutable, put the new value under a new versionId`,
    name,
  );
}
