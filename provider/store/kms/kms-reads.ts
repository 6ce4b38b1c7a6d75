import type { KmsSecretDescription, KmsSecretValue, KmsVersionSummary } from "../../alicloud/kms-client";
import { ManagedSecretsError, restoreAdvice } from "../../core/errors";
import type { VersionInfo, VersionStage } from "../secret-store";
import { versionNotFound } from "../store-errors";
import { KMS_IN_DELETE_WINDOW, KMS_NOT_FOUND, isKmsCode, notFound, pendingDeletion, storeErrorFrom } from "./kms-errors";
import type { KmsCall } from "./kms-call";
import type { KmsLeases } from "./kms-leases";
import { listVersions } from "./kms-listing";
import { valueVersions } from "./kms-secret-meta";

/**
 * What the kms store reads of one secret: from the session of a lease it
 * holds when that knows (kms-session.ts), else from KMS; and the product
 * error for a failed call on a secret, which takes a read to word (KMS says
 * "not found" for a secret and a version alike, and gives no planned
 * deletion time with "in delete window").
 */
export class SecretReads {
  readonly #call: KmsCall;
  readonly #leases: KmsLeases;

  constructor(call: KmsCall, leases: KmsLeases) {
    this.#call = call;
    this.#leases = leases;
  }

  /** Description and every version (internal ones too), or undefined when KMS has no such secret. */
  async read(name: string): Promise<{ description: KmsSecretDescription; versions: readonly KmsVersionSummary[] } | undefined> {
    const session = this.#leases.session(name);
    try {
      // Both settle before anything is decided, so no call is left running behind the answer.
      const [description, versions] = await Promise.allSettled([
        session?.description ?? this.#call((kms) => kms.describeSecret({ secretName: name })),
        this.versionsOf(name),
      ]);
      if (description.status === "rejected") throw description.reason;
      if (versions.status === "rejected") throw versions.reason;
      if (session) session.description = description.value;
      return { description: description.value, versions: versions.value };
    } catch (e) {
      if (isKmsCode(e, KMS_NOT_FOUND) || (e instanceof ManagedSecretsError && e.code === "SecretNotFound")) return undefined;
      throw storeErrorFrom(e, name);
    }
  }

  async readLive(name: string): Promise<{ description: KmsSecretDescription; versions: readonly KmsVersionSummary[] }> {
    const read = await this.read(name);
    if (read === undefined) throw notFound(name);
    if (read.description.plannedDeleteTime) throw pendingDeletion(name, read.description.plannedDeleteTime, restoreAdvice(name));
    return read;
  }

  async requireLive(name: string): Promise<KmsSecretDescription> {
    let description: KmsSecretDescription;
    try {
      description = await this.#call((kms) => kms.describeSecret({ secretName: name }));
    } catch (e) {
      throw await this.secretError(e, name);
    }
    if (description.plannedDeleteTime) throw pendingDeletion(name, description.plannedDeleteTime, restoreAdvice(name));
    return description;
  }

  /** A value the session already holds, shaped as GetSecretValue answers; undefined when KMS must be asked. */
  sessionValue(name: string, versionId: string | undefined, stage: VersionStage): KmsSecretValue | undefined {
    const session = this.#leases.session(name);
    const version = versionId !== undefined ? session?.versions?.find((v) => v.versionId === versionId) : session?.holder(stage);
    const value = version && session?.value(version.versionId);
    if (version === undefined || value === undefined) return undefined;
    return { secretName: name, versionId: version.versionId, versionStages: version.versionStages, createTime: version.createTime, secretData: value };
  }

  /** Every version (the store's too), from the session while the lease is held. */
  async versionsOf(name: string): Promise<readonly KmsVersionSummary[]> {
    const session = this.#leases.session(name);
    if (session?.versions !== undefined) return session.versions;
    const versions = await listVersions(this.#call, name);
    if (session) session.versions = versions;
    return versions;
  }

  async holdsValue(name: string, versionId: string, value: string): Promise<boolean> {
    try {
      return (await this.#call((kms) => kms.getSecretValue({ secretName: name, versionId }))).secretData === value;
    } catch {
      return false;
    }
  }

  async stageIsWhere(name: string, stage: VersionStage, moveTo: string | undefined, removeFrom: string | undefined): Promise<boolean> {
    const versions = valueVersions(await listVersions(this.#call, name));
    const has = (id: string | undefined) => versions.find((v: VersionInfo) => v.versionId === id)?.stages.includes(stage) === true;
    return moveTo !== undefined ? has(moveTo) : !has(removeFrom);
  }

  /** The product error for a failed call on a secret, with "not found" and "in delete window" worded as the local store words them. */
  async secretError(e: unknown, name: string): Promise<unknown> {
    if (isKmsCode(e, KMS_NOT_FOUND)) return notFound(name);
    if (isKmsCode(e, KMS_IN_DELETE_WINDOW)) return this.pendingError(name, "restore it (restoreSecret) to use it again");
    return storeErrorFrom(e, name);
  }

  async pendingError(name: string, advice: string): Promise<ManagedSecretsError> {
    const planned = await this.read(name).then(
      (r) => r?.description.plannedDeleteTime,
      () => undefined,
    );
    return pendingDeletion(name, planned, advice);
  }

  /** KMS says "not found" for a missing secret and a missing version alike: ask which. */
  async versionError(name: string, message: string): Promise<ManagedSecretsError> {
    const read = await this.read(name);
    if (read === undefined) return notFound(name);
    if (read.description.plannedDeleteTime) return pendingDeletion(name, read.description.plannedDeleteTime, restoreAdvice(name));
    return versionNotFound(name, message);
  }
}
