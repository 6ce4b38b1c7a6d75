import type { SecretMeta } from "../store/secret-store";
import type { SecretOutcome } from "../schedule/secret-outcome";
import type { TargetFacts } from "../rotation/target-kind";

/**
 * One structured record per rotation attempt, for alerting (CloudMonitor
 * custom events, a webhook, JSON lines). Built only from fields that cannot
 * hold a credential: names, ids, codes and counts. The outcome's reason is
 * left out on purpose: it may quote a cloud service's own message, and
 * those can echo what was sent.
 */

export const EVENT_TRIGGERS = ["schedule", "rotate-now", "pulumi-up", "repair"] as const;
export type EventTrigger = (typeof EVENT_TRIGGERS)[number];

const ROTATION_EVENT_TYPE = "managed-secrets.rotation";

export interface RotationEvent {
  readonly type: typeof ROTATION_EVENT_TYPE;
  /** Bumped only when a field changes meaning; consumers ignore fields they do not know. */
  readonly schemaVersion: 1;
  /** When the attempt ended (ISO-8601 UTC). */
  readonly at: string;
  readonly secretName: string;
  readonly kind: "ecs" | "ram" | "unknown";
  /** `<instance>/<user>` for ECS, `ram-user/<name>` for RAM. */
  readonly target: string;
  readonly oldVersionId: string | null;
  readonly newVersionId: string | null;
  readonly outcome: "succeeded" | "failed" | "skipped";
  /** A code from provider/core/errors.ts (or "Unexpected"), only when it failed. */
  readonly errorCode: string | null;
  /** Tries within this attempt (the runner retries transient failures). */
  readonly attempt: number;
  readonly durationMs: number;
  readonly trigger: EventTrigger;
}

/** Our error codes are identifiers; anything else is reported as Unexpected rather than passed through. */
const ERROR_CODE = /^[A-Za-z][A-Za-z0-9.]{0,63}$/;

/** What the event calls the kind: "unknown" for a target this version cannot read. */
function kindOf(facts: TargetFacts | undefined): RotationEvent["kind"] {
  return facts?.family === "ecs" || facts?.family === "ram" ? facts.family : "unknown";
}

const OUTCOMES: Partial<Record<SecretOutcome["status"], RotationEvent["outcome"]>> = { rotated: "succeeded", failed: "failed", skipped: "skipped" };

/** The event for an attempt that ran; undefined for outcomes that were not attempts (dry runs, not attempted). */
export function rotationEvent(meta: SecretMeta, facts: TargetFacts | undefined, outcome: SecretOutcome, trigger: EventTrigger, at: Date): RotationEvent | undefined {
  const result = OUTCOMES[outcome.status];
  if (!result) return undefined;
  const code = outcome.errorCode;
  return {
    type: ROTATION_EVENT_TYPE,
    schemaVersion: 1,
    at: at.toISOString(),
    secretName: meta.name,
    kind: kindOf(facts),
    target: facts?.subject ?? "?",
    oldVersionId: outcome.previousVersionId || (meta.versions.find((v) => v.stages.includes("ACSCurrent"))?.versionId ?? null),
    newVersionId: result === "succeeded" ? (outcome.versionId ?? null) : null,
    outcome: result,
    errorCode: result === "failed" ? (code && ERROR_CODE.test(code) ? code : "Unexpected") : null,
    attempt: outcome.attempts,
    durationMs: outcome.durationMs,
    trigger,
  };
}
