import { createHash, scrypt } from "node:crypto";
import { ManagedSecretsError } from "../errors";

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
 * Bounds for parameters read from a file: a crafted envelope must not make us
 * allocate gigabytes or spin for minutes before the passphrase check fails.
 */
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;

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

export function validateScryptParams(params: ScryptParams): string | undefined {
  const { N, r, p } = params;
  if (!Number.isInteger(N) || N < 2 || N > MAX_N || (N & (N - 1)) !== 0) return `N must be a power of two up to ${MAX_N}`;
  if (!Number.isInteger(r) || r < 1 || r > MAX_R) return `r must be an integer from 1 to ${MAX_R}`;
  if (!Number.isInteger(p) || p < 1 || p > MAX_P) return `p must be an integer from 1 to ${MAX_P}`;
  return undefined;
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
