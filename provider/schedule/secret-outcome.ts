/**
 * What one pass did with one secret, and what it leaves in the secret's
 * metadata when a scheduled rotation fails: the runner writes them, and
 * health, events and the report read them, so they live below all four.
 */

/** Metadata the runner keeps so `check` (and CI) can see a secret that keeps failing. */
export const FAILURE_META = { code: "lastRotationError", at: "lastRotationErrorAt" } as const;

/** The patch that clears that record: written by every rotation's finish step. */
export const NO_FAILURE: Readonly<Record<string, null>> = { [FAILURE_META.code]: null, [FAILURE_META.at]: null };

/** `not-attempted`: due, but the pass stopped early (a canary failed or the failure budget was spent) before it started. */
export type OutcomeStatus = "rotated" | "would-rotate" | "skipped" | "failed" | "not-attempted";

export interface SecretOutcome {
  readonly name: string;
  readonly status: OutcomeStatus;
  readonly reason: string;
  readonly versionId?: string;
  /** The ACSCurrent version the pass found (rotated and failed ones). */
  readonly previousVersionId?: string;
  /** The error's code when it failed (never its message, which events must not carry). */
  readonly errorCode?: string;
  readonly attempts: number;
  readonly durationMs: number;
}
