import { createPublicKey, generateKeyPairSync, randomBytes } from "node:crypto";

/**
 * The key specs the emulator makes, with what the KMS reference (CreateKey,
 * AsymmetricSign; "Key types and specifications") allows for each: its
 * usages (CreateKey's default is SIGN/VERIFY where the spec can sign,
 * ENCRYPT/DECRYPT otherwise) and its signing algorithms. Other specs the
 * real service offers (RSA_2048/3072, EC_SM2, Aliyun_SM4, Aliyun_AES_128/192)
 * are refused here as an unknown KeySpec: nothing in this project uses them.
 */
export type KeyUsage = "ENCRYPT/DECRYPT" | "SIGN/VERIFY";

interface KeySpecRule {
  readonly usages: readonly KeyUsage[];
  /** AsymmetricSign's Algorithm values for this spec, with their digest length in bytes. */
  readonly algorithms: Readonly<Record<string, number>>;
  /** Node's name for the curve, for asymmetric specs. */
  readonly curve?: string;
}

const KEY_SPECS: Readonly<Record<string, KeySpecRule>> = {
  Aliyun_AES_256: { usages: ["ENCRYPT/DECRYPT"], algorithms: {} },
  EC_P256: { usages: ["SIGN/VERIFY"], algorithms: { ECDSA_SHA_256: 32 }, curve: "prime256v1" },
  EC_P256K: { usages: ["SIGN/VERIFY"], algorithms: { ECDSA_SHA_256: 32 }, curve: "secp256k1" },
};

export const DEFAULT_KEY_SPEC = "Aliyun_AES_256";

export function isKeySpec(spec: string): boolean {
  return Object.hasOwn(KEY_SPECS, spec);
}

export function usagesOf(spec: string): readonly KeyUsage[] {
  return KEY_SPECS[spec]?.usages ?? [];
}

export function defaultUsage(spec: string): KeyUsage {
  const usages = usagesOf(spec);
  return usages.includes("SIGN/VERIFY") ? "SIGN/VERIFY" : "ENCRYPT/DECRYPT";
}

export function isAsymmetric(spec: string): boolean {
  return KEY_SPECS[spec]?.curve !== undefined;
}

/** The digest length an algorithm takes with this spec, or undefined when the spec does not sign with it. */
export function digestLength(spec: string, algorithm: string): number | undefined {
  const algorithms = KEY_SPECS[spec]?.algorithms ?? {};
  return Object.hasOwn(algorithms, algorithm) ? algorithms[algorithm] : undefined;
}

/** New key material: a PKCS#8 PEM private key, or 32 random bytes as base64. */
export function generateMaterial(spec: string): string {
  const curve = KEY_SPECS[spec]?.curve;
  if (curve === undefined) return randomBytes(32).toString("base64");
  return generateKeyPairSync("ec", { namedCurve: curve }).privateKey.export({ type: "pkcs8", format: "pem" }) as string;
}

/** GetPublicKey's answer: SubjectPublicKeyInfo PEM. */
export function publicKeyPem(material: string): string {
  return createPublicKey(material).export({ type: "spki", format: "pem" }) as string;
}
