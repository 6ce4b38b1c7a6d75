import { createPrivateKey, createPublicKey, randomBytes, type KeyObject } from "node:crypto";

/**
 * ECDSA over a digest the caller already computed, as KMS's AsymmetricSign
 * and AsymmetricVerify take it (Digest: base64 of the message's SHA-256).
 * Node's crypto hashes whatever it signs (a null algorithm still means
 * SHA-256 for an EC key), so signing a given digest is done here, in plain
 * BigInt arithmetic: slow next to OpenSSL, and never used for anything but
 * the emulator's keys. Signatures are DER (X9.62), which any verifier of the
 * whole message (Node's crypto.verify("sha256", message, publicKey)) accepts.
 */

interface Curve {
  readonly p: bigint;
  readonly a: bigint;
  readonly n: bigint;
  readonly gx: bigint;
  readonly gy: bigint;
}

/** SEC 2 domain parameters, by the names Node gives the curves (asymmetricKeyDetails.namedCurve). */
const CURVES: Readonly<Record<string, Curve>> = {
  prime256v1: {
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    a: 0xffffffff00000001000000000000000000000000fffffffffffffffffffffffcn,
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    gx: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
    gy: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
  },
  secp256k1: {
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn,
    a: 0n,
    n: 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n,
    gx: 0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798n,
    gy: 0x483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8n,
  },
};

/** Jacobian coordinates (x = X/Z², y = Y/Z³), so a scalar multiplication needs one inversion, not one per step; null is the point at infinity. */
type Point = readonly [bigint, bigint, bigint] | null;

const mod = (a: bigint, m: bigint): bigint => ((a % m) + m) % m;

function inverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [mod(a, m), m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return mod(oldS, m);
}

function double(c: Curve, P: Point): Point {
  if (P === null || P[1] === 0n) return null;
  const [x, y, z] = P;
  const y2 = mod(y * y, c.p);
  const s = mod(4n * x * y2, c.p);
  const z2 = mod(z * z, c.p);
  const m = mod(3n * x * x + c.a * z2 * z2, c.p);
  const x3 = mod(m * m - 2n * s, c.p);
  return [x3, mod(m * (s - x3) - 8n * y2 * y2, c.p), mod(2n * y * z, c.p)];
}

function add(c: Curve, P: Point, Q: Point): Point {
  if (P === null) return Q;
  if (Q === null) return P;
  const [x1, y1, z1] = P;
  const [x2, y2, z2] = Q;
  const z1s = mod(z1 * z1, c.p);
  const z2s = mod(z2 * z2, c.p);
  const u1 = mod(x1 * z2s, c.p);
  const u2 = mod(x2 * z1s, c.p);
  const s1 = mod(y1 * z2s * z2, c.p);
  const s2 = mod(y2 * z1s * z1, c.p);
  const h = mod(u2 - u1, c.p);
  const r = mod(s2 - s1, c.p);
  if (h === 0n) return r === 0n ? double(c, P) : null;
  const h2 = mod(h * h, c.p);
  const h3 = mod(h2 * h, c.p);
  const x3 = mod(r * r - h3 - 2n * u1 * h2, c.p);
  return [x3, mod(r * (u1 * h2 - x3) - s1 * h3, c.p), mod(h * z1 * z2, c.p)];
}

function multiply(c: Curve, k: bigint, P: Point): Point {
  let result: Point = null;
  for (let bit = BigInt(k.toString(2).length - 1); bit >= 0n; bit--) {
    result = double(c, result);
    if ((k >> bit) & 1n) result = add(c, result, P);
  }
  return result;
}

function affineX(c: Curve, P: Point): bigint | undefined {
  if (P === null) return undefined;
  const zi = inverse(P[2], c.p);
  return mod(P[0] * zi * zi, c.p);
}

const toBig = (bytes: Buffer): bigint => (bytes.length === 0 ? 0n : BigInt(`0x${bytes.toString("hex")}`));
const fromB64url = (text: string | undefined): bigint => toBig(Buffer.from(text ?? "", "base64url"));

function curveOf(key: KeyObject): Curve {
  const curve = CURVES[key.asymmetricKeyDetails?.namedCurve ?? ""];
  if (key.asymmetricKeyType !== "ec" || curve === undefined) throw new RangeError("not an EC_P256 or EC_P256K key");
  return curve;
}

/** The digest as the integer ECDSA signs: its leftmost bits, as many as the order has. */
function digestInteger(c: Curve, digest: Buffer): bigint {
  const e = toBig(digest);
  const excess = digest.length * 8 - c.n.toString(2).length;
  return excess > 0 ? e >> BigInt(excess) : e;
}

function randomScalar(c: Curve): bigint {
  for (;;) {
    const k = toBig(randomBytes(32));
    if (k > 0n && k < c.n) return k;
  }
}

export function signDigest(privateKeyPem: string, digest: Buffer): Buffer {
  const key = createPrivateKey(privateKeyPem);
  const c = curveOf(key);
  const d = fromB64url(key.export({ format: "jwk" }).d);
  const e = digestInteger(c, digest);
  for (;;) {
    const k = randomScalar(c);
    const r = mod(affineX(c, multiply(c, k, [c.gx, c.gy, 1n])) ?? 0n, c.n);
    if (r === 0n) continue;
    const s = mod(inverse(k, c.n) * (e + r * d), c.n);
    if (s !== 0n) return derSignature(r, s);
  }
}

export function verifyDigest(publicKeyPem: string, digest: Buffer, signature: Buffer): boolean {
  const key = createPublicKey(publicKeyPem);
  const c = curveOf(key);
  const parsed = parseDerSignature(signature);
  if (parsed === undefined) return false;
  const { r, s } = parsed;
  if (r <= 0n || r >= c.n || s <= 0n || s >= c.n) return false;
  const jwk = key.export({ format: "jwk" });
  const w = inverse(s, c.n);
  const u1 = mod(digestInteger(c, digest) * w, c.n);
  const u2 = mod(r * w, c.n);
  const X = add(c, multiply(c, u1, [c.gx, c.gy, 1n]), multiply(c, u2, [fromB64url(jwk.x), fromB64url(jwk.y), 1n]));
  const x = affineX(c, X);
  return x !== undefined && mod(x, c.n) === r;
}

function derInteger(v: bigint): Buffer {
  let hex = v.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const bytes = Buffer.from(hex, "hex");
  const body = bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
  return Buffer.concat([Buffer.from([0x02, body.length]), body]);
}

function derSignature(r: bigint, s: bigint): Buffer {
  const body = Buffer.concat([derInteger(r), derInteger(s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/** SEQUENCE { INTEGER r, INTEGER s }, short lengths only (a 256-bit curve's never need more); anything else is no signature. */
function parseDerSignature(sig: Buffer): { r: bigint; s: bigint } | undefined {
  if (sig.length < 8 || sig[0] !== 0x30 || sig[1] !== sig.length - 2) return undefined;
  const ints: bigint[] = [];
  let at = 2;
  for (let i = 0; i < 2; i++) {
    if (sig[at] !== 0x02) return undefined;
    const len = sig[at + 1] ?? 0;
    if (len === 0 || len > 33 || at + 2 + len > sig.length) return undefined;
    ints.push(toBig(sig.subarray(at + 2, at + 2 + len)));
    at += 2 + len;
  }
  return at === sig.length ? { r: ints[0]!, s: ints[1]! } : undefined;
}
