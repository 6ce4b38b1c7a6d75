import { createHash } from "node:crypto";
import { forgetHighWater } from "./store-high-water";
import type { LogState } from "./store-log";

/**
 * One process's view of one store file: the document as last read and the
 * queue that moves it forward one catch-up or append at a time. The provider
 * makes a new store object for every resource operation, so the view is
 * shared by every store object on the same file with the same passphrase:
 * otherwise each operation would read the whole file again, and `pulumi up`
 * over a fleet would cost the square of its size.
 */
export class LogView {
  /** undefined until read, and after a read failed midway. */
  state: LogState | undefined;
  #tail: Promise<unknown> = Promise.resolve();

  /** Runs `fn` after every earlier call on this view has settled. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(fn, fn);
    this.#tail = run.catch(() => undefined);
    return run;
  }
}

const views = new Map<string, LogView>();

/** The key is a hash: the passphrase itself is not kept here. A wrong passphrase gets a view of its own and fails on it. */
export function logViewFor(path: string, passphrase: string): LogView {
  const key = createHash("sha256").update(path).update("\0").update(passphrase, "utf8").digest("base64");
  let view = views.get(key);
  if (view === undefined) {
    view = new LogView();
    views.set(key, view);
  }
  return view;
}

/** Drops every view and what was seen, so the next call on any store reads its file afresh, as a new process would (tests). */
export function forgetLogViews(): void {
  views.clear();
  forgetHighWater();
}
