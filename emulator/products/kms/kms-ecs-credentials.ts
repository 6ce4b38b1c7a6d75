import { spawn } from "node:child_process";
import { createPublicKey, generateKeyPair } from "node:crypto";
import { promisify } from "node:util";

/**
 * What KMS generates when it rotates an ECS secret: a password, or an
 * RSA-2048 key pair (private key PEM PKCS#1 and a commented OpenSSH public
 * key line, as KMS's ECS secret page shows them).
 */

/** The comment on public keys KMS generates; KMS's own is not documented. */
export const KMS_PUBLIC_KEY_COMMENT = "kms-ecs-secret";
const RSA_BITS = 2048;
const SHA512_CRYPT = /^\$6\$[./0-9A-Za-z]{1,16}\$[./0-9A-Za-z]{86}$/;

/**
 * A SHA-512 crypt ($6$) hash of the password, made by this machine's openssl
 * with the password on stdin. How KMS's own command receives the password is
 * not documented; the emulator sends only this hash to Cloud Assistant (as
 * the product does), so no password is in what Cloud Assistant keeps.
 */
export function sha512Crypt(password: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("openssl", ["passwd", "-6", "-stdin"], { stdio: ["pipe", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => {
      const hash = out.trim();
      if (code === 0 && SHA512_CRYPT.test(hash)) resolve(hash);
      else reject(new Error(`openssl passwd -6 failed (exit ${code})`));
    });
    child.stdin.end(`${password}\n`);
  });
}

function sshString(b: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

/** An SSH mpint: big-endian, with a zero byte in front when the top bit is set (RFC 4251). */
function mpint(b64url: string): Buffer {
  const raw = Buffer.from(b64url, "base64url");
  return sshString(raw[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), raw]) : raw);
}

export async function newRsaKeyPair(): Promise<{ privateKey: string; publicKey: string }> {
  const { privateKey } = await promisify(generateKeyPair)("rsa", {
    modulusLength: RSA_BITS,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
  const jwk = createPublicKey(privateKey).export({ format: "jwk" });
  const blob = Buffer.concat([sshString(Buffer.from("ssh-rsa")), mpint(jwk.e ?? ""), mpint(jwk.n ?? "")]);
  return { privateKey, publicKey: `ssh-rsa ${blob.toString("base64")} ${KMS_PUBLIC_KEY_COMMENT}` };
}
