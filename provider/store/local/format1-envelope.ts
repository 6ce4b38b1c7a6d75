import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { ManagedSecretsError } from "../../core/errors";
import { DEFAULT_SCRYPT_PARAMS, deriveKeys, validateScryptParams, type DerivedKeys, type ScryptParams } from "./key-derivation";

/**
 * The on-disk envelope: a small JSON object whose only readable parts are the
 * parameters needed to decrypt it. Everything about the secrets (names,
 * metadata, values, leases) is inside `data`.
 */
const FORMAT = "alicloud-managed-secrets/local-store";
const ENVELOPE_VERSION = 1;
const SALT_BYTES = 16;
const IV_BYTES = 12;
const KEY_CHECK_BYTES = 16;

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

/** What a writer keeps from a read so rewrites reuse the salt, and with it the cached key. */
export interface KeySource {
  readonly salt: Buffer;
  readonly params: ScryptParams;
}

export interface OpenedEnvelope {
  readonly plaintext: Buffer;
  readonly keySource: KeySource;
}

export function newKeySource(): KeySource {
  return { salt: randomBytes(SALT_BYTES), params: DEFAULT_SCRYPT_PARAMS };
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

/** A file of a format version this one does not read (a newer one's, as a rule). */
export function newerFormat(source: string, version: number, reads: number): ManagedSecretsError {
  return unreadable(`the store file ${source} has format version ${version}, which this version cannot read (it reads ${reads}); upgrade alicloud-managed-secrets`);
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

/** Tells a wrong passphrase from a damaged file; the log format (version 2) uses the same value. */
export function keyCheck(verifierKey: Buffer): Buffer {
  return createHmac("sha256", verifierKey).update("managed-secrets key check").digest().subarray(0, KEY_CHECK_BYTES);
}

function damaged(source: string): ManagedSecretsError {
  return unreadable(`the store file ${source} is damaged or is not a managed-secrets store file`);
}

export function unreadable(message: string, cause?: unknown): ManagedSecretsError {
  return new ManagedSecretsError("StoreUnreadable", message, cause === undefined ? {} : { cause });
}
