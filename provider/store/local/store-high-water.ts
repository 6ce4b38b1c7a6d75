import { createHash } from "node:crypto";
import { ManagedSecretsError } from "../../core/errors";
import { clearMark, markFileFor, readMark, writeMark, type CommitSeen } from "./store-mark-file";
import { RECORDS_START, type CommitPoint, type LogHead } from "./store-log-header";
import type { LogState, OpenedLog } from "./store-log";

/**
 * A store never goes back. Every commit has a counter that grows across
 * compactions (store-log.ts), and the newest commit seen of each store path
 * is kept twice: in this process (for as long as it runs, whatever happens
 * to files), and in a high-water mark in the user's state directory
 * (store-mark-file.ts), for the processes that start later. A file behind
 * either (an older copy put back, a deleted file, or an older copy written
 * on since, which no longer holds the commit seen) is refused with
 * StoreRolledBack before anything is read from it or written to it. An
 * operator takes such a file on purpose with `managed-secrets
 * accept-rollback <state>`, naming the exact state the error names.
 */

/** What the accept command is given: the state of the file the error named. */
export const NO_FILE_STATE = "none";
const FORMAT_1_STATE = "format-1";
export const ACCEPT_COMMAND = "managed-secrets accept-rollback";

const seenByPath = new Map<string, CommitSeen>();
/** The counter each mark file held when this process last read or wrote it: a mark no newer is not written again. */
const markedByFile = new Map<string, bigint>();

/** What this process has seen goes (tests, to act as a process that starts now). */
export function forgetHighWater(): void {
  seenByPath.clear();
  markedByFile.clear();
}

type TagBefore = (end: number) => Promise<Buffer>;

export interface Accepted {
  readonly state: string;
  /** The commit this machine or process had seen before, if any. */
  readonly previous?: bigint;
  readonly markFile: string;
}

export class HighWater {
  readonly #path: string;
  // A private field stays out of util.inspect and JSON.
  readonly #passphrase: string;
  readonly #markFile: string;

  constructor(path: string, passphrase: string, stateDir: string) {
    this.#path = path;
    this.#passphrase = passphrase;
    this.#markFile = markFileFor(stateDir, path);
  }

  /** Throws StoreRolledBack unless the file at `point` is at or past every commit of it seen so far. Reads a few bytes at most. */
  async check(head: LogHead, point: CommitPoint, tagBefore: TagBefore): Promise<void> {
    for (const [seen, who] of await this.#known()) {
      const why = await behind(this.#path, seen, head, point, tagBefore);
      if (why !== undefined) throw this.#rolledBack(why(who), stateOf(head, point));
    }
  }

  /** For a missing file, or a format-1 one: either is behind any log commit seen at this path. */
  async checkNoLog(kind: "missing" | "v1"): Promise<void> {
    const [known] = await this.#known();
    if (known === undefined) return;
    const [seen, who] = known;
    if (kind === "missing") {
      throw this.#rolledBack(`the store file ${this.#path} does not exist, but ${who} has seen commit ${seen.counter} of it: it was deleted or moved`, NO_FILE_STATE, "start an empty store there");
    }
    throw this.#rolledBack(`the store file ${this.#path} is a format-1 file, but ${who} has seen commit ${seen.counter} of its log format: an old copy (such as its .v1-backup) was put back`, FORMAT_1_STATE);
  }

  /** After a read or a commit: `state` becomes the newest seen, in this process and in the mark (best effort: a mark that cannot be written only protects less). */
  async advance(state: LogState): Promise<void> {
    const seen = seenOf(state.head, state.point);
    const known = seenByPath.get(this.#path);
    if (known === undefined || known.counter !== seen.counter || !known.fileId.equals(seen.fileId)) seenByPath.set(this.#path, seen);
    if ((markedByFile.get(this.#markFile) ?? -1n) >= seen.counter) return;
    try {
      await writeMark(this.#markFile, this.#path, this.#passphrase, seen);
      markedByFile.set(this.#markFile, seen.counter);
    } catch {
      // A state directory that cannot be written (a read-only home): later processes are protected less, this one still is.
    }
  }

  /**
   * The operator's acceptance of the file as it is now (`opened`, read under
   * the store lock): only when `state` is exactly its state, so an
   * acceptance typed for one file never takes another. The mark then holds
   * this state (and when and from what it was accepted); none is kept for a
   * missing or format-1 file, whose next write starts the count again.
   */
  async accept(opened: OpenedLog, state: string): Promise<Accepted> {
    const actual = opened.kind === "log" ? stateOf(opened.state.head, opened.state.point) : opened.kind === "missing" ? NO_FILE_STATE : FORMAT_1_STATE;
    if (state !== actual) {
      throw new ManagedSecretsError(
        "InvalidInput",
        `the store file ${this.#path} is at ${actual} now, not ${state}: nothing was accepted; accept only the state the latest StoreRolledBack error names, after checking that file`,
        { property: "state" },
      );
    }
    const previous = (await this.#known())[0]?.[0].counter;
    try {
      if (opened.kind === "log") {
        const seen = seenOf(opened.state.head, opened.state.point);
        await writeMark(this.#markFile, this.#path, this.#passphrase, seen, { at: new Date().toISOString(), ...(previous === undefined ? {} : { from: previous }) });
        seenByPath.set(this.#path, seen);
        markedByFile.set(this.#markFile, seen.counter);
      } else {
        await clearMark(this.#markFile);
        seenByPath.delete(this.#path);
        markedByFile.delete(this.#markFile);
      }
    } catch (err) {
      throw new ManagedSecretsError("StoreWriteFailed", `could not write the high-water mark ${this.#markFile} (${(err as NodeJS.ErrnoException).code ?? String(err)}); nothing was accepted`, { cause: err });
    }
    return { state: actual, ...(previous === undefined ? {} : { previous }), markFile: this.#markFile };
  }

  /** What this process has seen, then what the mark says (read afresh: other processes move it). */
  async #known(): Promise<[CommitSeen, string][]> {
    const known: [CommitSeen, string][] = [];
    const inProcess = seenByPath.get(this.#path);
    if (inProcess !== undefined) known.push([inProcess, "this process"]);
    const marked = await readMark(this.#markFile, this.#path, this.#passphrase);
    if (marked !== undefined) {
      markedByFile.set(this.#markFile, marked.counter);
      known.push([marked, `this machine (its high-water mark ${this.#markFile})`]);
    }
    return known;
  }

  #rolledBack(what: string, state: string, purpose = "take this file as it is (a backup restored on purpose; what was committed after it is then given up)"): ManagedSecretsError {
    return new ManagedSecretsError(
      "StoreRolledBack",
      `${what}. Nothing was read from it or written to it. Put the newest copy back; or, to ${purpose}, run: ${ACCEPT_COMMAND} ${state}`,
    );
  }
}

/** Why the file at `point` is behind `seen`, as a sentence naming who saw it; undefined when it is not behind. */
async function behind(path: string, seen: CommitSeen, head: LogHead, point: CommitPoint, tagBefore: TagBefore): Promise<((who: string) => string) | undefined> {
  if (!seen.salt.equals(head.keySource.salt)) {
    return (who) => `the store file ${path} is not the store ${who} has seen at this path: it was made anew since, or another store's file was put in its place`;
  }
  if (point.counter < seen.counter) {
    return (who) => `the store file ${path} is at commit ${point.counter}, but ${who} has seen commit ${seen.counter} of it: an older copy was put back`;
  }
  // Within one file the records are chained: the commit seen is still there exactly when its last tag is, where it ended.
  const stillThere = head.fileId.equals(seen.fileId)
    ? seen.end <= point.end && (seen.end <= RECORDS_START || (await tagBefore(seen.end)).equals(seen.lastTag))
    : point.counter > seen.counter;
  if (stillThere) return undefined;
  return (who) =>
    `the store file ${path} no longer holds commit ${seen.counter} that ${who} has seen (it is at commit ${point.counter} of another history): an older copy was put back and written on since`;
}

function seenOf(head: LogHead, point: CommitPoint): CommitSeen {
  return { salt: head.keySource.salt, params: head.keySource.params, counter: point.counter, fileId: head.fileId, end: point.end, lastTag: point.lastTag };
}

/** A file's state as the accept command takes it: its commit, and a digest that tells two files at the same commit apart. */
function stateOf(head: LogHead, point: CommitPoint): string {
  const digest = createHash("sha256").update(head.keySource.salt).update(head.fileId).update(point.lastTag).digest("hex").slice(0, 16);
  return `commit-${point.counter}-${digest}`;
}
