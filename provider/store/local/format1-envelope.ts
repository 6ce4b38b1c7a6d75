import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { z } from "zod";
import type { ManagedSecretsError } from "../../core/errors";
import { deriveKeys, keyCheck, unlockKeys, type KeySource } from "./key-derivation";
import { newerFormat, unreadable } from "./unreadable";

/**
 * Format 1, the store file of releases before the log (docs/local-store.md,
 * "Upgrading from format 1"): one envelope, a small JSON object whose only
 * readable parts are the parameters needed to decrypt it. Everything about
 * the secrets (names, metadata, values, leases) is inside `data`.
 */
const FORMAT = "alicloud-managed-secrets/local-store";
const ENVELOPE_VERSION = 1;
const IV_BYTES = 12;

const envelopeSchema = z.object({
  format: z.literal(FORMAT),
  version: z.number().int(),
  kdf: z.object({
    name: z.literal("scrypt"),
    N: z.number(),
    r: z.number(),
    p: z.number(),
    salt: z.base64(),
  }),
  keyCheck: z.base64(),
  cipher: z.object({ name: z.literal("aes-256-gcm"), iv: z.base64(), tag: z.base64() }),
  data: z.base64(),
});
type Envelope = z.infer<typeof envelopeSchema>;

export interface OpenedEnvelope {
  readonly plaintext: Buffer;
  readonly keySource: KeySource;
}

export async function sealEnvelope(plaintext: Buffer, passphrase: string, keySource: KeySource): Promise<string> {
  const { salt, params } = keySource;
  const keys = await deriveKeys(passphrase, salt, params);
  const header: Pick<Envelope, "format" | "version" | "kdf" | "keyCheck"> = {
    format: FORMAT,
    version: ENVELOPE_VERSION,
    kdf: { name: "scrypt", N: params.N, r: params.r, p: params.p, salt: salt.toString("base64") },
    keyCheck: keyCheck(keys.verifierKey).toString("base64"),
  };
  // A fresh IV for every write: GCM with a repeated (key, IV) pair leaks plaintext.
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", keys.encryptionKey, iv);
  cipher.setAAD(additionalData(header));
  const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const envelope: Envelope = {
    ...header,
    cipher: { name: "aes-256-gcm", iv: iv.toString("base64"), tag: cipher.getAuthTag().toString("base64") },
    data: data.toString("base64"),
  };
  return `${JSON.stringify(envelope, null, 2)}\n`;
}

/** `source` names the file in messages; the passphrase never appears in them. */
export async function openEnvelope(text: string, passphrase: string, source: string): Promise<OpenedEnvelope> {
  const envelope = parseEnvelope(text, source);
  if (envelope.version !== ENVELOPE_VERSION) throw newerFormat(source, envelope.version, ENVELOPE_VERSION);
  const { keySource, keys } = await unlockKeys(passphrase, envelope.kdf, envelope.keyCheck, source);

  const iv = Buffer.from(envelope.cipher.iv, "base64");
  const tag = Buffer.from(envelope.cipher.tag, "base64");
  if (iv.length !== IV_BYTES || tag.length !== 16) throw damaged(source);
  try {
    const decipher = createDecipheriv("aes-256-gcm", keys.encryptionKey, iv);
    decipher.setAAD(additionalData(envelope));
    decipher.setAuthTag(tag);
    const plaintext = Buffer.concat([decipher.update(Buffer.from(envelope.data, "base64")), decipher.final()]);
    return { plaintext, keySource };
  } catch (cause) {
    // The key is right (the check matched), so a failed tag means the bytes changed.
    throw unreadable(`the store file ${source} is damaged: its contents fail authentication (the passphrase is correct)`, cause);
  }
}

function parseEnvelope(text: string, source: string): Envelope {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw damaged(source);
  }
  const parsed = envelopeSchema.safeParse(raw);
  if (!parsed.success) throw damaged(source);
  return parsed.data;
}

/**
 * Binding the header into the GCM tag means a tampered salt, KDF cost or
 * version is detected as damage instead of silently changing how we decrypt.
 */
function additionalData(header: Pick<Envelope, "format" | "version" | "kdf" | "keyCheck">): Buffer {
  const { kdf } = header;
  return Buffer.from(JSON.stringify([header.format, header.version, kdf.name, kdf.N, kdf.r, kdf.p, kdf.salt, header.keyCheck]), "utf8");
}

function damaged(source: string): ManagedSecretsError {
  return unreadable(`the store file ${source} is damaged or is not a managed-secrets store file`);
}
