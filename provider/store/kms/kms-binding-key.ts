import { createHash, createPublicKey, verify, type KeyObject } from "node:crypto";
import { CloudApiError } from "../../alicloud/cloud-api-error";
import type { KmsClient, KmsKeyVersion } from "../../alicloud/kms-client";
import { ManagedSecretsError } from "../../core/errors";
import { kmsRef, storeErrorFrom } from "./kms-errors";

export const BINDING_KEY_SETTING = "managed-secrets:bindingKeyId (or MANAGED_SECRETS_BINDING_KEY_ID)";
const BINDING_KEY_PROPERTY = "managed-secrets:bindingKeyId";

/** AsymmetricSign's algorithm for EC_P256 keys; the digest sent is base64 of the message's SHA-256 (KMS AsymmetricSign reference). */
const ALGORITHM = "ECDSA_SHA_256";
const KEY_VERSIONS_PAGE_SIZE = 100;

/**
 * The KMS key that signs target bindings (kms-binding.ts). Signing is
 * KMS's AsymmetricSign with the key's newest version, which only principals
 * granted kms:AsymmetricSign on the key can call. Checking is local: a
 * signature holds if the public key of any version of the key verifies it.
 * Versions and public keys are read once per store (ListKeyVersions,
 * GetPublicKey) and the version list again only when no known version
 * verifies a signature (the key got a new version). One per store, so a
 * store made with other credentials asks KMS itself.
 */
export class BindingKey {
  #versions: Promise<KmsKeyVersion[]> | undefined;
  readonly #publicKeys = new Map<string, Promise<KeyObject>>();

  constructor(
    readonly keyId: string,
    private readonly kms: () => KmsClient,
  ) {}

  async sign(message: Buffer, secretName: string): Promise<Buffer> {
    const versions = await this.#listVersions(secretName);
    const newest = versions.at(-1);
    if (newest === undefined) throw configError(`KMS lists no version of the key set in ${BINDING_KEY_SETTING}`, secretName);
    const digest = createHash("sha256").update(message).digest("base64");
    try {
      const signed = await this.kms().asymmetricSign({ keyId: this.keyId, keyVersionId: newest.keyVersionId, algorithm: ALGORITHM, digest });
      return Buffer.from(signed.value, "base64");
    } catch (e) {
      throw keyError(e, secretName);
    }
  }

  /** Whether some version of the key signed `message`; false for anything that is not a signature. */
  async verifies(message: Buffer, signature: Buffer, secretName = ""): Promise<boolean> {
    const known = this.#versions !== undefined;
    const tried = new Set<string>();
    for (const fresh of known ? [false, true] : [false]) {
      if (fresh) this.#versions = undefined;
      for (const { keyVersionId } of await this.#listVersions(secretName)) {
        if (tried.has(keyVersionId)) continue;
        tried.add(keyVersionId);
        if (checks(message, signature, await this.#publicKey(keyVersionId, secretName))) return true;
      }
    }
    return false;
  }

  /** Oldest first, as KMS's CreationDate (then its listing order) has them. */
  #listVersions(secretName: string): Promise<KmsKeyVersion[]> {
    this.#versions ??= (async () => {
      const all: KmsKeyVersion[] = [];
      try {
        for (let page = 1; ; page++) {
          const { totalCount, versions } = await this.kms().listKeyVersions({ keyId: this.keyId, pageNumber: page, pageSize: KEY_VERSIONS_PAGE_SIZE });
          all.push(...versions);
          if (versions.length === 0 || all.length >= totalCount) break;
        }
      } catch (e) {
        throw keyError(e, secretName);
      }
      return all.map((v, i) => ({ v, i, at: Date.parse(v.creationDate) })).sort((a, b) => a.at - b.at || a.i - b.i).map(({ v }) => v);
    })();
    this.#versions.catch(() => (this.#versions = undefined));
    return this.#versions;
  }

  #publicKey(keyVersionId: string, secretName: string): Promise<KeyObject> {
    let key = this.#publicKeys.get(keyVersionId);
    if (key === undefined) {
      key = (async () => {
        let pem: string;
        try {
          pem = (await this.kms().getPublicKey({ keyId: this.keyId, keyVersionId })).publicKey;
        } catch (e) {
          throw keyError(e, secretName);
        }
        const parsed = (() => {
          try {
            return createPublicKey(pem);
          } catch {
            return undefined;
          }
        })();
        if (parsed?.asymmetricKeyType !== "ec") throw configError(`the key set in ${BINDING_KEY_SETTING} is not an EC key: use an EC_P256 key with KeyUsage SIGN/VERIFY`, secretName);
        return parsed;
      })();
      this.#publicKeys.set(keyVersionId, key);
      key.catch(() => this.#publicKeys.delete(keyVersionId));
    }
    return key;
  }
}

function checks(message: Buffer, signature: Buffer, publicKey: KeyObject): boolean {
  try {
    return verify("sha256", message, publicKey, signature);
  } catch {
    return false;
  }
}

function configError(message: string, secretName: string): ManagedSecretsError {
  return new ManagedSecretsError("StoreConfig", message, { property: BINDING_KEY_PROPERTY, ...(secretName ? { secretName } : {}) });
}

/** A key KMS does not know, or cannot sign with, is the store's configuration to fix; anything else reads as any KMS failure. */
function keyError(e: unknown, secretName: string): unknown {
  if (!(e instanceof CloudApiError)) return e;
  const ref = kmsRef(e);
  switch (e.apiCode) {
    case "Forbidden.KeyNotFound":
    case "Forbidden.KeyVersionNotFound":
    case "Forbidden.AliasNotFound":
      return configError(`KMS has no key with the id set in ${BINDING_KEY_SETTING}: check it against the KMS console of this region (${ref})`, secretName);
    case "Rejected.UnsupportedOperation":
    case "InvalidParameter":
      return configError(`the key set in ${BINDING_KEY_SETTING} cannot sign with ${ALGORITHM}: use an EC_P256 key with KeyUsage SIGN/VERIFY (${ref})`, secretName);
    case "Rejected.Disabled":
    case "Rejected.PendingDeletion":
      return configError(`the key set in ${BINDING_KEY_SETTING} is disabled or scheduled for deletion in KMS: enable it, or set another key (${ref})`, secretName);
  }
  return storeErrorFrom(e, secretName || undefined);
}
