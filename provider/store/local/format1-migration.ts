import { constants } from "node:fs";
import { chmod, copyFile } from "node:fs/promises";
import { ManagedSecretsError } from "../../core/errors";
import { syncPath } from "./atomic-write";
import { readFormat1File } from "./format1-file";
import { writeSnapshot, type LogState } from "./store-log";

/**
 * A store written by a release before the log format (one JSON envelope,
 * format 1) becomes a log file once, under the store lock. Nothing is
 * written unless the old file decrypts and parses: a wrong passphrase or a
 * damaged file fails exactly as before and stays untouched. The old file is
 * kept beside the store first, so a downgrade or a doubt can go back to it.
 */
export async function migrateFormat1(path: string, passphrase: string, beforeRename: () => void): Promise<{ state: LogState; backup: string }> {
  const loaded = await readFormat1File(path, passphrase);
  if (loaded === undefined) throw new ManagedSecretsError("StoreUnreadable", `the store file ${path} disappeared while it was being upgraded; nothing was written`);
  const backup = await keepBackup(path);
  // The same salt: the key this process derived for the old file serves the new one.
  const state = await writeSnapshot(path, passphrase, loaded.document, { keySource: loaded.keySource, beforeRename });
  return { state, backup };
}

/** `<store>.v1-backup`, or a dated name when an earlier (interrupted) migration left one. */
async function keepBackup(path: string): Promise<string> {
  for (const backup of [`${path}.v1-backup`, `${path}.v1-backup-${new Date().toISOString().replace(/[:.]/g, "-")}`]) {
    try {
      await copyFile(path, backup, constants.COPYFILE_EXCL);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") continue;
      throw new ManagedSecretsError("StoreWriteFailed", `could not keep a backup of the store file ${path} before upgrading it (${(err as NodeJS.ErrnoException).code ?? String(err)}); nothing was changed`, { cause: err });
    }
    await chmod(backup, 0o600);
    await syncPath(backup);
    return backup;
  }
  throw new ManagedSecretsError("StoreWriteFailed", `could not find a free name for a backup of the store file ${path}; nothing was changed`);
}
