import type { CloudSettings } from "../alicloud/cloud-settings";
import { kmsRotationEventsFor, type KmsRotationEvent } from "../alicloud/cms-system-events";
import type { ManagedRecord, SecretMeta } from "../store/secret-store";
import { KMS_ROTATION_REQUESTED } from "../schedule/rotation-metadata";

/**
 * The health of a secret KMS rotates itself. KMS has no rotation status API
 * (RotateSecret answers before the rotation runs); what it says is in its
 * record (AutomaticRotation, NextRotationDate, LastRotationDate) and in the
 * CloudMonitor system events it raises when a rotation ends
 * (Secret:RotateSecret:Success|Failure, failureInfo.errorCode). From those:
 *
 * - a rotation is under way from when it started (NextRotationDate passed
 *   while automatic rotation is on, or a RotateSecret this product sent, whose
 *   time it records as `kmsRotationRequestedAt`) until an event for the
 *   secret comes at or after that time. Meanwhile a probe that finds the
 *   current value rejected is not drift: an ECS rotation sets the instance's
 *   credential before KMS stores the value;
 * - one under way for longer than the tolerance, with no event, is overdue;
 *   a RAM secret's rotation lasts its whole window (the old key works until
 *   KMS deletes it: about 2 days for a scheduled rotation, 10 minutes to 2
 *   days for an immediate one, per KMS's RAM secrets page), and its outcome
 *   may come only when the window ends, so it is overdue only after the
 *   longest window and the tolerance;
 * - a newest event that is a failure is "failing", with KMS's error code;
 * - AutomaticRotation "Invalid" means the instance or RAM user is gone.
 */


/** The longest RAM rotation window KMS documents (automatic: about 2 days; immediate: at most 2 days). */
export const KMS_RAM_ROTATION_WINDOW_MS = 2 * 86_400_000;

export interface KmsRotationFinding {
  readonly problem: "failing" | "overdue" | "unreachable";
  readonly detail: string;
}

export interface KmsRotationState {
  /** When the rotation under way started, if one is. */
  readonly rotatingSince?: string;
  readonly findings: readonly KmsRotationFinding[];
}

/** Events are read from here on: the last rotation KMS finished (or the secret's creation), less a second for KMS's whole-second times. */
export function eventsSince(meta: SecretMeta, managed: ManagedRecord): Date {
  return new Date(Date.parse(managed.lastRotatedAt ?? meta.createdAt) - 1_000);
}

export function kmsRotationState(meta: SecretMeta, managed: ManagedRecord, events: readonly KmsRotationEvent[], now: Date, toleranceMs: number): KmsRotationState {
  const findings: KmsRotationFinding[] = [];
  if (managed.automaticRotation === "Invalid") {
    findings.push({ problem: "unreachable", detail: "KMS marks automatic rotation Invalid: the instance or RAM user it rotates no longer exists" });
  }
  const newest = events.reduce<KmsRotationEvent | undefined>((a, e) => (a === undefined || Date.parse(e.at) > Date.parse(a.at) ? e : a), undefined);
  if (newest?.outcome === "Failure") findings.push({ problem: "failing", detail: `KMS's last rotation failed with ${newest.errorCode ?? "Unknown"} at ${newest.at}` });
  const started = [meta.metadata[KMS_ROTATION_REQUESTED], managed.automaticRotation === "Enabled" ? managed.nextRotationAt : undefined]
    .map((t) => (t === undefined ? NaN : Date.parse(t)))
    .filter((t) => !Number.isNaN(t) && t <= now.getTime() && (newest === undefined || t > Date.parse(newest.at)));
  if (started.length === 0) return { findings };
  const since = new Date(Math.min(...started));
  const window = managed.secretType === "RAMCredentials" ? KMS_RAM_ROTATION_WINDOW_MS : 0;
  if (now.getTime() - since.getTime() > window + toleranceMs) {
    findings.push({ problem: "overdue", detail: `KMS has reported no outcome of the rotation that started at ${since.toISOString()}` });
  }
  return { rotatingSince: since.toISOString(), findings };
}

/** KMS's rotation events of one secret, as health reads them, on the context's cloud settings. */
export function kmsEventsOf(cloud: () => CloudSettings, secretName: string): (since: Date) => Promise<readonly KmsRotationEvent[]> {
  return (since) => kmsRotationEventsFor(cloud()).since(secretName, since);
}
