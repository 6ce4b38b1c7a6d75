import { open, type FileHandle } from "node:fs/promises";
import { ManagedSecretsError } from "../../core/errors";
import { writeFileAtomic } from "./atomic-write";
import { storeFileUnreadable } from "./unreadable";
import { emptyDocument, type StoreDocument, type StoredSecret } from "./store-document";
import { newKeySource, type KeySource } from "./key-derivation";
import {
  damaged,
  encodeCommitPoint,
  HEAD_BYTES,
  isLogFile,
  newHead,
  openHead,
  readCommitPoint,
  RECORDS_START,
  TAG_BYTES,
  type CommitPoint,
  type LogHead,
} from "./store-log-header";
import { writeFailed } from "./write-failed";
import { FRAME_OVERHEAD, frameLength, replayRecords, sealRecord, type LogChange, type ReplayedLog } from "./store-log-record";

/**
 * The local store's file as an append-only log (format version 2): a commit
 * appends one record holding the secrets it changed, so its cost does not
 * depend on how many secrets the store holds. The whole document is rebuilt
 * in memory when a file is first opened, and then only the records other
 * processes appended since are read. When most of the file is superseded
 * states, a compaction writes the live state to a new file and renames it
 * over the old one (atomically, as the single-file store always wrote).
 */

/** What one process knows of one store file. */
export interface LogState {
  readonly head: LogHead;
  readonly doc: StoreDocument;
  readonly point: CommitPoint;
  /** Secret states and removals written to this file; those beyond the live secrets are garbage. */
  readonly entries: number;
}

export type OpenedLog =
  | { readonly kind: "log"; readonly state: LogState; readonly size: number }
  | { readonly kind: "missing" }
  /** A format-1 file (one JSON envelope): migrated under the lock before anything else. */
  | { readonly kind: "v1" };

/** Secrets per record in a snapshot: bounded records keep memory flat while writing and reading one. */
const SNAPSHOT_CHUNK = 1000;
/** Below this many superseded entries a compaction would cost more than the space it frees. */
const MIN_GARBAGE_FOR_COMPACTION = 2048;

/**
 * Checks a file's committed point before anything of it is taken: throws when
 * the file is behind what was seen of it (store-high-water.ts). `tagBefore`
 * reads the 16 bytes that end at a given offset of the file.
 */
export type LogGuard = (head: LogHead, point: CommitPoint, tagBefore: (end: number) => Promise<Buffer>) => Promise<void>;

/**
 * Brings `state` up to the file's committed point: only new records when the
 * file still holds what `state` read, the whole file otherwise (a compaction,
 * or a file replaced by a copy). `state` is changed in place and must not be
 * used again if this throws. `guard` sees every committed point that differs
 * from `state`'s, once its records are read and before anything is written
 * or returned.
 *
 * A writer (under the lock) also takes whole, authentic records past the
 * committed point and commits them: they are there when a writer died
 * between making its record durable and writing the slot, or when the
 * newest slot was damaged, and dropping them would lose a change. Readers
 * never take them: a writer whose slot write fails removes its record.
 */
export async function readLog(handle: FileHandle, source: string, passphrase: string, state?: LogState, writer = false, guard?: LogGuard): Promise<OpenedLog> {
  const headBytes = await readAt(handle, 0, HEAD_BYTES, source);
  // The size is taken after the slots: a writer moves a slot only once its record is in the file, so
  // the other order could see an append's slot but not its bytes and call the file truncated.
  const { size } = await handle.stat();
  if (!isLogFile(headBytes)) {
    if (headBytes.toString("latin1").trimStart().startsWith("{")) return { kind: "v1" };
    throw damaged(source, "it is not a managed-secrets store file");
  }
  const head = await openHead(headBytes, passphrase, source, state?.head);
  const point = readCommitPoint(headBytes, head, source);
  if (size < point.end) {
    throw damaged(source, `it ends at byte ${size} but its records were committed up to byte ${point.end}: it was truncated`);
  }
  let result: LogState;
  if (state !== undefined && state.head === head && samePoint(state.point, point)) {
    result = state;
  } else {
    const tagBefore = (end: number) => (end <= RECORDS_START ? Promise.resolve(Buffer.alloc(TAG_BYTES)) : readAt(handle, end - TAG_BYTES, TAG_BYTES, source));
    // Resuming where `state` stopped is right only if the file still holds `state`'s last record there; a file replaced by a copy may not.
    const resumable = state !== undefined && state.head === head && state.point.end <= point.end && (await tagBefore(state.point.end)).equals(state.point.lastTag);
    const base = resumable ? state : emptyState(head);
    const bytes = await readAt(handle, base.point.end, point.end - base.point.end, source);
    const replayed = replayRecords(bytes, head, base.point, base.doc, source);
    if (replayed.count !== point.count || !replayed.lastTag.equals(point.lastTag)) {
      throw damaged(source, "its records do not match its commit record");
    }
    // After the replay, so that a changed byte is reported as the damage it is, and the bytes the guard compares are authentic.
    await guard?.(head, point, tagBefore);
    result = { head, doc: base.doc, point, entries: base.entries + replayed.entries };
  }
  if (writer && size > point.end) {
    const tail = await readTail(handle, size, result, source);
    if (tail.count > point.count) {
      const next: CommitPoint = { counter: point.counter + 1n, end: point.end + tail.length, count: tail.count, lastTag: tail.lastTag };
      await commitPoint(handle, next, head, source);
      result = { head, doc: result.doc, point: next, entries: result.entries + tail.entries };
    }
  }
  return { kind: "log", size, state: result };
}

/**
 * What lies past the committed end, read one record at a time, as what an
 * interrupted append leaves: whole, authentic records (their writer died
 * before its slot), then at most one record cut short, no longer than the
 * length it announces. Those are replayed into `state.doc` (whole records)
 * or left to be trimmed. Anything else (a huge sparse hole, stray data) was
 * not written by this product: the writer refuses it with StoreWriteFailed
 * and leaves the file as it is, without reading more of it than one record.
 */
async function readTail(handle: FileHandle, size: number, state: LogState, source: string): Promise<ReplayedLog & { readonly length: number }> {
  const { head, point } = state;
  let taken: ReplayedLog & { length: number } = { count: point.count, lastTag: point.lastTag, entries: 0, length: 0 };
  for (;;) {
    const offset = point.end + taken.length;
    const rest = size - offset;
    if (rest < FRAME_OVERHEAD) return taken;
    const frame = frameLength(await readAt(handle, offset, 4, source));
    if (frame !== undefined && rest < frame) return taken;
    const record = frame === undefined ? undefined : replayRecords(await readAt(handle, offset, frame, source), head, taken, state.doc, source, true);
    if (record === undefined || record.count === taken.count) {
      if (rest === frame) return taken;
      throw strayTail(source, point.end, size);
    }
    taken = { count: record.count, lastTag: record.lastTag, entries: taken.entries + record.entries, length: taken.length + record.length };
  }
}

function strayTail(source: string, end: number, size: number): ManagedSecretsError {
  return new ManagedSecretsError(
    "StoreWriteFailed",
    `the store file ${source} has ${size - end} bytes after its last commit (which ends at byte ${end}), more than an interrupted write leaves: managed-secrets did not write them. ` +
      `Nothing was written and the file is left as it is; every commit still reads. To write again, cut them off: truncate -s ${end} ${source}`,
  );
}

function samePoint(a: CommitPoint, b: CommitPoint): boolean {
  return a.counter === b.counter && a.end === b.end && a.count === b.count && a.lastTag.equals(b.lastTag);
}

async function commitPoint(handle: FileHandle, point: CommitPoint, head: LogHead, source: string): Promise<void> {
  const slot = encodeCommitPoint(point, head);
  try {
    await writeAllAt(handle, slot.bytes, slot.offset);
    await handle.datasync();
  } catch (err) {
    throw writeFailed(source, err, true);
  }
}

/** Opens the store file for reading, or undefined when there is none. */
export async function openLogFile(path: string, flags: "r" | "r+"): Promise<FileHandle | undefined> {
  try {
    return await open(path, flags);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw storeFileUnreadable(path, err);
  }
}

/**
 * Appends one record and commits it: the record is made durable first, then
 * the commit slot that covers it. A failure before the slot is written
 * removes the partial record, so the file keeps its last committed state
 * (disk full included: shrinking a file needs no space). Call only under the
 * store lock, with a state just read by readLog on this handle.
 */
export async function appendRecord(handle: FileHandle, opened: { state: LogState; size: number }, change: LogChange, source: string): Promise<LogState> {
  const { state } = opened;
  const { head, point } = state;
  const stat = await handle.stat();
  // Someone loosened the mode: the store is private to its owner whatever happened to it.
  if ((stat.mode & 0o777) !== 0o600) await handle.chmod(0o600);
  const record = sealRecord(head, point.count, point.lastTag, change);
  const next: CommitPoint = { counter: point.counter + 1n, end: point.end + record.frame.length, count: point.count + 1, lastTag: record.tag };
  let slotWritten = false;
  try {
    // Bytes past the committed end are an append that never committed (its writer died): they are not part of the store.
    if (opened.size > point.end) await handle.truncate(point.end);
    await writeAllAt(handle, record.frame, point.end);
    await handle.datasync();
    slotWritten = true;
    const slot = encodeCommitPoint(next, head);
    await writeAllAt(handle, slot.bytes, slot.offset);
    await handle.datasync();
  } catch (err) {
    if (!slotWritten) await handle.truncate(point.end).catch(() => undefined);
    throw writeFailed(source, err, slotWritten);
  }
  return { head, doc: state.doc, point: next, entries: state.entries + change.put.length + change.del.length };
}

/** When superseded entries outnumber the live secrets (and are many), a compaction halves the file or better. */
export function wantsCompaction(state: LogState): boolean {
  const garbage = state.entries - state.doc.secrets.size;
  return garbage >= MIN_GARBAGE_FOR_COMPACTION && garbage > state.doc.secrets.size;
}

/**
 * Writes `doc` as a new log file (a fresh file id; the salt is kept so the
 * cached key still applies) and renames it over `path`. Used for the first
 * write, for compaction (`follows`: the commit it compacts) and for
 * migration. A failure leaves the old file.
 */
export async function writeSnapshot(
  path: string,
  passphrase: string,
  doc: StoreDocument,
  options: { keySource?: KeySource; beforeRename?: () => void | Promise<void>; follows?: CommitPoint } = {},
): Promise<LogState> {
  const { head, bytes } = await newHead(passphrase, options.keySource ?? newKeySource());
  const secrets = [...doc.secrets.values()];
  const frames: Buffer[] = [];
  let count = 0;
  let lastTag: Buffer = Buffer.alloc(TAG_BYTES);
  for (let i = 0; i === 0 || i < secrets.length; i += SNAPSHOT_CHUNK) {
    const put: StoredSecret[] = secrets.slice(i, i + SNAPSHOT_CHUNK);
    const record = sealRecord(head, count, lastTag, { put, del: [], ...(i === 0 ? { tombstones: doc.tombstones } : {}) });
    frames.push(record.frame);
    lastTag = record.tag;
    count++;
  }
  const end = RECORDS_START + frames.reduce((n, f) => n + f.length, 0);
  // A compaction's file goes on counting from the commit it follows, so that an older copy always has a smaller counter.
  const point: CommitPoint = { counter: (options.follows?.counter ?? 0n) + 1n, end, count, lastTag };
  const slot = encodeCommitPoint(point, head);
  slot.bytes.copy(bytes, slot.offset);
  try {
    await writeFileAtomic(path, Buffer.concat([bytes, ...frames]), { mode: 0o600, beforeRename: options.beforeRename });
  } catch (err) {
    if (err instanceof ManagedSecretsError) throw err;
    throw writeFailed(path, err, false);
  }
  return { head, doc, point, entries: secrets.length };
}

function emptyState(head: LogHead): LogState {
  return { head, doc: emptyDocument(), point: { counter: 0n, end: RECORDS_START, count: 0, lastTag: Buffer.alloc(TAG_BYTES) }, entries: 0 };
}

/** Lengths come from the file (its committed end, a record's length): one no buffer can hold is StoreUnreadable, not a RangeError. */
async function readAt(handle: FileHandle, position: number, length: number, source: string): Promise<Buffer> {
  let buffer: Buffer;
  try {
    buffer = Buffer.alloc(length);
  } catch (err) {
    throw new ManagedSecretsError("StoreUnreadable", `the store file ${source} cannot be read: ${length} bytes from byte ${position} do not fit in this process's memory`, { cause: err });
  }
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === length ? buffer : buffer.subarray(0, done);
}

async function writeAllAt(handle: FileHandle, data: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}
