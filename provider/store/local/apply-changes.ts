import { purgeExpiredSecrets, windowPassed } from "./secret-lifecycle";
import { putSecret, removeSecret, serializeSecret, type StoreDocument, type StoredSecret } from "./store-document";
import type { LogChange } from "./store-log-record";

/** What a mutation sees: the time of this operation and what the lazy purge just removed. */
export interface MutationContext {
  readonly now: Date;
  readonly purged: readonly string[];
}

export interface GroupChange {
  /** The one secret the change may touch (tombstones aside); undefined for a change that only purges. */
  readonly name: string | undefined;
  readonly change: (doc: StoreDocument, ctx: MutationContext) => unknown;
}

export type GroupOutcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Runs a group of changes against copies of just the secrets they name (and
 * of any whose recovery window has passed, which every write purges), never
 * against `base` itself: `base` is what readers in this process see, and it
 * must take a change only once that change is on disk. What differs from
 * `base` afterwards is the record to append; undefined when nothing does.
 */
export function applyGroup(base: StoreDocument, changes: readonly GroupChange[], now: Date): { outcomes: GroupOutcome[]; change?: LogChange } {
  const touched = new Set<string>();
  for (const c of changes) if (c.name !== undefined) touched.add(c.name);
  for (const name of base.scheduled ?? base.secrets.keys()) {
    const planned = base.secrets.get(name)?.plannedDeleteAt;
    if (planned !== undefined && windowPassed(planned, now)) touched.add(name);
  }
  const fresh = () => {
    const doc: StoreDocument = { secrets: new Map(), tombstones: [...base.tombstones] };
    for (const name of touched) {
      const secret = base.secrets.get(name);
      if (secret !== undefined) doc.secrets.set(name, structuredClone(secret));
    }
    return { doc, purged: purgeExpiredSecrets(doc, now) };
  };
  let { doc, purged } = fresh();
  const outcomes: GroupOutcome[] = [];
  for (const { change } of changes) {
    try {
      outcomes.push({ ok: true, value: change(doc, { now, purged }) });
      purged = [];
    } catch (error) {
      outcomes.push({ ok: false, error });
      // The failed change may have half-applied: start again from the copies and replay the ones that succeeded.
      ({ doc, purged } = fresh());
      changes.forEach((c, i) => {
        if (i < outcomes.length && outcomes[i]!.ok) {
          c.change(doc, { now, purged });
          purged = [];
        }
      });
    }
  }
  const put: StoredSecret[] = [];
  const del: string[] = [];
  for (const name of touched) {
    const before = base.secrets.get(name);
    const after = doc.secrets.get(name);
    if (after === undefined) {
      if (before !== undefined) del.push(name);
    } else if (before === undefined || JSON.stringify(serializeSecret(before)) !== JSON.stringify(serializeSecret(after))) {
      put.push(after);
    }
  }
  const tombstonesChanged = JSON.stringify(base.tombstones) !== JSON.stringify(doc.tombstones);
  if (put.length === 0 && del.length === 0 && !tombstonesChanged) return { outcomes };
  return { outcomes, change: { put, del, ...(tombstonesChanged ? { tombstones: doc.tombstones } : {}) } };
}

/** Takes a committed change into `doc` (the secrets in it become `doc`'s own); returns `doc`. */
export function applyLogChange(doc: StoreDocument, change: LogChange): StoreDocument {
  for (const secret of change.put) putSecret(doc, secret);
  for (const name of change.del) removeSecret(doc, name);
  if (change.tombstones !== undefined) doc.tombstones = [...change.tombstones];
  return doc;
}
