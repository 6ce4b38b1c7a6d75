import { ManagedSecretsError } from "../../core/errors";

/** Why a write found no room, in words; the errno code for anything else. */
const NO_ROOM: Readonly<Record<string, string>> = {
  ENOSPC: "the disk is full",
  EDQUOT: "the disk quota is used up",
  EROFS: "the file system is read-only",
};

/** A failure that waiting does not cure: the lock is not retried on it. */
export function isNoRoom(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && code in NO_ROOM;
}

/**
 * StoreWriteFailed for a write to the store file (its records, its slots, its
 * lock), saying whether the change may have been stored: only a failure
 * after the record was durable leaves that open.
 */
export function writeFailed(source: string, err: unknown, maybeCommitted: boolean): ManagedSecretsError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const why = (code === undefined ? undefined : NO_ROOM[code]) ?? code ?? String(err);
  const outcome = maybeCommitted
    ? "the change may or may not have been stored: read it back before retrying"
    : "nothing of this change was stored and the store keeps its last good state";
  return new ManagedSecretsError("StoreWriteFailed", `could not write to the store file ${source} (${why}); ${outcome}`, { cause: err });
}
