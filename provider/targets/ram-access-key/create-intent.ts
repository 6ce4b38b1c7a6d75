import type { AccessKeyInfo } from "../../alicloud/ram-client";
import type { VersionInfo } from "../../store/secret-store";

/**
 * RAM generates the secret half of a key, so a rotator that dies (or loses
 * the answer) right after CreateAccessKey leaves a key nobody can use: its
 * secret is gone. Before that call the secret records its intent: which
 * version the key is for, the ids the user had just before, and when. On the
 * next rotation an intent whose version never reached the store is "open",
 * and a key that appeared since (not held as ACSCurrent/ACSPrevious, absent
 * from the ids before, created within the call's time window) is a suspect.
 *
 * A suspect is only ever named, never deleted: RAM keeps no creator or
 * description on a key, and a person who makes a key for the same user in
 * that window (say, because the rotation just failed) gets a key that looks
 * exactly the same, unused included. Naming it tells the operator which key
 * to check; deleting a key the secret does not hold stays their decision.
 */

/** Metadata keys: flat strings, so they work as local-store fields and as KMS tags. */
export const INTENT_META = {
  versionId: "ramCreateForVersion",
  keysBefore: "ramKeysBeforeCreate",
  at: "ramCreateStartedAt",
} as const;

/** openApiConfig's connect (5 s) plus read (30 s) timeouts: the longest a CreateAccessKey can be in flight. */
export const CREATE_CALL_BUDGET_MS = 35_000;
/** How far our clock and RAM's CreateDate may disagree (NTP-synced hosts are far closer). */
export const ORPHAN_CLOCK_SKEW_MS = 60_000;

// "/" and a word for "none": characters every KMS tag value accepts, which "," and "" may not.
const SEPARATOR = "/";
const NONE = "none";

export interface CreateIntent {
  readonly versionId: string;
  readonly keysBefore: readonly string[];
  /** ISO-8601, our clock, taken before the call was sent. */
  readonly at: string;
}

export function intentMetadata(intent: CreateIntent): Record<string, string> {
  return {
    [INTENT_META.versionId]: intent.versionId,
    [INTENT_META.keysBefore]: intent.keysBefore.length === 0 ? NONE : intent.keysBefore.join(SEPARATOR),
    [INTENT_META.at]: intent.at,
  };
}

export function readIntent(metadata: Readonly<Record<string, string>>): CreateIntent | undefined {
  const versionId = metadata[INTENT_META.versionId];
  const before = metadata[INTENT_META.keysBefore];
  const at = metadata[INTENT_META.at];
  if (!versionId || before === undefined || !at || Number.isNaN(Date.parse(at))) return undefined;
  return { versionId, keysBefore: before === NONE ? [] : before.split(SEPARATOR).filter(Boolean), at };
}

/** Open: the version the key was created for never made it into the store. */
export function isOpen(intent: CreateIntent | undefined, versions: readonly VersionInfo[]): intent is CreateIntent {
  return intent !== undefined && !versions.some((v) => v.versionId === intent.versionId);
}

/** Keys the interrupted call may have made (or a person may have); `held` are the ids this secret holds in a stage. */
export function orphanCandidates(intent: CreateIntent, keys: readonly AccessKeyInfo[], held: ReadonlySet<string>): AccessKeyInfo[] {
  const start = Date.parse(intent.at) - ORPHAN_CLOCK_SKEW_MS;
  const end = Date.parse(intent.at) + CREATE_CALL_BUDGET_MS + ORPHAN_CLOCK_SKEW_MS;
  return keys.filter((k) => {
    if (held.has(k.accessKeyId) || intent.keysBefore.includes(k.accessKeyId)) return false;
    const created = Date.parse(k.createDate);
    return !Number.isNaN(created) && created >= start && created <= end;
  });
}
