import { createHash, createHmac, scrypt, timingSafeEqual } from "node:crypto";
import type { KmsTag } from "../../alicloud/kms-client";
import { ManagedSecretsError } from "../../core/errors";
import { META, TARGET_METADATA_KEYS } from "../../schedule/rotation-metadata";
import { BINDING_TAG } from "./kms-tags";

/**
 * Where a secret's credential is sent (host, port, pinned host key, user, RAM
 * user) lives in KMS tags, so the runner finds what it manages with
 * ListSecrets alone. But tags are a different permission (kms:TagResource)
 * from reading values: whoever can edit them could point the next probe or
 * rotation at their own sshd, which would then receive the password.
 *
 * So the target entries are authenticated by a MAC whose key only readers of
 * the secret's value can derive: scrypt over one value version (named in the
 * tag), salted with the secret name and version id. The MAC sits in the tag
 * managed-secrets:binding as "<mac>:<versionId>".
 *
 * Why a KDF, not a plain HMAC keyed with the value: the MAC covers data anyone
 * who lists tags can read, so it lets them test guesses of the value offline;
 * a generated credential cannot be guessed, a custom password might be. scrypt
 * at 16 MiB (half a local-store passphrase's cost) makes every guess expensive.
 *
 * Why not the value JSON itself: the values keep the exact shapes KMS's own
 * managed secrets use, and the target can change without a rotation.
 */

const MAC_LENGTH = 43; // 32 bytes, base64url
const BINDING = /^([A-Za-z0-9_-]{43}):(.+)$/;
const KDF = { N: 2 ** 14, r: 8, p: 1 } as const;

export interface Binding {
  readonly mac: string;
  readonly versionId: string;
}

/** Target entries in a fixed order, so the MAC does not depend on tag order. Absent keys are left out (and so are bound as absent). */
export function targetEntries(metadata: Readonly<Record<string, string>>): Array<[string, string]> {
  return TARGET_METADATA_KEYS.filter((k) => Object.hasOwn(metadata, k)).map((k) => [k, metadata[k]!]);
}

/**
 * Whether the metadata chooses what a rotation acts on. Not only an SSH
 * address: a Cloud Assistant secret's instance and region decide which machine
 * gets a new password hash, and a RAM secret's user decides whose AccessKeys
 * are minted into this secret and retired. Any of them edited by a tagger
 * alone must be refused, so every target entry but the kind needs the binding.
 */
export function namesTarget(metadata: Readonly<Record<string, string>>): boolean {
  return TARGET_METADATA_KEYS.some((k) => k !== META.kind && Object.hasOwn(metadata, k));
}

export function readBinding(tags: readonly KmsTag[]): Binding | undefined {
  const tag = tags.find((t) => t.key === BINDING_TAG);
  const m = tag && BINDING.exec(tag.value);
  return m ? { mac: m[1]!, versionId: m[2]! } : undefined;
}

export function bindingTag(binding: Binding): KmsTag {
  return { key: BINDING_TAG, value: `${binding.mac}:${binding.versionId}` };
}

/** Keys derived this process: a rotation checks and re-binds the same versions several times. Keyed by a hash, so no value is kept. */
const keys = new Map<string, Promise<Buffer>>();

function bindingKey(name: string, versionId: string, value: string): Promise<Buffer> {
  const id = createHash("sha256").update(JSON.stringify([name, versionId])).update("\0").update(value, "utf8").digest("base64");
  let key = keys.get(id);
  if (key === undefined) {
    const salt = `managed-secrets target binding\0${name}\0${versionId}`;
    key = new Promise<Buffer>((resolve, reject) =>
      scrypt(value, salt, 32, { ...KDF, maxmem: 64 * 1024 * 1024 }, (err, derived) => (err ? reject(err) : resolve(derived))),
    );
    keys.set(id, key);
    key.catch(() => keys.delete(id));
  }
  return key;
}

export async function computeBinding(name: string, versionId: string, value: string, metadata: Readonly<Record<string, string>>): Promise<Binding> {
  const key = await bindingKey(name, versionId, value);
  const mac = createHmac("sha256", key).update(JSON.stringify([name, targetEntries(metadata)])).digest("base64url");
  return { mac, versionId };
}

/** False for a wrong MAC and for a version that cannot be read (gone, or never ours). */
export async function bindingHolds(
  name: string,
  binding: Binding,
  metadata: Readonly<Record<string, string>>,
  readValue: (versionId: string) => Promise<string>,
): Promise<boolean> {
  let value: string;
  try {
    value = await readValue(binding.versionId);
  } catch {
    return false;
  }
  const expected = Buffer.from((await computeBinding(name, binding.versionId, value, metadata)).mac);
  const actual = Buffer.from(binding.mac);
  return actual.length === MAC_LENGTH && timingSafeEqual(expected, actual);
}

export interface NextBindingInput {
  readonly name: string;
  readonly tags: readonly KmsTag[];
  readonly metadata: Readonly<Record<string, string>>;
  readonly nextMetadata: Readonly<Record<string, string>>;
  readonly patch: Readonly<Record<string, string | null>>;
  /** The version holding ACSCurrent: new bindings are keyed by it, so it stays readable as long as the secret is. */
  readonly currentVersionId: string | undefined;
  readonly readValue: (versionId: string) => Promise<string>;
}

/**
 * The binding tag to write with a metadata change. A new binding blesses the
 * target entries it covers, so it is written only when they are trustworthy:
 * every one set by this very write (a Pulumi program declaring its target:
 * how secrets written before bindings existed get one), or all unchanged
 * under a binding that holds. Otherwise the old tag stays as it is (still
 * refused when the target is used); a metadata write never fails for it, since
 * finish writes metadata after the target already took the new value.
 */
export async function nextBindingTags(input: NextBindingInput): Promise<KmsTag[]> {
  const { name, tags, metadata, nextMetadata, patch, currentVersionId, readValue } = input;
  const old = readBinding(tags);
  const keep = old ? [bindingTag(old)] : [];
  if (!namesTarget(nextMetadata) || currentVersionId === undefined) return [];
  const unchanged = JSON.stringify(targetEntries(metadata)) === JSON.stringify(targetEntries(nextMetadata));
  if (unchanged && old?.versionId === currentVersionId) return keep;
  const declared = targetEntries(nextMetadata).every(([k, v]) => patch[k] === v);
  const trusted = declared || (unchanged && old !== undefined && (await bindingHolds(name, old, metadata, readValue)));
  if (!trusted) return keep;
  try {
    return [bindingTag(await computeBinding(name, currentVersionId, await readValue(currentVersionId), nextMetadata))];
  } catch {
    return keep;
  }
}

/**
 * Resolves when `metadata`'s target entries are the ones the secret's binding
 * authenticates; otherwise TargetUnverified, before anything is sent.
 */
export async function authenticateTarget(
  name: string,
  tags: readonly KmsTag[],
  tagMetadata: Readonly<Record<string, string>>,
  metadata: Readonly<Record<string, string>>,
  readValue: (versionId: string) => Promise<string>,
): Promise<void> {
  if (!namesTarget(tagMetadata) && !namesTarget(metadata)) return;
  const binding = readBinding(tags);
  if (binding === undefined) {
    throw unverified(
      name,
      `the target of secret "${name}" (${targetKeys(tagMetadata)}) is recorded only in KMS tags, which is not proof of where its credential may go: ` +
        `it was written before targets were authenticated, or its binding tag was removed. Nothing was sent. Run \`pulumi up --refresh\` ` +
        `for the stack that declares it: its program states the target again, and that authenticates it`,
    );
  }
  if (!(await bindingHolds(name, binding, tagMetadata, readValue))) {
    throw unverified(
      name,
      `the target of secret "${name}" (${targetKeys(tagMetadata)}) does not match its authentication: its KMS tags were changed outside managed-secrets. ` +
        `Nothing was sent. Check who can tag this secret (kms:TagResource), then run \`pulumi up --refresh\` for the stack that declares it to restore the declared target`,
    );
  }
  if (JSON.stringify(targetEntries(metadata)) !== JSON.stringify(targetEntries(tagMetadata))) {
    throw unverified(name, `the target of secret "${name}" changed since it was read; nothing was sent, run the command again`);
  }
}

function targetKeys(metadata: Readonly<Record<string, string>>): string {
  return targetEntries(metadata)
    .map(([k]) => k)
    .join(", ");
}

function unverified(name: string, message: string): ManagedSecretsError {
  return new ManagedSecretsError("TargetUnverified", message, { secretName: name });
}
