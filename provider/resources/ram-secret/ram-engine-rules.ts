import { notWithKms, productNameFailures, storeFailures, type EngineSettings } from "../kms-engine";
import type { InputFailure } from "../resource-schema";
import type { RamSecretSpec } from "./ram-secret-schema";

/**
 * Which RamSecret inputs each engine takes, checked at check() before
 * anything is contacted. KMS names its RAM secrets (acs/ram/user/<user>),
 * and deletes the previous key itself when its rotation window ends: there is
 * nothing to choose there. `raw` is what the program declared (before
 * defaults), so only what it wrote is refused.
 */
export function ramEngineFailures(spec: RamSecretSpec, raw: Readonly<Record<string, unknown>>, settings: EngineSettings): InputFailure[] {
  const engine = spec.rotatedBy ?? "product";
  if (engine === "product") return productNameFailures(spec.secretName);
  const failures = storeFailures(engine, settings);
  if (raw.secretName !== undefined) failures.push(notWithKms("secretName", "KMS names a RAM secret it rotates itself acs/ram/user/<user> (CreateSecret with SecretName $Auto); the resource's id is that name"));
  if (raw.previousKeyAction !== undefined) failures.push(notWithKms("previousKeyAction", "KMS deletes the previous key itself when its rotation window ends"));
  if (raw.previousKeyGracePeriod !== undefined) failures.push(notWithKms("previousKeyGracePeriod", "the previous key works until KMS's rotation window ends (about 2 days for a scheduled rotation), then KMS deletes it"));
  return failures;
}
