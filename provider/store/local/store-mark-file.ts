import { createHash, createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { constants } from "node:fs";
import { mkdir, open, type FileHandle } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import { z } from "zod";
import { deriveKeys, validateScryptParams, type ScryptParams } from "./key-derivation";

/**
 * A high-water mark: the newest commit of one store file this machine has
 * read or written, kept outside the store file, in the user's state
 * directory, so that a process started after the file was replaced by an
 * older copy still knows better. It is MACed with a key derived from the
 * store's passphrase (and bound to the store's path): someone without the
 * passphrase can remove a mark, or put back one of this store's older marks,
 * but cannot write one the product believes. A mark that does not verify is
 * treated as no mark.
 */
export const STATE_DIR_ENV = "MANAGED_SECRETS_STATE_DIR";
const MARK_FORMAT = "alicloud-managed-secrets/store-mark";
/**
 * Every mark is written as exactly this many bytes (JSON, then spaces), in
 * place: one write per commit, and no reader ever reads more, so a planted
 * huge file costs nothing.
 */
const MARK_BYTES = 1024;

/** One commit of one store as a process saw it: enough to tell an older or diverged file from a newer one. */
export interface CommitSeen {
  /** The store's key salt: a store made anew at the same path has another. */
  readonly salt: Buffer;
  readonly params: ScryptParams;
  /** The commit counter: it grows with every commit, across compactions. */
  readonly counter: bigint;
  /** The file that commit is in (a compaction writes a new one), where it ends, and its last record's tag. */
  readonly fileId: Buffer;
  readonly end: number;
  readonly lastTag: Buffer;
}

/** What an operator's acceptance of an older file left in the mark, for whoever reads it later. */
export interface Acceptance {
  readonly at: string;
  /** The commit this machine had seen before; undefined when it had seen none. */
  readonly from?: bigint;
}

const bodySchema = z.strictObject({
  store: z.string(),
  salt: z.base64(),
  kdf: z.strictObject({ N: z.number().int(), r: z.number().int(), p: z.number().int() }),
  commit: z.string().regex(/^\d{1,20}$/),
  fileId: z.base64(),
  end: z.number().int().nonnegative(),
  lastTag: z.base64(),
  at: z.string(),
  accepted: z.strictObject({ at: z.string(), from: z.string().regex(/^\d{1,20}$/).optional() }).optional(),
});
const markSchema = z.strictObject({ format: z.literal(MARK_FORMAT), version: z.literal(1), body: z.string(), mac: z.base64() });

/** MANAGED_SECRETS_STATE_DIR, else $XDG_STATE_HOME/managed-secrets, else ~/.local/state/managed-secrets: beside the user's state, not the store. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env[STATE_DIR_ENV];
  if (configured !== undefined && configured !== "") return configured;
  const xdg = env.XDG_STATE_HOME;
  return join(xdg !== undefined && isAbsolute(xdg) ? xdg : join(homedir(), ".local", "state"), "managed-secrets");
}

/** One mark per store path (resolved), named by its hash so the path needs no escaping. */
export function markFileFor(stateDir: string, storePath: string): string {
  return join(stateDir, "store-marks", `${createHash("sha256").update(storePath).digest("hex")}.json`);
}

/** The mark for `storePath` in `file`, if there is one that this passphrase verifies; anything else is no mark. */
export async function readMark(file: string, storePath: string, passphrase: string): Promise<CommitSeen | undefined> {
  const text = await readSmall(file);
  if (text === undefined) return undefined;
  let body: z.infer<typeof bodySchema>;
  let mark: z.infer<typeof markSchema>;
  try {
    mark = markSchema.parse(JSON.parse(text));
    body = bodySchema.parse(JSON.parse(mark.body));
  } catch {
    return undefined;
  }
  const params: ScryptParams = body.kdf;
  // Only parameters this product writes are derived: a planted mark cannot make a process pay for others.
  if (body.store !== storePath || validateScryptParams(params) !== undefined) return undefined;
  const salt = Buffer.from(body.salt, "base64");
  const expected = await macOf(passphrase, salt, params, mark.body);
  const given = Buffer.from(mark.mac, "base64");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  return { salt, params, counter: BigInt(body.commit), fileId: Buffer.from(body.fileId, "base64"), end: body.end, lastTag: Buffer.from(body.lastTag, "base64") };
}

/**
 * Overwrites the mark in place: it is written after every commit, and one
 * write of a fixed size through a handle kept open costs far less than a
 * temp file and a rename. A reader that catches a write halfway sees a mark
 * that does not verify, which counts as none for that read. Not fsynced:
 * the commit it records was made durable before, so a mark lost in a crash
 * only lags behind the store, which is never a false alarm.
 */
export async function writeMark(file: string, storePath: string, passphrase: string, seen: CommitSeen, accepted?: Acceptance): Promise<void> {
  const body = JSON.stringify({
    store: storePath,
    salt: seen.salt.toString("base64"),
    kdf: { N: seen.params.N, r: seen.params.r, p: seen.params.p },
    commit: seen.counter.toString(),
    fileId: seen.fileId.toString("base64"),
    end: seen.end,
    lastTag: seen.lastTag.toString("base64"),
    at: new Date().toISOString(),
    ...(accepted === undefined ? {} : { accepted: { at: accepted.at, ...(accepted.from === undefined ? {} : { from: accepted.from.toString() }) } }),
  });
  const mac = await macOf(passphrase, seen.salt, seen.params, body);
  await overwrite(file, { format: MARK_FORMAT, version: 1, body, mac: mac.toString("base64") });
}

/**
 * Leaves no mark (an operator accepted a missing or format-1 file, whose next
 * write starts the count again), saying when. Overwritten in place rather
 * than removed, so that processes holding the file open keep marking the
 * file others read.
 */
export async function clearMark(file: string): Promise<void> {
  await overwrite(file, { format: MARK_FORMAT, version: 1, cleared: new Date().toISOString() });
}

async function overwrite(file: string, content: object): Promise<void> {
  const text = Buffer.from(JSON.stringify(content), "utf8");
  // A store path of several KiB makes a mark too long to keep: that store goes without one.
  if (text.length >= MARK_BYTES) throw new Error(`a high-water mark for a store path this long does not fit in ${MARK_BYTES} bytes`);
  const bytes = Buffer.alloc(MARK_BYTES, " ");
  text.copy(bytes);
  bytes[MARK_BYTES - 1] = 0x0a;
  const handle = await markHandle(file);
  await handle.write(bytes, 0, MARK_BYTES, 0);
}

/** Each mark file this process writes, opened once (made, with its directory, if need be) and cut to its fixed size. */
const handles = new Map<string, Promise<FileHandle>>();

function markHandle(file: string): Promise<FileHandle> {
  let handle = handles.get(file);
  if (handle === undefined) {
    handle = (async () => {
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      const opened = await open(file, constants.O_RDWR | constants.O_CREAT, 0o600);
      await opened.truncate(MARK_BYTES).catch(async (err: unknown) => {
        await opened.close();
        throw err;
      });
      return opened;
    })();
    handles.set(file, handle);
    // A failure (no state directory can be made) is tried again at the next commit.
    handle.catch(() => handles.delete(file));
  }
  return handle;
}

/** The derived key is cached per process (key-derivation.ts), so this costs a hash when the store was opened already. */
async function macOf(passphrase: string, salt: Buffer, params: ScryptParams, body: string): Promise<Buffer> {
  const { verifierKey } = await deriveKeys(passphrase, salt, params);
  const key = Buffer.from(hkdfSync("sha256", verifierKey, salt, "managed-secrets high-water mark", 32));
  return createHmac("sha256", key).update(body, "utf8").digest();
}

async function readSmall(file: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(file, "r");
  } catch {
    // Missing, or a state directory this user cannot read: no mark.
    return undefined;
  }
  try {
    const buffer = Buffer.alloc(MARK_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, MARK_BYTES, 0);
    return buffer.subarray(0, bytesRead).toString("utf8");
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}
