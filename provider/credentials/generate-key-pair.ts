import { generateKeyPair as generateNodeKeyPair } from "node:crypto";
import { promisify } from "node:util";
import { lazy } from "../core/lazy";

/** Loaded on first use: core/lazy.ts says what that buys. */
const ssh2 = lazy(() => require("ssh2") as typeof import("ssh2"));

export type KeyAlgorithm = "rsa-2048" | "ed25519";

/**
 * The comment on every public key line the product stores. KMS's managed ECS
 * key secrets hold a commented public key line; readers that split the line
 * into type, key and comment expect the third field.
 */
export const PUBLIC_KEY_COMMENT = "managed-secrets";

export interface GeneratedKeyPair {
  /**
   * Unencrypted. RSA: PEM, PKCS#1 (`-----BEGIN RSA PRIVATE KEY-----`), as KMS
   * documents the private key of a managed ECS secret, so its readers (and
   * OpenSSL-based tools) take ours unchanged. ed25519: OpenSSH format, because
   * PKCS#1 has no ed25519 form and ssh2, which logs in with the stored key,
   * reads no PKCS#8 PEM.
   */
  readonly privateKey: string;
  /** One authorized_keys line: "type base64 comment". */
  readonly publicKey: string;
}

/**
 * ssh2 1.17 writes about 1 in 170 ed25519 keys in a form its own parser then
 * rejects ("Malformed OpenSSH private key"; measured 17 of 3000 here): its
 * keygen strips leading zero bytes from the public key (mscdex/ssh2#1390,
 * #1513, open). A key we
 * cannot log in with must never be stored, so each one is parsed back first and
 * a rejected one replaced; the chance of this many failures in a row is nil.
 */
export const KEY_GENERATION_ATTEMPTS = 8;

const RSA_BITS = 2048;

/** RSA-2048 by default, as KMS generates for managed ECS key pairs. */
export async function generateKeyPair(algorithm: KeyAlgorithm = "rsa-2048"): Promise<GeneratedKeyPair> {
  const { utils } = ssh2();
  for (let attempt = 1; ; attempt++) {
    const privateKey = algorithm === "ed25519" ? await ed25519OpenSsh() : await rsaPkcs1Pem();
    const parsed = utils.parseKey(privateKey);
    if (!(parsed instanceof Error)) return { privateKey, publicKey: publicKeyLine(privateKey) };
    if (attempt >= KEY_GENERATION_ATTEMPTS) throw new Error(`could not generate a usable ${algorithm} key in ${attempt} attempts`);
  }
}

async function rsaPkcs1Pem(): Promise<string> {
  const { privateKey } = await promisify(generateNodeKeyPair)("rsa", {
    modulusLength: RSA_BITS,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
  return privateKey;
}

function ed25519OpenSsh(): Promise<string> {
  const { utils } = ssh2();
  return new Promise<string>((resolve, reject) =>
    utils.generateKeyPair("ed25519", { comment: PUBLIC_KEY_COMMENT }, (err, kp) => (err ? reject(err) : resolve(kp.private))),
  );
}

/**
 * The public half of a private key (OpenSSH or PEM) as one authorized_keys
 * line with the product's comment. Its first two fields identify the key.
 */
export function publicKeyLine(privateKey: string): string {
  const { utils } = ssh2();
  const parsed = utils.parseKey(privateKey);
  if (parsed instanceof Error || Array.isArray(parsed)) {
    throw new Error("the private key could not be parsed");
  }
  return `${parsed.type} ${parsed.getPublicSSH().toString("base64")} ${PUBLIC_KEY_COMMENT}`;
}
