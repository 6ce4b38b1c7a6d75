/**
 * Retirements a rotation put off (RamSecret's previousKeyGracePeriod), kept
 * in the secret's metadata so any later runner pass (CLI, FC timer) can carry
 * them out without the Pulumi program. One entry per credential, with the
 * time it falls due:
 *
 *   pendingRetirements = "LTAI...@2026-12-01T10:00:00Z+LTAI...@..."
 *
 * "+" and "@" are in the KMS tag alphabet and in no AccessKey id or ISO time,
 * so one entry fits a single 128-character tag as plain, readable text.
 *
 * A list, not one entry: a rotation that starts before the previous one's
 * retirement is due must not overwrite it (RAM's 2-key limit means the new
 * key's slot is usually made by deleting that very key first; the entry is
 * then settled by the next pass as already done, but the list is what keeps
 * the rare case — the previous key removed by hand, an older one still there —
 * from being forgotten).
 */
export const PENDING_RETIREMENTS = "pendingRetirements";

export interface PendingRetirement {
  /** The credential's id (an AccessKey id): never a secret. */
  readonly id: string;
  /** ISO-8601 UTC, seconds. */
  readonly dueAt: string;
}

const ENTRY = /^([A-Za-z0-9]{1,128})@(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)$/;

/** The entries recorded in `metadata`; anything malformed is left out (metadata is not trusted for what it names: see the target). */
export function readPendingRetirements(metadata: Readonly<Record<string, string>>): PendingRetirement[] {
  const text = metadata[PENDING_RETIREMENTS];
  if (!text) return [];
  return text.split("+").flatMap((part) => {
    const m = ENTRY.exec(part);
    return m && !Number.isNaN(Date.parse(m[2]!)) ? [{ id: m[1]!, dueAt: m[2]! }] : [];
  });
}

/** The metadata value for `entries` (null removes the key when nothing is left). */
export function pendingRetirementsValue(entries: readonly PendingRetirement[]): string | null {
  return entries.length === 0 ? null : entries.map((e) => `${e.id}@${e.dueAt}`).join("+");
}

/** `entries` with `id` due at `dueAt`: an entry already there for the same id keeps its first due time, so recording twice changes nothing. */
export function withPendingRetirement(entries: readonly PendingRetirement[], id: string, dueAt: Date): PendingRetirement[] {
  if (entries.some((e) => e.id === id)) return [...entries];
  return [...entries, { id, dueAt: isoSeconds(dueAt) }];
}

/** Rounded up, so a recorded due time is never earlier than the grace allows. */
function isoSeconds(at: Date): string {
  return new Date(Math.ceil(at.getTime() / 1000) * 1000).toISOString().replace(/\.000Z$/, "Z");
}
