import { ManagedSecretsError } from "../core/errors";
import type { SecretMeta } from "../store/secret-store";

/**
 * A target's fields read back from a secret's stored metadata, each held to
 * the form check() holds the program's input to. Metadata is as easy to
 * change as KMS tags are, and these strings decide where a credential goes
 * and reach scripts run as root, so a field that check would refuse is
 * refused here too, before the target exists. The message names the key and
 * the form, never the stored text (it may be a hostile string).
 */
export class StoredTargetFields {
  constructor(private readonly meta: SecretMeta) {}

  get secretName(): string {
    return this.meta.name;
  }

  /** The field, which must be present and of this form. */
  required(key: string, accepts: (text: string) => boolean, form: string): string {
    const text = this.meta.metadata[key];
    if (text === undefined || text === "") throw this.refused(key, `is missing; it must be ${form}`);
    if (!accepts(text)) throw this.refused(key, `must be ${form}`);
    return text;
  }

  /** The field when present (absent or empty: undefined), held to the same form. */
  optional(key: string, accepts: (text: string) => boolean, form: string): string | undefined {
    const text = this.meta.metadata[key];
    if (text === undefined || text === "") return undefined;
    return this.required(key, accepts, form);
  }

  /** One of `allowed`; absent gives `fallback` (what versions that did not write the key meant). */
  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const text = this.optional(key, (t) => (allowed as readonly string[]).includes(t), `one of ${allowed.map((a) => `"${a}"`).join(", ")}`);
    return (text as T | undefined) ?? fallback;
  }

  /** A whole number in decimal digits, from..to. */
  integer(key: string, from: number, to: number, fallback?: number): number {
    const form = `a whole number ${from}..${to}`;
    const accepts = (t: string) => /^[0-9]{1,15}$/.test(t) && Number(t) >= from && Number(t) <= to;
    const text = fallback === undefined ? this.required(key, accepts, form) : this.optional(key, accepts, form);
    return text === undefined ? fallback! : Number(text);
  }

  /**
   * A field of KMS's own record of a secret it rotates (ExtendedConfig), held
   * to the same forms: it decides which instance or RAM user a probe looks at.
   */
  kms(key: string, accepts: (text: string) => boolean, form: string): string {
    const managed = this.meta.managed;
    const text = managed?.extendedConfig[key];
    if (managed === undefined || text === undefined || text === "" || !accepts(text)) {
      throw new ManagedSecretsError(
        "StoreUnreadable",
        `secret "${this.meta.name}": KMS's ExtendedConfig.${key} ${text === undefined || text === "" ? "is missing" : "is not of the form"}; it must be ${form}. Nothing was sent`,
        { secretName: this.meta.name, property: `ExtendedConfig.${key}` },
      );
    }
    return text;
  }

  /** Keys that must all be present or all absent (a bastion's location). */
  group(keys: readonly string[]): boolean {
    const present = keys.filter((k) => (this.meta.metadata[k] ?? "") !== "");
    if (present.length === 0) return false;
    const missing = keys.find((k) => !present.includes(k));
    if (missing !== undefined) throw this.refused(missing, `is missing while ${present.join(", ")} ${present.length === 1 ? "is" : "are"} set`);
    return true;
  }

  private refused(key: string, what: string): ManagedSecretsError {
    return new ManagedSecretsError(
      "StoreUnreadable",
      `secret "${this.meta.name}": its stored target field ${key} ${what}; nothing was sent. The metadata was changed outside managed-secrets ` +
        `(or by a newer version): re-declare the secret (\`pulumi up --refresh\` for the stack that declares it, or \`managed-secrets adopt\`)`,
      { secretName: this.meta.name, property: key },
    );
  }
}
