import type { KmsTag, KmsVersionSummary } from "../../alicloud/kms-client";
import { ManagedSecretsError } from "../../core/errors";
import { invalid } from "../store-input";
import { BINDING_KEY_SETTING, type BindingKey } from "./kms-binding-key";
import { valueVersions } from "./kms-secret-meta";
import { BINDING_TAG, KMS_TAG_VALUE_MAX } from "./kms-tags";

/**
 * Where a secret's credential is sent (host, port, pinned host key, users,
 * region: the store's `boundKeys`) lives in KMS tags, so the runner finds
 * what it manages with ListSecrets alone. Tags are a different permission
 * (kms:TagResource) from reading values, and every application that
 * consumes a secret can read its value: neither may choose where the
 * credential goes. So the target entries are bound by a signature made with
 * a KMS asymmetric key only the product's principals may sign with (the
 * deployer and the runner's role: managed-secrets:bindingKeyId), and checked
 * here with the key's public key. A reader of the value or a tagger can
 * copy bindings, never make one.
 *
 * The tag managed-secrets:binding is "<base64url DER signature>:<versionId>",
 * the signature over bindingMessage(): the secret's name, the value version
 * the binding is for, and the bound entries in boundKeys' order (an absent
 * key is bound as absent). A copied binding is only as good as its version:
 * it holds only if it names the version holding ACSCurrent or one created
 * after it (KMS's CreateTime, ties in listing order). Every store write that
 * changes the target entries puts the value again as a new version and binds
 * that one (kms-binder.ts), so an earlier binding, of an earlier target, names
 * an older version and is refused.
 *
 * Bindings written by earlier releases (an HMAC keyed by scrypt over a value
 * of the secret, 43 characters: anyone who reads the value can compute it)
 * are never accepted: such a target is refused until its program declares it
 * again.
 */

export const BINDING_MESSAGE_PREFIX = "managed-secrets target binding v2";
/** A DER ECDSA P-256 signature is at most 72 bytes: 96 characters of base64url. */
const MAX_SIGNATURE_CHARS = 96;
const BINDING = /^([A-Za-z0-9_-]{1,96}):(.+)$/;
const LEGACY_MAC_CHARS = 43;
/** What is left of a tag value for the version id after the longest signature and the colon. */
export const MAX_BOUND_VERSION_ID_LENGTH = KMS_TAG_VALUE_MAX - MAX_SIGNATURE_CHARS - 1;

export interface Binding {
  readonly signature: string;
  readonly versionId: string;
}

/** Target entries in boundKeys' order, so the signature does not depend on tag order; absent keys are left out. */
export function targetEntries(boundKeys: readonly string[], metadata: Readonly<Record<string, string>>): Array<[string, string]> {
  return boundKeys.filter((k) => Object.hasOwn(metadata, k)).map((k) => [k, metadata[k]!]);
}

export function sameTarget(boundKeys: readonly string[], a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  return JSON.stringify(targetEntries(boundKeys, a)) === JSON.stringify(targetEntries(boundKeys, b));
}

/**
 * Whether the metadata chooses what a rotation acts on. Not only an SSH
 * address: a Cloud Assistant secret's instance and region decide which machine
 * gets a new password hash, and a RAM secret's user decides whose AccessKeys
 * are minted into this secret and retired. The first bound key is the kind of
 * target, which alone names none; any other needs the binding.
 */
export function namesTarget(boundKeys: readonly string[], metadata: Readonly<Record<string, string>>): boolean {
  return boundKeys.some((k, i) => i > 0 && Object.hasOwn(metadata, k));
}

export function bindingMessage(name: string, versionId: string, entries: ReadonlyArray<readonly [string, string]>): Buffer {
  return Buffer.from(JSON.stringify([BINDING_MESSAGE_PREFIX, name, versionId, entries]), "utf8");
}

export function readBinding(tags: readonly KmsTag[]): Binding | undefined {
  const tag = tags.find((t) => t.key === BINDING_TAG);
  const m = tag && BINDING.exec(tag.value);
  return m ? { signature: m[1]!, versionId: m[2]! } : undefined;
}

/** Refused before anything is written: a version id too long to fit beside a signature in one tag value. */
export function checkBindableVersionId(versionId: string): void {
  if (versionId.length > MAX_BOUND_VERSION_ID_LENGTH) {
    throw invalid(
      "versionId",
      `versionId must be at most ${MAX_BOUND_VERSION_ID_LENGTH} characters in the kms store with a binding key: it is kept beside the binding's signature in one KMS tag value of at most ${KMS_TAG_VALUE_MAX}`,
    );
  }
}

export function bindingTag(signature: Buffer, versionId: string): KmsTag {
  checkBindableVersionId(versionId);
  return { key: BINDING_TAG, value: `${signature.toString("base64url")}:${versionId}` };
}

/** Why a binding does not hold, each with its own advice. */
export type BindingFault = "no-key" | "missing" | "legacy" | "older-version" | "signature";

export interface BindingCheck {
  readonly name: string;
  readonly tags: readonly KmsTag[];
  /** The metadata the tags hold. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Every version KMS lists (the store's own are left out here). */
  readonly versions: readonly KmsVersionSummary[];
  readonly boundKeys: readonly string[];
  readonly key: BindingKey | undefined;
}

/** undefined when the binding holds for the tags' target entries, else why not. The version comes first: a replay is refused without a KMS call. */
export async function bindingFault(check: BindingCheck): Promise<BindingFault | undefined> {
  const { name, tags, metadata, versions, boundKeys, key } = check;
  if (key === undefined) return "no-key";
  const binding = readBinding(tags);
  if (binding === undefined) return "missing";
  if (binding.signature.length === LEGACY_MAC_CHARS) return "legacy";
  if (!atOrAfterCurrent(versions, binding.versionId)) return "older-version";
  const message = bindingMessage(name, binding.versionId, targetEntries(boundKeys, metadata));
  return (await key.verifies(message, Buffer.from(binding.signature, "base64url"))) ? undefined : "signature";
}

/** The version's place in KMS's order against ACSCurrent's: the same version, or one created after it. */
export function atOrAfterCurrent(versions: readonly KmsVersionSummary[], versionId: string): boolean {
  return compareVersions(versions, versionId, valueVersions(versions).find((v) => v.stages.includes("ACSCurrent"))?.versionId) >= 0;
}

/** <0, 0, >0 as version `a` was created before, is, or was created after `b`; -1 when either is unknown. */
export function compareVersions(versions: readonly KmsVersionSummary[], a: string, b: string | undefined): number {
  const order = valueVersions(versions).map((v) => v.versionId);
  const ia = order.indexOf(a);
  const ib = b === undefined ? -1 : order.indexOf(b);
  return ia < 0 || ib < 0 ? -1 : ia - ib;
}

/** TargetUnverified for a binding that does not hold: nothing was sent, and the advice says how to bind it again. */
export function unverifiedTarget(name: string, fault: BindingFault, boundKeys: readonly string[], metadata: Readonly<Record<string, string>>, versions: readonly KmsVersionSummary[], tags: readonly KmsTag[]): ManagedSecretsError {
  const what = `the target of secret "${name}" (${targetEntries(boundKeys, metadata).map(([k]) => k).join(", ")})`;
  const redeclare = "run `pulumi up --refresh` for the stack that declares it: its program states the target again, and that binds it";
  const messages: Record<BindingFault, string> = {
    "no-key":
      `${what} cannot be authenticated: no binding key is configured. Nothing was sent. Set ${BINDING_KEY_SETTING} to the id of the EC_P256 SIGN/VERIFY key ` +
      `the product signs target bindings with. A Pulumi program's own refresh and update do not need it; the rotation runner and the managed-secrets CLI do`,
    missing:
      `${what} is recorded only in KMS tags, which is not proof of where its credential may go: it was written before targets were authenticated, ` +
      `or its binding tag was removed. Nothing was sent. Run \`pulumi up --refresh\` for the stack that declares it: its program states the target again, and that authenticates it`,
    legacy:
      `${what} is bound by an earlier release of managed-secrets, with a MAC every reader of the secret's value can compute, which is no longer accepted. ` +
      `Nothing was sent. To bind it with the binding key, ${redeclare}`,
    "older-version":
      `${what} is authenticated for version "${readBinding(tags)?.versionId}", which is neither its current version "${valueVersions(versions).find((v) => v.stages.includes("ACSCurrent"))?.versionId}" nor a later one: ` +
      `an earlier binding and the target it names were put back into its KMS tags. Nothing was sent. Check who can tag this secret (kms:TagResource), then ${redeclare}`,
    signature:
      `${what} does not match its authentication: its KMS tags were changed outside managed-secrets. ` +
      `Nothing was sent. Check who can tag this secret (kms:TagResource), then run \`pulumi up --refresh\` for the stack that declares it to restore the declared target`,
  };
  return new ManagedSecretsError("TargetUnverified", messages[fault], { secretName: name });
}
