import { ManagedSecretsError } from "../../core/errors";
import { generateKeyPair, publicKeyLine, type KeyAlgorithm } from "../../credentials/generate-key-pair";
import { generatePassword } from "../../credentials/generate-password";
import { storedJsonObject } from "../../store/stored-json";
import type { SshCredential } from "../../ssh/connect-config";

/**
 * The JSON KMS uses for managed ECS secrets, so an application that reads a
 * KMS managed ECS secret reads ours unchanged.
 *
 * PrivateKey is what KMS documents, PEM, wherever PEM can hold the key: keys
 * this product generates are PKCS#1 PEM for RSA and OpenSSH format for
 * ed25519 (see generate-key-pair.ts); a key a user supplied is kept as given.
 * Values written before RSA keys were PEM hold OpenSSH-format RSA keys and
 * public key lines without a comment: everything here reads both, since a
 * stored value is never rewritten, only rotated away from.
 */
export type EcsValue =
  | { readonly UserName: string; readonly Password: string }
  | { readonly UserName: string; readonly PublicKey: string; readonly PrivateKey: string };

export function encodeEcsValue(value: EcsValue): string {
  return JSON.stringify(value);
}

/** A fresh value as KMS's managed ECS secrets shape it: a generated password, or a new key pair. */
export async function generateEcsValue(o: { readonly managedUser: string; readonly credentialType: "password" | "keyPair"; readonly keyAlgorithm: KeyAlgorithm }): Promise<string> {
  if (o.credentialType === "password") return encodeEcsValue({ UserName: o.managedUser, Password: generatePassword() });
  const pair = await generateKeyPair(o.keyAlgorithm);
  return encodeEcsValue({ UserName: o.managedUser, PublicKey: pair.publicKey, PrivateKey: pair.privateKey });
}

export function decodeEcsValue(text: string): EcsValue {
  const v = storedJsonObject(text, "ECS");
  if (typeof v.UserName === "string" && typeof v.Password === "string") return { UserName: v.UserName, Password: v.Password };
  if (typeof v.UserName === "string" && typeof v.PrivateKey === "string" && typeof v.PublicKey === "string") {
    return { UserName: v.UserName, PublicKey: v.PublicKey, PrivateKey: v.PrivateKey };
  }
  throw new ManagedSecretsError("StoreUnreadable", "a stored ECS secret value lacks UserName with Password or PublicKey/PrivateKey");
}

export function credentialOf(value: EcsValue): SshCredential {
  return "Password" in value ? { password: value.Password } : { privateKey: value.PrivateKey };
}

/** The secret half of a value: what a user passes as initialValue/customValue. */
export function secretPartOf(value: EcsValue): string {
  return "Password" in value ? value.Password : value.PrivateKey;
}

/** The stored value for a user-supplied password or private key. */
export function ecsValueFrom(managedUser: string, credentialType: "password" | "keyPair", secret: string): string {
  if (credentialType === "password") return encodeEcsValue({ UserName: managedUser, Password: secret });
  return encodeEcsValue({ UserName: managedUser, PublicKey: publicKeyLine(secret), PrivateKey: secret });
}
