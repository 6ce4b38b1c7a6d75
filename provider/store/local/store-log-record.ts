import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { damaged, TAG_BYTES, type LogHead } from "./store-log-header";
import { parseSecret, putSecret, removeSecret, serializeSecret, tombstonesSchema, type StoreDocument, type StoredSecret, type Tombstone } from "./store-document";

/**
 * One record of the log: what one commit changed, sealed on its own.
 *
 *   u32 length of the ciphertext | 12-byte nonce | ciphertext | 16-byte GCM tag
 *
 * The associated data binds each record to its file (file id), its place
 * (index) and its predecessor (previous tag), so a record moved, dropped or
 * copied from another file fails authentication. The plaintext is JSON: the
 * whole new state of each secret the commit touched, the names it removed,
 * and the tombstone list when that changed. Whole secrets, not field diffs:
 * replaying a record needs no earlier state, and a secret is small.
 */
const NONCE_BYTES = 12;
/** A record's bytes besides its ciphertext: its length, nonce and tag. */
export const FRAME_OVERHEAD = 4 + NONCE_BYTES + TAG_BYTES;
/** Larger than any commit we write (a compaction splits its snapshot); a corrupt length is caught before allocating it. */
const MAX_RECORD_BYTES = 256 * 1024 * 1024;

/** The whole length of the record whose first 4 bytes are `header`, or undefined when no record of ours is that long. */
export function frameLength(header: Buffer): number | undefined {
  const length = header.readUInt32BE(0);
  return length > MAX_RECORD_BYTES ? undefined : FRAME_OVERHEAD + length;
}

export interface LogChange {
  readonly put: readonly StoredSecret[];
  readonly del: readonly string[];
  readonly tombstones?: readonly Tombstone[];
}

export interface SealedRecord {
  readonly frame: Buffer;
  readonly tag: Buffer;
}

export function sealRecord(head: LogHead, index: number, prevTag: Buffer, change: LogChange): SealedRecord {
  const payload = Buffer.from(
    JSON.stringify({
      put: change.put.map(serializeSecret),
      del: change.del,
      ...(change.tombstones === undefined ? {} : { tomb: change.tombstones }),
    }),
    "utf8",
  );
  // A random nonce per record: GCM with a repeated (key, nonce) pair leaks plaintext.
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", head.keys.recordKey, nonce);
  cipher.setAAD(associatedData(head, index, prevTag));
  const body = Buffer.concat([cipher.update(payload), cipher.final()]);
  const tag = cipher.getAuthTag();
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length, 0);
  return { frame: Buffer.concat([length, nonce, body, tag]), tag };
}

export interface ReplayedLog {
  readonly count: number;
  readonly lastTag: Buffer;
  /** Secret states written (each a garbage entry once superseded), for the compaction threshold. */
  readonly entries: number;
}

/**
 * Applies the records in `bytes` (which start at record `from.count`) to
 * `doc`. In the committed range every byte must belong to a whole, authentic
 * record, and anything else is damage. Past it (`uncommitted`), replay stops
 * quietly at the first record that is not whole and authentic: those bytes
 * are an append whose writer died before committing it.
 */
export function replayRecords(
  bytes: Buffer,
  head: LogHead,
  from: { count: number; lastTag: Buffer },
  doc: StoreDocument,
  source: string,
  uncommitted = false,
): ReplayedLog & { readonly length: number } {
  let offset = 0;
  let { count, lastTag } = from;
  let entries = 0;
  while (offset < bytes.length) {
    const length = bytes.length - offset < FRAME_OVERHEAD ? -1 : bytes.readUInt32BE(offset);
    if (length < 0 || length > MAX_RECORD_BYTES || offset + FRAME_OVERHEAD + length > bytes.length) {
      if (uncommitted) break;
      throw damaged(source, `record ${count} is cut short`);
    }
    const nonce = bytes.subarray(offset + 4, offset + 4 + NONCE_BYTES);
    const body = bytes.subarray(offset + 4 + NONCE_BYTES, offset + 4 + NONCE_BYTES + length);
    const tag = bytes.subarray(offset + 4 + NONCE_BYTES + length, offset + FRAME_OVERHEAD + length);
    let payload: Buffer;
    try {
      const decipher = createDecipheriv("aes-256-gcm", head.keys.recordKey, nonce);
      decipher.setAAD(associatedData(head, count, lastTag));
      decipher.setAuthTag(tag);
      payload = Buffer.concat([decipher.update(body), decipher.final()]);
    } catch {
      if (uncommitted) break;
      // The header's key check passed, so the key is right: the bytes changed.
      throw damaged(source, `record ${count} fails authentication (the passphrase is correct)`);
    }
    entries += applyPayload(payload, doc, source, count);
    lastTag = Buffer.from(tag);
    count++;
    offset += FRAME_OVERHEAD + length;
  }
  return { count, lastTag, entries, length: offset };
}

function applyPayload(payload: Buffer, doc: StoreDocument, source: string, index: number): number {
  const malformed = () => damaged(source, `record ${index} decrypts but is not a valid store record`);
  let raw: { put?: unknown; del?: unknown; tomb?: unknown };
  try {
    raw = JSON.parse(payload.toString("utf8")) as typeof raw;
  } catch {
    throw malformed();
  }
  if (!Array.isArray(raw.put) || !Array.isArray(raw.del)) throw malformed();
  for (const item of raw.put) {
    const secret = parseSecret(item);
    if (secret === undefined) throw malformed();
    putSecret(doc, secret);
  }
  for (const name of raw.del) {
    if (typeof name !== "string") throw malformed();
    removeSecret(doc, name);
  }
  if (raw.tomb !== undefined) {
    const tombstones = tombstonesSchema.safeParse(raw.tomb);
    if (!tombstones.success) throw malformed();
    doc.tombstones = tombstones.data;
  }
  return raw.put.length + raw.del.length;
}

function associatedData(head: LogHead, index: number, prevTag: Buffer): Buffer {
  const place = Buffer.alloc(8);
  place.writeBigUInt64BE(BigInt(index), 0);
  return Buffer.concat([head.fileId, place, prevTag]);
}
