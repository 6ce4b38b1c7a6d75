import { createHash, randomBytes } from "node:crypto";

/**
 * SHA-512 crypt ("$6$", Ulrich Drepper's specification, what glibc and
 * libxcrypt produce and `chpasswd -e` accepts), computed here so that the
 * Cloud Assistant transport can send a password's hash instead of the
 * password. Node has no crypt(3); this is the algorithm verbatim.
 */

const ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const DEFAULT_ROUNDS = 5000;
const SALT = /^\$6\$(?:rounds=(\d+)\$)?([^$]{0,16})/;

/** A fresh "$6$<16 salt chars>" prefix. */
export function newSha512Salt(): string {
  const bytes = randomBytes(16);
  return `$6$${[...bytes].map((b) => ITOA64[b & 63]).join("")}`;
}

/** The full crypt string for `password` under `setting` (a "$6$..." salt, or a whole hash to compare against). */
export function sha512Crypt(password: string, setting: string): string {
  const m = SALT.exec(setting);
  if (!m) throw new RangeError("not a $6$ setting");
  const custom = m[1] !== undefined;
  const rounds = custom ? Math.min(Math.max(Number(m[1]), 1000), 999_999_999) : DEFAULT_ROUNDS;
  const salt = Buffer.from(m[2]!, "utf8");
  const key = Buffer.from(password, "utf8");
  const sha = (...parts: Buffer[]) => {
    const h = createHash("sha512");
    for (const p of parts) h.update(p);
    return h.digest();
  };

  const b = sha(key, salt, key);
  const aParts: Buffer[] = [key, salt, repeatTo(b, key.length)];
  for (let n = key.length; n > 0; n >>= 1) aParts.push(n & 1 ? b : key);
  const a = sha(...aParts);
  const p = repeatTo(sha(...Array<Buffer>(key.length).fill(key)), key.length);
  const s = repeatTo(sha(...Array<Buffer>(16 + a[0]!).fill(salt)), salt.length);

  let c = a;
  for (let i = 0; i < rounds; i++) {
    const parts: Buffer[] = [i & 1 ? p : c];
    if (i % 3) parts.push(s);
    if (i % 7) parts.push(p);
    parts.push(i & 1 ? c : p);
    c = sha(...parts);
  }
  return `$6$${custom ? `rounds=${rounds}$` : ""}${m[2]}$${encode(c)}`;
}

function repeatTo(block: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i += block.length) block.copy(out, i, 0, Math.min(block.length, length - i));
  return out;
}

const ORDER = [
  [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48], [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10],
  [53, 11, 32], [12, 33, 54], [34, 55, 13], [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41],
] as const;

function encode(d: Buffer): string {
  let out = "";
  const put = (v: number, n: number) => {
    for (let i = 0; i < n; i++, v >>= 6) out += ITOA64[v & 63];
  };
  for (const [x, y, z] of ORDER) put((d[x]! << 16) | (d[y]! << 8) | d[z]!, 4);
  put(d[63]!, 2);
  return out;
}
