import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { ManagedSecretsError } from "../../core/errors";
import { deriveKeys, keyCheck, unlockKeys, type KeySource } from "./key-derivation";
import { newerFormat, unreadable } from "./unreadable";

/**
 * The head of a log-format store file (format version 2):
 *
 *   [0, 8)         magic
 *   [8, 10)        length of the header JSON
 *   [10, ...)      header JSON: key-derivation parameters, key check, file id
 *   [512, 568)     commit slot 0
 *   [1024, 1080)   commit slot 1
 *   [1536, ...)    records
 *
 * Only the parameters needed to derive the key are readable. A commit slot
 * says how far the log is committed (end offset, record count, last record's
 * tag) under a MAC; the two slots are written in turn and live in separate
 * 512-byte sectors, so a torn slot write leaves the other one whole. The
 * committed end is what lets a reader tell a truncated file (shorter than
 * committed: refused) from an append that never finished (bytes beyond it:
 * ignored, and trimmed by the next writer).
 */
export const LOG_MAGIC = Buffer.from("MSSTLOG\n", "latin1");
export const LOG_FORMAT = "alicloud-managed-secrets/local-store";
export const LOG_VERSION = 2;
const SLOT_OFFSETS = [512, 1024] as const;
export const RECORDS_START = 1536;
export const HEAD_BYTES = RECORDS_START;
export const TAG_BYTES = 16;
const SLOT_BYTES = 8 + 8 + 8 + TAG_BYTES + 16;
const FILE_ID_BYTES = 16;

const headerSchema = z.object({
  format: z.literal(LOG_FORMAT),
  version: z.number().int(),
  kdf: z.object({ name: z.literal("scrypt"), N: z.number(), r: z.number(), p: z.number(), salt: z.base64() }),
  keyCheck: z.base64(),
  fileId: z.base64(),
});

/** Where the committed log ends, as one commit slot says. */
export interface CommitPoint {
  /** Increases with every commit; the slot with the higher counter is the newer. */
  readonly counter: bigint;
  readonly end: number;
  readonly count: number;
  readonly lastTag: Buffer;
}

export interface LogKeys {
  readonly recordKey: Buffer;
  readonly slotKey: Buffer;
}

/** A file's identity and keys, fixed for the life of one file (a compaction writes a new one). */
export interface LogHead {
  readonly fileId: Buffer;
  readonly keySource: KeySource;
  readonly keys: LogKeys;
  /** The header bytes [0, RECORDS_START) minus the slots: compared to spot a replaced file. */
  readonly headerBytes: Buffer;
}

export function isLogFile(head: Buffer): boolean {
  return head.length >= LOG_MAGIC.length && head.subarray(0, LOG_MAGIC.length).equals(LOG_MAGIC);
}

/** A new file's head (fresh file id) and its first commit point (no records yet). */
export async function newHead(passphrase: string, keySource: KeySource): Promise<{ head: LogHead; bytes: Buffer }> {
  const { salt, params } = keySource;
  const derived = await deriveKeys(passphrase, salt, params);
  const fileId = randomBytes(FILE_ID_BYTES);
  const json = Buffer.from(
    JSON.stringify({
      format: LOG_FORMAT,
      version: LOG_VERSION,
      kdf: { name: "scrypt", N: params.N, r: params.r, p: params.p, salt: salt.toString("base64") },
      keyCheck: keyCheck(derived.verifierKey).toString("base64"),
      fileId: fileId.toString("base64"),
    }),
    "utf8",
  );
  const bytes = Buffer.alloc(RECORDS_START);
  LOG_MAGIC.copy(bytes, 0);
  bytes.writeUInt16BE(json.length, 8);
  json.copy(bytes, 10);
  const headerBytes = bytes.subarray(0, SLOT_OFFSETS[0]);
  const head: LogHead = { fileId, keySource, keys: logKeys(derived.encryptionKey, derived.verifierKey, headerBytes), headerBytes: Buffer.from(headerBytes) };
  return { head, bytes };
}

/** Reads and checks the header; `known` skips key derivation and parsing when the file is the one already open. */
export async function openHead(bytes: Buffer, passphrase: string, source: string, known?: LogHead): Promise<LogHead> {
  if (bytes.length < RECORDS_START) throw damaged(source, "it is shorter than its header");
  const headerBytes = bytes.subarray(0, SLOT_OFFSETS[0]);
  if (known !== undefined && known.headerBytes.equals(headerBytes)) return known;
  const length = bytes.readUInt16BE(8);
  if (10 + length > SLOT_OFFSETS[0]) throw damaged(source, "its header is malformed");
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.subarray(10, 10 + length).toString("utf8"));
  } catch {
    throw damaged(source, "its header is malformed");
  }
  const version = (raw as { version?: unknown } | null)?.version;
  if (typeof version === "number" && version !== LOG_VERSION) {
    throw newerFormat(source, version, LOG_VERSION);
  }
  const parsed = headerSchema.safeParse(raw);
  if (!parsed.success) throw damaged(source, "its header is malformed");
  const { keySource, keys: derived } = await unlockKeys(passphrase, parsed.data.kdf, parsed.data.keyCheck, source);
  const fileId = Buffer.from(parsed.data.fileId, "base64");
  if (fileId.length !== FILE_ID_BYTES) throw damaged(source, "its header is malformed");
  return { fileId, keySource, keys: logKeys(derived.encryptionKey, derived.verifierKey, headerBytes), headerBytes: Buffer.from(headerBytes) };
}

/** The newest slot whose MAC holds; a torn or altered slot is passed over. */
export function readCommitPoint(bytes: Buffer, head: LogHead, source: string): CommitPoint {
  let best: CommitPoint | undefined;
  for (const offset of SLOT_OFFSETS) {
    const slot = bytes.subarray(offset, offset + SLOT_BYTES);
    const body = slot.subarray(0, SLOT_BYTES - 16);
    if (!timingSafeEqual(slotMac(head, body), slot.subarray(SLOT_BYTES - 16))) continue;
    const point: CommitPoint = {
      counter: body.readBigUInt64BE(0),
      end: Number(body.readBigUInt64BE(8)),
      count: Number(body.readBigUInt64BE(16)),
      lastTag: Buffer.from(body.subarray(24, 24 + TAG_BYTES)),
    };
    if (best === undefined || point.counter > best.counter) best = point;
  }
  if (best === undefined) throw damaged(source, "neither of its commit records is intact");
  return best;
}

/** The slot to write for `point`, and where: alternating, so the other slot keeps the previous commit. */
export function encodeCommitPoint(point: CommitPoint, head: LogHead): { offset: number; bytes: Buffer } {
  const body = Buffer.alloc(SLOT_BYTES - 16);
  body.writeBigUInt64BE(point.counter, 0);
  body.writeBigUInt64BE(BigInt(point.end), 8);
  body.writeBigUInt64BE(BigInt(point.count), 16);
  point.lastTag.copy(body, 24);
  return { offset: SLOT_OFFSETS[Number(point.counter % 2n)], bytes: Buffer.concat([body, slotMac(head, body)]) };
}

function slotMac(head: LogHead, body: Buffer): Buffer {
  return createHmac("sha256", head.keys.slotKey).update(body).digest().subarray(0, 16);
}

/**
 * Keys for this file's records and slots, bound to its header: a header
 * changed in place (salt, file id) makes every record fail authentication
 * instead of being read under other terms.
 */
function logKeys(encryptionKey: Buffer, verifierKey: Buffer, headerBytes: Buffer): LogKeys {
  const binding = createHash("sha256").update(headerBytes).digest();
  return {
    recordKey: Buffer.from(hkdfSync("sha256", encryptionKey, binding, "managed-secrets log records", 32)),
    slotKey: Buffer.from(hkdfSync("sha256", verifierKey, binding, "managed-secrets log commit slots", 32)),
  };
}

export function damaged(source: string, why: string): ManagedSecretsError {
  return unreadable(`the store file ${source} is damaged (${why}); it is left as it is: restore it from a backup`);
}
