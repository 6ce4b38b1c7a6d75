import { constants } from "node:fs";
import { access, mkdir, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import type { Clock } from "../../core/clock";
import { ManagedSecretsError } from "../../core/errors";
import { removeLeftoverTempFiles } from "./atomic-write";
import { withFileLock, type FileLockOptions, type HeldLock } from "./file-lock";
import { emptyDocument, type StoreDocument } from "./store-document";
import { applyGroup, applyLogChange, type GroupChange, type GroupOutcome, type MutationContext } from "./apply-changes";
import { appendRecord, openLogFile, readLog, wantsCompaction, writeSnapshot, type LogState, type OpenedLog } from "./store-log";
import { readFormat1File } from "./format1-file";
import { HighWater, type Accepted } from "./store-high-water";
import { logViewFor, type LogView } from "./store-log-view";
import { migrateFormat1 } from "./format1-migration";

interface QueuedChange extends GroupChange {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * How the local store reads and changes its file, an append-only log of
 * per-commit encrypted records (store-log.ts). The document lives in memory;
 * every operation first reads what other processes committed since (reads
 * without the lock: a reader takes only records below the committed point),
 * and every change is appended under the cross-process lock after that
 * catch-up, so concurrent rotators and `pulumi up` runs never lose each
 * other's updates. What a change does to a secret is the store's business
 * (local-store.ts); this only runs changes, a group at a time, applied to
 * the document by apply-changes.ts.
 */
export class GroupCommit {
  readonly #path: string;
  // Private fields stay out of util.inspect and JSON, so logging the store cannot print the passphrase.
  readonly #passphrase: string;
  readonly #clock: Clock;
  readonly #lock: FileLockOptions;
  readonly #queue: QueuedChange[] = [];
  #committing = false;
  /** What this process last read of the file, shared with the other store objects on it. */
  readonly #view: LogView;
  /** The newest commit of the file seen so far, which no file read later may be behind. */
  readonly #highWater: HighWater;

  constructor(path: string, passphrase: string, clock: Clock, lock: FileLockOptions, stateDir: string) {
    this.#path = path;
    this.#passphrase = passphrase;
    this.#clock = clock;
    this.#lock = lock;
    this.#view = logViewFor(path, passphrase);
    this.#highWater = new HighWater(path, passphrase, stateDir);
  }

  /** The document as committed now, and the time of this read. */
  async read(): Promise<{ doc: StoreDocument; now: Date }> {
    let opened = await this.#exclusive(() => this.#catchUp());
    if (opened.kind === "v1") {
      // A format-1 file is upgraded on first contact, reads included: once, under the lock.
      try {
        await this.#commit([]);
      } catch (err) {
        // Someone who may only read the store (a read-only mount, another user's file) still reads it, as before the upgrade.
        if (!isNotWritable(err)) throw err;
        return { doc: (await readFormat1File(this.#path, this.#passphrase))?.document ?? emptyDocument(), now: this.#clock() };
      }
      opened = await this.#exclusive(() => this.#catchUp());
    }
    return { doc: opened.kind === "log" ? opened.state.doc : emptyDocument(), now: this.#clock() };
  }

  /** Reads what was committed since the last look, without the lock. */
  async #catchUp(): Promise<OpenedLog> {
    const handle = await openLogFile(this.#path, "r");
    if (handle === undefined) {
      this.#view.state = undefined;
      await this.#highWater.checkNoLog("missing");
      return { kind: "missing" };
    }
    try {
      return await this.#load(handle);
    } finally {
      await handle.close();
    }
  }

  async #load(handle: FileHandle, writer = false): Promise<OpenedLog> {
    const previous = this.#view.state;
    // readLog moves the previous state forward in place; if it throws, that state is half-applied and must go.
    this.#view.state = undefined;
    const opened = await readLog(handle, this.#path, this.#passphrase, previous, writer, (head, point, tagBefore) => this.#highWater.check(head, point, tagBefore));
    if (opened.kind === "v1") await this.#highWater.checkNoLog("v1");
    if (opened.kind === "log") {
      this.#view.state = opened.state;
      await this.#highWater.advance(opened.state);
    }
    return opened;
  }

  /** Under the lock: the file caught up, a format-1 file migrated first. Returns the handle to use from then on. */
  async #openForWrite(handle: FileHandle, held: HeldLock): Promise<{ opened: OpenedLog; handle: FileHandle }> {
    const opened = await this.#load(handle, true);
    if (opened.kind !== "v1") return { opened, handle };
    await handle.close();
    await migrateFormat1(this.#path, this.#passphrase, () => held.assertHeld());
    const migrated = await openLogFile(this.#path, "r+");
    if (migrated === undefined) throw new ManagedSecretsError("StoreUnreadable", `the store file ${this.#path} disappeared after its upgrade`);
    return { opened: await this.#load(migrated, true), handle: migrated };
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.#view.exclusive(fn);
  }

  /**
   * Every change is a read-modify-write under the cross-process lock. Changes
   * that arrive while one is in flight (concurrent rotations in a runner) are
   * committed together: one lock, one catch-up, one appended record and its
   * fsyncs for the whole group, and each caller still returns only once its
   * own change is on disk. A change that throws leaves no trace: the group is
   * replayed without it. A group that changes nothing writes nothing.
   */
  mutate<T>(name: string | undefined, change: (doc: StoreDocument, ctx: MutationContext) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ name, change, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#committing) void this.#commitQueued();
    });
  }

  async #commitQueued(): Promise<void> {
    this.#committing = true;
    try {
      while (this.#queue.length > 0) {
        const group = this.#queue.splice(0);
        try {
          const outcomes = await this.#commit(group);
          group.forEach((p, i) => {
            const outcome = outcomes[i]!;
            if (outcome.ok) p.resolve(outcome.value);
            else p.reject(outcome.error);
          });
        } catch (e) {
          for (const p of group) p.reject(e);
        }
      }
    } finally {
      this.#committing = false;
    }
  }

  async #commit(group: readonly QueuedChange[]): Promise<GroupOutcome[]> {
    return this.#locked(async (held) => {
      let handle = await openLogFile(this.#path, "r+");
      try {
        let opened: OpenedLog = { kind: "missing" };
        if (handle !== undefined) ({ opened, handle } = await this.#openForWrite(handle, held));
        else await this.#highWater.checkNoLog("missing");
        // An empty group only brings a format-1 file up to date (a read's first contact): it purges nothing.
        if (group.length === 0) return [];
        const base = opened.kind === "log" ? opened.state.doc : emptyDocument();
        const { outcomes, change } = applyGroup(base, group, this.#clock());
        if (change === undefined) return outcomes;
        await removeLeftoverTempFiles(this.#path);
        let committed: LogState;
        if (opened.kind !== "log" || handle === undefined) {
          committed = await writeSnapshot(this.#path, this.#passphrase, applyLogChange(base, change), { beforeRename: () => held.assertHeld() });
        } else {
          held.assertHeld();
          committed = await appendRecord(handle, opened, change, this.#path);
          // Only now, with the record durable, does this process's copy take the change.
          applyLogChange(committed.doc, change);
          if (wantsCompaction(committed)) committed = await this.#compact(committed, held);
        }
        this.#view.state = committed;
        await this.#highWater.advance(committed);
        return outcomes;
      } finally {
        await handle?.close().catch(() => undefined);
      }
    });
  }

  /**
   * The operator's `accept-rollback`: the file as it is now (exactly the
   * state `state` names) becomes the newest seen of it. Under the lock, so no
   * writer moves the file between the reading and the acceptance.
   */
  acceptCurrent(state: string): Promise<Accepted> {
    return this.#locked(async () => {
      this.#view.state = undefined;
      const handle = await openLogFile(this.#path, "r");
      if (handle === undefined) return this.#highWater.accept({ kind: "missing" }, state);
      try {
        return await this.#highWater.accept(await readLog(handle, this.#path, this.#passphrase), state);
      } finally {
        await handle.close();
      }
    });
  }

  /** Runs `fn` under the cross-process lock and this process's queue for the file. */
  async #locked<T>(fn: (held: HeldLock) => Promise<T>): Promise<T> {
    // The lock is a directory next to the file, so the parent must exist first.
    await mkdir(dirname(this.#path), { recursive: true, mode: 0o700 });
    try {
      // A directory nobody may write to fails now, not after the lock's whole timeout.
      await access(dirname(this.#path), constants.W_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      throw new ManagedSecretsError("StoreWriteFailed", `cannot write in the directory of the store file ${this.#path} (${code}); nothing was changed`, { cause: err });
    }
    return withFileLock(this.#path, this.#lock, (held) => this.#exclusive(() => fn(held)));
  }

  /** The change is already committed: a compaction that fails (disk full) only leaves the longer file in place. */
  async #compact(state: LogState, held: HeldLock): Promise<LogState> {
    try {
      return await writeSnapshot(this.#path, this.#passphrase, state.doc, { keySource: state.head.keySource, beforeRename: () => held.assertHeld(), follows: state.point });
    } catch {
      return state;
    }
  }
}

function isNotWritable(err: unknown): boolean {
  const codes = new Set(["EACCES", "EPERM", "EROFS"]);
  for (let e = err as { code?: unknown; cause?: unknown } | undefined; e !== undefined && e !== null; e = e.cause as typeof e) {
    if (typeof e.code === "string" && codes.has(e.code)) return true;
  }
  return false;
}
