import { parseIsoTime } from "../core/iso-time";
import type { SecretMeta } from "../store/secret-store";
import { META } from "../schedule/rotation-metadata";
import { assessSecret, type HealthProblem } from "../health/secret-health";
import { judgeDue } from "../schedule/due";
import { FAILURE_META } from "../schedule/secret-outcome";
import { failureDomainsOf } from "../runner/blast-radius";
import type { TargetFacts, TargetRegistry } from "../rotation/target-registry";
import { isManagedSecretsError } from "../core/errors";

/**
 * What `managed-secrets report` shows, as data: every secret's target,
 * schedule and state (judged by the same health model as `check`, without
 * logging in), the deletions waiting out their recovery window, and each
 * host's rotations over time. The HTML, Markdown and JSON forms all render
 * this one structure.
 *
 * Stored metadata is written by whoever may tag a KMS secret, so every time
 * is read as strictly as `--at` (core/iso-time.ts): one that does not parse
 * is shown as null with a line in `details` saying so, and has no place on
 * the timeline. Text fields are kept as stored; each renderer escapes them.
 */

export type SecretState = "failing" | "overdue" | "interrupted" | "pending-deletion" | "ok" | "manual";

export interface ReportSecret {
  readonly name: string;
  readonly kind: string;
  readonly target: string;
  readonly host: string;
  readonly state: SecretState;
  readonly problems: readonly HealthProblem[];
  readonly details: readonly string[];
  readonly currentVersionId: string | null;
  readonly lastRotatedAt: string | null;
  readonly nextRotationAt: string | null;
  readonly lastError: { readonly code: string; readonly at: string | null } | null;
  readonly plannedDeleteAt: string | null;
}

export interface TimelineEntry {
  readonly at: string;
  readonly secret: string;
  readonly versionId: string;
  readonly outcome: "created" | "rotated" | "failed";
}

export interface HostTimeline {
  readonly host: string;
  readonly entries: readonly TimelineEntry[];
}

export interface ReportData {
  readonly generatedAt: string;
  readonly counts: Readonly<Record<SecretState, number>>;
  readonly secrets: readonly ReportSecret[];
  readonly pendingDeletions: readonly { readonly name: string; readonly target: string; readonly plannedDeleteAt: string }[];
  readonly timeline: { readonly from: string; readonly to: string; readonly hosts: readonly HostTimeline[] };
}

/** The order a reader should look in: what needs action first. */
export const STATE_ORDER: readonly SecretState[] = ["failing", "overdue", "interrupted", "pending-deletion", "ok", "manual"];
const TIMELINE_DAYS = 90;

function stateOf(meta: SecretMeta, problems: readonly HealthProblem[]): SecretState {
  if (meta.plannedDeleteAt) return "pending-deletion";
  for (const s of ["failing", "overdue", "interrupted"] as const) if (problems.includes(s)) return s;
  return meta.metadata[META.rotationPeriodSeconds] ? "ok" : "manual";
}

export async function buildReport(secrets: readonly SecretMeta[], targets: TargetRegistry, now: Date, toleranceMs?: number): Promise<ReportData> {
  const rows: ReportSecret[] = [];
  const hostOf = failureDomainsOf(targets);
  for (const meta of secrets) {
    const { facts, problem } = targetOf(targets, meta);
    const health = await assessSecret(meta, { now, ...(toleranceMs !== undefined ? { toleranceMs } : {}) });
    const m = meta.metadata;
    const verdict = judgeDue(meta, now);
    const unreadable: string[] = [];
    const time = (key: string): string | null => {
      const text = m[key];
      if (text === undefined || text === "") return null;
      const at = storedTime(text);
      if (at === undefined) unreadable.push(`the stored ${key} is not a time, so it is not shown`);
      return at ?? null;
    };
    rows.push({
      name: meta.name,
      kind: facts?.family ?? "unknown",
      target: facts?.subject ?? "(unreadable target)",
      host: hostOf(meta),
      state: stateOf(meta, health.problems),
      problems: health.problems,
      currentVersionId: meta.versions.find((v) => v.stages.includes("ACSCurrent"))?.versionId ?? null,
      lastRotatedAt: time(META.lastRotatedAt),
      nextRotationAt: meta.plannedDeleteAt ? null : (verdict.dueAt ?? null),
      lastError: m[FAILURE_META.code] ? { code: m[FAILURE_META.code]!, at: time(FAILURE_META.at) } : null,
      plannedDeleteAt: meta.plannedDeleteAt ? (storedTime(meta.plannedDeleteAt) ?? null) : null,
      details: [...health.details, ...(problem ? [problem] : []), ...unreadable],
    });
  }
  rows.sort((a, b) => STATE_ORDER.indexOf(a.state) - STATE_ORDER.indexOf(b.state) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const counts = Object.fromEntries(STATE_ORDER.map((s) => [s, rows.filter((r) => r.state === s).length])) as Record<SecretState, number>;
  return {
    generatedAt: now.toISOString(),
    counts,
    secrets: rows,
    pendingDeletions: rows.filter((r) => r.plannedDeleteAt).map((r) => ({ name: r.name, target: r.target, plannedDeleteAt: r.plannedDeleteAt! })),
    timeline: timeline(secrets, now, hostOf),
  };
}

/**
 * What the secret's target is, as its kind reads it back from the store. A
 * target whose stored fields the kind refuses is reported as unreadable,
 * naming the field but never showing it: whoever may tag a secret writes
 * these fields, and the report repeats nothing a kind would refuse.
 */
function targetOf(targets: TargetRegistry, meta: SecretMeta): { facts?: TargetFacts; problem?: string } {
  try {
    const { kind, spec } = targets.decode(meta);
    return { facts: kind.facts(spec) };
  } catch (e) {
    const field = isManagedSecretsError(e) && e.details.property ? ` (its field ${e.details.property} is refused)` : "";
    return { problem: `its stored target cannot be read${field}: run managed-secrets check, and re-declare it` };
  }
}

/** A stored time in the one form the report shows (ISO, UTC, milliseconds), or undefined when it does not parse. */
function storedTime(text: string): string | undefined {
  return parseIsoTime(text)?.toISOString();
}

/** Each version's creation is a rotation (the first, the secret's creation); a recorded failure is a mark of its own. */
function timeline(secrets: readonly SecretMeta[], now: Date, hostOf: (meta: SecretMeta) => string): ReportData["timeline"] {
  const from = new Date(now.getTime() - TIMELINE_DAYS * 86_400_000);
  const byHost = new Map<string, TimelineEntry[]>();
  const add = (host: string, entry: TimelineEntry) => {
    // A time that does not parse has no place on a time axis (it would be drawn at NaN).
    const at = storedTime(entry.at);
    if (at === undefined || Date.parse(at) < from.getTime() || Date.parse(at) > now.getTime()) return;
    byHost.set(host, [...(byHost.get(host) ?? []), { ...entry, at }]);
  };
  for (const meta of secrets) {
    const host = hostOf(meta);
    const versions = [...meta.versions].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
    versions.forEach((v, i) => add(host, { at: v.createdAt, secret: meta.name, versionId: v.versionId, outcome: i === 0 ? "created" : "rotated" }));
    const failedAt = meta.metadata[FAILURE_META.at];
    if (meta.metadata[FAILURE_META.code] && failedAt) add(host, { at: failedAt, secret: meta.name, versionId: "", outcome: "failed" });
    if (!byHost.has(host)) byHost.set(host, []);
  }
  const hosts = [...byHost.entries()]
    .map(([host, entries]) => ({ host, entries: entries.sort((a, b) => Date.parse(a.at) - Date.parse(b.at)) }))
    .sort((a, b) => (a.host < b.host ? -1 : 1));
  return { from: from.toISOString(), to: now.toISOString(), hosts };
}
