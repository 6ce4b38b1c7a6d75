import type { KmsTag, KmsVersionSummary } from "../../alicloud/kms-client";
import { ManagedSecretsError } from "../../core/errors";
import type { SecretStore, VersionInfo } from "../secret-store";
import { versionNotFound } from "../store-errors";
import { nextVersionId } from "../version-ids";
import { bindingFault, bindingMessage, bindingTag, checkBindableVersionId, compareVersions, namesTarget, readBinding, sameTarget, targetEntries, unverifiedTarget } from "./kms-binding";
import type { BindingKey } from "./kms-binding-key";
import type { KmsCall } from "./kms-call";
import type { KmsLeases } from "./kms-leases";
import type { SecretReads } from "./kms-reads";
import { valueVersions } from "./kms-secret-meta";
import { BINDING_TAG, readTags } from "./kms-tags";
import { isManagedType } from "./kms-managed";

/** The store's own writes of values and stages, with their checks and session bookkeeping, that a binding's writes go through. */
export type ValueWrites = Pick<SecretStore, "getValue" | "putValue" | "updateVersionStage">;

/**
 * What the kms store does about a secret's target binding (kms-binding.ts)
 * as its writes go: signs one for a new secret and for a rotation's new
 * pending version, binds before ACSCurrent moves, puts the value again as a
 * new version when a write changes the target, writes the binding's tag, and
 * checks a binding before a target is trusted. `boundKeys` are the metadata
 * keys a binding covers; without a `key` nothing is signed and no stored
 * target is trusted.
 */
export class TargetBinder {
  readonly #boundKeys: readonly string[];
  readonly #key: BindingKey | undefined;
  readonly #call: KmsCall;
  readonly #reads: SecretReads;
  readonly #leases: KmsLeases;
  readonly #store: ValueWrites;

  constructor(options: { boundKeys: readonly string[]; key: BindingKey | undefined; call: KmsCall; reads: SecretReads; leases: KmsLeases; store: ValueWrites }) {
    this.#boundKeys = options.boundKeys;
    this.#key = options.key;
    this.#call = options.call;
    this.#reads = options.reads;
    this.#leases = options.leases;
    this.#store = options.store;
  }

  /** Whether a secret with this metadata is created with a binding: there is a key, and the metadata names a target. */
  binds(metadata: Readonly<Record<string, string>>): boolean {
    return this.#key !== undefined && namesTarget(this.#boundKeys, metadata);
  }

  /**
   * Resolves when `metadata`'s target entries are the ones the secret's
   * binding authenticates (kms-binding.ts); otherwise TargetUnverified,
   * before anything is sent.
   */
  async authenticate(name: string, metadata: Readonly<Record<string, string>>): Promise<void> {
    const { description, versions } = await this.#reads.readLive(name);
    // A secret KMS rotates names its target in ExtendedConfig, KMS's own record, which the kinds read instead of tags.
    if (isManagedType(description.secretType)) return;
    const tagMetadata = readTags(name, description.tags).metadata;
    if (!namesTarget(this.#boundKeys, tagMetadata) && !namesTarget(this.#boundKeys, metadata)) return;
    const fault = await bindingFault({ name, tags: description.tags, metadata: tagMetadata, versions, boundKeys: this.#boundKeys, key: this.#key });
    if (fault !== undefined) throw unverifiedTarget(name, fault, this.#boundKeys, tagMetadata, versions, description.tags);
    if (!sameTarget(this.#boundKeys, metadata, tagMetadata)) {
      throw new ManagedSecretsError("TargetUnverified", `the target of secret "${name}" changed since it was read; nothing was sent, run the command again`, { secretName: name });
    }
  }

  /**
   * Whether a metadata write re-targets the secret: put its value again as a
   * new version, and bind that one. When the write changes the target
   * entries, so that no version is ever bound to two targets (an earlier
   * binding of the same version could be put back); and when the program
   * declares its target and the binding does not hold for it (written before
   * bindings, by an earlier release, or tags edited outside the product):
   * bound anew, never as a version an earlier binding may name. Signed only
   * when the write sets every target entry itself (a Pulumi program declaring
   * its target), never for tags it found.
   */
  async retargets(
    name: string,
    tags: readonly KmsTag[],
    metadata: Readonly<Record<string, string>>,
    nextMetadata: Readonly<Record<string, string>>,
    patch: Readonly<Record<string, string | null>>,
    versions: readonly KmsVersionSummary[],
  ): Promise<{ sign: boolean } | undefined> {
    const bk = this.#boundKeys;
    const declared = this.#key !== undefined && namesTarget(bk, nextMetadata) && targetEntries(bk, nextMetadata).every(([k, v]) => patch[k] === v);
    if (!sameTarget(bk, metadata, nextMetadata) && (namesTarget(bk, metadata) || namesTarget(bk, nextMetadata))) return { sign: declared };
    if (declared && (await bindingFault({ name, tags, metadata, versions, boundKeys: bk, key: this.#key })) !== undefined) return { sign: true };
    return undefined;
  }

  /**
   * A re-targeting write's versions: the value put again as a new version,
   * and that version's binding for `nextMetadata` (when `sign`), which the
   * caller writes with the tags. Order (a crash after any step leaves a
   * binding that holds, or a refused one): signed first (nothing written if
   * the key cannot sign); the value put again as a new version, which takes
   * ACSCurrent (from here every binding of an older version, the old
   * target's included, is refused); ACSPrevious back where it was; then the
   * tags, the new binding with them. A re-run of the write finds the target
   * still changed and starts over.
   */
  async retarget(
    name: string,
    versions: readonly KmsVersionSummary[],
    nextMetadata: Readonly<Record<string, string>>,
    sign: boolean,
  ): Promise<{ binding?: KmsTag; versions: readonly KmsVersionSummary[] }> {
    const versionId = nextVersionId(valueVersions(versions));
    const signed = sign ? await this.sign(name, versionId, nextMetadata) : undefined;
    await this.#repeatCurrent(name, versionId, versions);
    const after = await this.#reads.versionsOf(name);
    return { ...(signed !== undefined ? { binding: signed } : {}), versions: after };
  }

  /** A write that leaves the target as it was keeps its binding as it is, holding or not (a write never blesses tags it did not set). */
  kept(tags: readonly KmsTag[], nextMetadata: Readonly<Record<string, string>>): KmsTag[] {
    return namesTarget(this.#boundKeys, nextMetadata) ? tags.filter((t) => t.key === BINDING_TAG) : [];
  }

  /**
   * The binding for a rotation's new pending version, when the secret's
   * target is bound and its binding holds now: finish then only moves the
   * stage (the binding already names the version that becomes current).
   */
  async forPending(name: string, versionId: string, versions: readonly KmsVersionSummary[]): Promise<KmsTag | undefined> {
    if (this.#key === undefined) return undefined;
    const description = this.#leases.session(name)?.description ?? (await this.#reads.requireLive(name));
    const { metadata } = readTags(name, description.tags);
    if (!namesTarget(this.#boundKeys, metadata)) return undefined;
    const fault = await bindingFault({ name, tags: description.tags, metadata, versions, boundKeys: this.#boundKeys, key: this.#key });
    return fault === undefined ? this.sign(name, versionId, metadata) : undefined;
  }

  /**
   * Before ACSCurrent moves to `versionId` (a rotation's finish), the binding
   * moves to it: signed for the target entries as they are, only when the
   * binding holds for them (tags edited outside the product are never
   * blessed: the old binding stays, and is refused once it names an older
   * version). Written before the move, since a binding of a version newer
   * than ACSCurrent holds; a crash between the two leaves that.
   *
   * ACSCurrent only moves forward: a version created before the current one
   * (a rotation's pending version, left across a re-declared target) may
   * carry a binding of an earlier target that a copy could put back. So its
   * value is put again as a new version, which is bound and made current
   * instead, and this resolves true: the move was made here.
   */
  async beforeMove(name: string, versionId: string): Promise<boolean> {
    const { description, versions } = await this.#reads.readLive(name);
    const { metadata } = readTags(name, description.tags);
    if (!namesTarget(this.#boundKeys, metadata)) return false;
    const current = valueVersions(versions).find((v) => v.stages.includes("ACSCurrent"))?.versionId;
    const bound = readBinding(description.tags)?.versionId;
    const forward = compareVersions(versions, versionId, current) > 0;
    if (forward && bound === versionId) return false;
    const holds = (await bindingFault({ name, tags: description.tags, metadata, versions, boundKeys: this.#boundKeys, key: this.#key })) === undefined;
    if (forward && (!holds || compareVersions(versions, versionId, bound) > 0)) {
      if (holds) await this.write(name, await this.sign(name, versionId, metadata));
      return false;
    }
    const again = nextVersionId(valueVersions(versions));
    const signed = holds ? await this.sign(name, again, metadata) : undefined;
    const value = (await this.#store.getValue(name, { versionId })).value;
    await this.#store.putValue(name, { versionId: again, value, stages: ["ACSCurrent"] });
    if (signed !== undefined) await this.write(name, signed);
    return true;
  }

  async sign(name: string, versionId: string, metadata: Readonly<Record<string, string>>): Promise<KmsTag> {
    checkBindableVersionId(versionId);
    const message = bindingMessage(name, versionId, targetEntries(this.#boundKeys, metadata));
    return bindingTag(await this.#key!.sign(message, name), versionId);
  }

  async write(name: string, tag: KmsTag): Promise<void> {
    try {
      await this.#call((kms) => kms.tagResource({ secretName: name, tags: [tag] }));
    } catch (e) {
      this.#leases.session(name)?.forget();
      throw await this.#reads.secretError(e, name);
    }
    this.#leases.session(name)?.retag([tag], []);
  }

  /**
   * The current value put again as `versionId`, which takes ACSCurrent.
   * KMS gives ACSPrevious to the version ACSCurrent left, a copy of the same
   * value now; it goes back to the version that held it, so the previous
   * credential (a RAM key a later rotation retires) is still ACSPrevious.
   */
  async #repeatCurrent(name: string, versionId: string, versions: readonly KmsVersionSummary[]): Promise<void> {
    const staged = valueVersions(versions);
    const current = staged.find((v) => v.stages.includes("ACSCurrent"));
    if (current === undefined) throw versionNotFound(name, `secret "${name}" has no ACSCurrent version`);
    const value = (await this.#store.getValue(name, { versionId: current.versionId })).value;
    const previous = await this.#previousToKeep(name, staged, current.versionId, value);
    await this.#store.putValue(name, { versionId, value, stages: ["ACSCurrent"] });
    if (previous !== undefined) await this.#store.updateVersionStage(name, { stage: "ACSPrevious", moveToVersionId: previous, removeFromVersionId: current.versionId });
  }

  /** ACSPrevious's holder; or, where an interrupted re-target left it on a copy of the current value, the newest earlier version with another value. */
  async #previousToKeep(name: string, staged: readonly VersionInfo[], currentId: string, value: string): Promise<string | undefined> {
    const at = staged.findIndex((v) => v.stages.includes("ACSPrevious"));
    for (let i = at; i >= 0; i--) {
      const { versionId } = staged[i]!;
      if (versionId !== currentId && (await this.#store.getValue(name, { versionId })).value !== value) return versionId;
    }
    return undefined;
  }
}
