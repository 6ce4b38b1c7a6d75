import { ManagedSecretsError } from "../core/errors";

/** The secret exists, but not the version (or stage) asked for. */
export function versionNotFound(name: string, message: string): ManagedSecretsError {
  return new ManagedSecretsError("VersionNotFound", message, { secretName: name });
}
