import { ManagedSecretsError } from "../core/errors";

/**
 * A stored value's JSON object, as the KMS shapes keep it. Anything else
 * (not JSON, or JSON that is not an object) is a damaged value: StoreUnreadable,
 * naming the kind of secret and never the text, which may hold a credential.
 */
export function storedJsonObject(text: string, kind: string): Readonly<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ManagedSecretsError("StoreUnreadable", `a stored ${kind} secret value is not JSON`);
  }
  return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
}
