import { createHash, createHmac, randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { ManagedSecretsError } from "../../core/errors";
import { unreadable } from "./unreadable";

/**
 * scrypt parameters travel in each file's envelope, so raising the cost later
 * does not strand files written with today's values.
 */
export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** About 32 MiB and tens of milliseconds: paid once per process thanks to the cache below. */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };

/**
 * Every parameter set this product has ever written. A file's header is read
 * before its passphrase can be checked, so whatever it asks for is paid before
 * we know the file is ours: generic bounds still let a crafted header cost
 * gigabytes and seconds per open. Only what we write is derived; a future
 * default is appended here, so older files stay readable.
 */
export const WRITTEN_SCRYPT_PARAMS: readonly ScryptParams[] = [DEFAULT_SCRYPT_PARAMS];

const SALT_BYTES = 16;
const KEY_CHECK_BYTES = 16;

/** 32 bytes of AES-256 key, then 32 bytes whose hash lets us tell a wrong passphrase from a damaged file. */
export interface DerivedKeys {
  readonly encryptionKey: Buffer;
  readonly verifierKey: Buffer;
}

/**
 * Derivation is deliberately slow, and one rotation opens the store several
 * times (often through fresh store objects), so keys are kept for the life of
 * the process. The map key is a hash, so the passphrase itself is not kept here.
 */
const cache = new Map<string, Promise<DerivedKeys>>();

/** Why these parameters are refused (naming what is accepted), or undefined when this product writes them. */
export function validateScryptParams(params: ScryptParams): string | undefined {
  if (WRITTEN_SCRYPT_PARAMS.some((w) => w.N === params.N && w.r === params.r && w.p === params.p)) return undefined;
  const text = (q: ScryptParams) => `N=${q.N}, r=${q.r}, p=${q.p}`;
  return `${text(params)}; this version reads only the parameters it writes (${WRITTEN_SCRYPT_PARAMS.map(text).join(" or ")})`;
}

export function deriveKeys(passphrase: string, salt: Buffer, params: ScryptParams): Promise<DerivedKeys> {
  const problem = validateScryptParams(params);
  if (problem !== undefined) {
    return Promise.reject(new ManagedSecretsError("StoreUnreadable", `the store file has unusable key-derivation parameters (${problem})`));
  }
  const id = createHash("sha256")
    .update(JSON.stringify([params.N, params.r, params.p, salt.toString("base64")]))
    .update("\0")
    .update(passphrase, "utf8")
    .digest("base64");
  let pending = cache.get(id);
  if (pending === undefined) {
    pending = runScrypt(passphrase, salt, params);
    cache.set(id, pending);
    // A failed derivation must not poison later attempts.
    pending.catch(() => cache.delete(id));
  }
  return pending;
}

function runScrypt(passphrase: string, salt: Buffer, { N, r, p }: ScryptParams): Promise<DerivedKeys> {
  // Node refuses scrypt above 32 MiB unless told; 128*N*r is what it needs, plus headroom.
  const maxmem = 256 * N * r + 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(passphrase, salt, 64, { N, r, p, maxmem }, (err, key) => {
      if (err) {
        reject(new ManagedSecretsError("StoreUnreadable", "the store key could not be derived from the passphrase", { cause: err }));
        return;
      }
      resolve({ encryptionKey: key.subarray(0, 32), verifierKey: key.subarray(32, 64) });
    });
  });
}

/** What a writer keeps from a read so rewrites reuse the salt, and with it the cached key. */
export interface KeySource {
  readonly salt: Buffer;
  readonly params: ScryptParams;
}

export function newKeySource(): KeySource {
  return { salt: randomBytes(SALT_BYTES), params: DEFAULT_SCRYPT_PARAMS };
}

/**
 * The keys a store file's header gives with `passphrase` (both formats keep
 * the same KDF fields and key check). Parameters this product never writes
 * are refused before deriving; the key check tells a wrong passphrase from
 * a damaged file.
 */
export async function unlockKeys(
  passphrase: string,
  kdf: { readonly N: number; readonly r: number; readonly p: number; readonly salt: string },
  keyCheckText: string,
  source: string,
): Promise<{ keySource: KeySource; keys: DerivedKeys }> {
  const params: ScryptParams = { N: kdf.N, r: kdf.r, p: kdf.p };
  const refused = validateScryptParams(params);
  if (refused !== undefined) {
    throw unreadable(`the store file ${source} asks for key-derivation parameters ${refused}: it was not written by managed-secrets or was altered; it is left as it is`);
  }
  const salt = Buffer.from(kdf.salt, "base64");
  const keys = await deriveKeys(passphrase, salt, params);
  const expected = Buffer.from(keyCheckText, "base64");
  const actual = keyCheck(keys.verifierKey);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    throw unreadable(`the passphrase does not open the store file ${source} (wrong passphrase, or the file belongs to another store)`);
  }
  return { keySource: { salt, params }, keys };
}

/** Tells a wrong passphrase from a damaged file; both formats keep the same value. */
export function keyCheck(verifierKey: Buffer): Buffer {
  return createHmac("sha256", verifierKey).update("managed-secrets key check").digest().subarray(0, KEY_CHECK_BYTES);
}
