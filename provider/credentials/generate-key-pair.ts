export type KeyAlgorithm = "rsa-2048" | "ed25519";

export interface GeneratedKeyPair {
  /** OpenSSH private key format, unencrypted. */
  readonly privateKey: string;
  /** One authorized_keys line: "type base64" (no comment). */
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

/** RSA-2048 by default, as KMS generates for managed ECS key pairs. */
export async function generateKeyPair(algorithm: KeyAlgorithm = "rsa-2048"): Promise<GeneratedKeyPair> {
  const { utils } = require("ssh2") as typeof import("ssh2");
  for (let attempt = 1; ; attempt++) {
    const pair = await new Promise<{ private: string; public: string }>((resolve, reject) => {
      const done = (err: Error | null, kp: { private: string; public: string }) => (err ? reject(err) : resolve(kp));
      if (algorithm === "ed25519") utils.generateKeyPair("ed25519", done);
      else utils.generateKeyPair("rsa", { bits: 2048 }, done);
    });
    const parsed = utils.parseKey(pair.private);
    if (!(parsed instanceof Error)) return { privateKey: pair.private, publicKey: publicKeyLine(pair.private) };
    if (attempt >= KEY_GENERATION_ATTEMPTS) throw new Error(`could not generate a usable ${algorithm} key in ${attempt} attempts`);
  }
}

/** The "type base64" public half of a private key, which is what identifies a key in authorized_keys. */
export function publicKeyLine(privateKey: string): string {
  const { utils } = require("ssh2") as typeof import("ssh2");
  const parsed = utils.parseKey(privateKey);
  if (parsed instanceof Error || Array.isArray(parsed)) {
    throw new Error("the private key could not be parsed");
  }
  return `${parsed.type} ${parsed.getPublicSSH().toString("base64")}`;
}
