import { randomBytes } from "node:crypto";
import { open, readdir, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export interface AtomicWriteOptions {
  /** File mode of the new file; the store is private to its owner. */
  readonly mode?: number;
  /**
   * Runs once the new contents are durable in the temp file and just before
   * they replace the target. Throwing aborts the write and leaves the target
   * untouched (the lock guard uses it; tests use it to simulate a crash).
   */
  readonly beforeRename?: () => void | Promise<void>;
}

/**
 * Replace `target` so that a reader or a crash sees either the old or the new
 * contents, never a mix: write a temp file in the same directory (rename is
 * only atomic within a file system), fsync it, rename it over the target, then
 * fsync the directory so the rename itself survives a power loss.
 */
export async function writeFileAtomic(target: string, data: string | Buffer, options: AtomicWriteOptions = {}): Promise<void> {
  const dir = dirname(target);
  const temp = join(dir, `${tempPrefix(target)}${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temp, "wx", options.mode ?? 0o600);
  let renamed = false;
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await options.beforeRename?.();
    await rename(temp, target);
    renamed = true;
  } finally {
    if (!renamed) await unlink(temp).catch(() => undefined);
  }
  await syncPath(dir);
}

/**
 * Temp files left by a writer that died before its rename. Call only while
 * holding the store lock: then no live writer can own one of them.
 */
export async function removeLeftoverTempFiles(target: string): Promise<string[]> {
  const prefix = tempPrefix(target);
  const dir = dirname(target);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const leftovers = names.filter((n) => n.startsWith(prefix) && n.endsWith(".tmp"));
  await Promise.all(leftovers.map((n) => unlink(join(dir, n)).catch(() => undefined)));
  return leftovers;
}

function tempPrefix(target: string): string {
  return `.${basename(target)}.`;
}

/** fsync of a file, or of a directory (so a rename or create in it is durable). */
export async function syncPath(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
