import { createHash } from "node:crypto";
import type { SecretMeta } from "../store/secret-store";
import { META } from "./rotation-metadata";

/**
 * When a secret falls due. A fleet created in one `pulumi up` shares one
 * nextRotationAt; a per-secret jitter (deterministic, so every runner and
 * every re-run agrees) spreads their rotations instead of hitting every host
 * and the RAM API in the same second.
 */
export const JITTER_FRACTION = 0.02;
export const MAX_JITTER_MS = 15 * 60_000;

export function jitterMs(name: string, periodSeconds: number): number {
  const span = Math.min(periodSeconds * 1000 * JITTER_FRACTION, MAX_JITTER_MS);
  const unit = createHash("sha256").update(name).digest().readUInt32BE(0) / 2 ** 32;
  return Math.floor(unit * span);
}

export type DueVerdict =
  | { readonly due: true; readonly reason: string; readonly dueAt: string }
  | { readonly due: false; readonly reason: string; readonly dueAt?: string };

export function judgeDue(meta: SecretMeta, now: Date): DueVerdict {
  if (meta.plannedDeleteAt) return { due: false, reason: `scheduled for deletion at ${meta.plannedDeleteAt}` };
  // An interrupted rotation is finished first, whatever the schedule says: it holds a credential that may be the only one that works.
  if (meta.versions.some((v) => v.stages.includes("ACSPending"))) {
    return { due: true, reason: "an interrupted rotation left an ACSPending version", dueAt: now.toISOString() };
  }
  const m = meta.metadata;
  const period = Number(m[META.rotationPeriodSeconds] ?? "");
  const next = Date.parse(m[META.nextRotationAt] ?? "");
  // Stored metadata is anyone's who may tag the secret: a time Date.parse takes but a Date cannot hold a jitter later (+275760-09-13) reads as none.
  const due = new Date(next + jitterMs(meta.name, period));
  if (!period || Number.isNaN(due.getTime())) return { due: false, reason: "automatic rotation is off" };
  const dueAt = due.toISOString();
  return now.getTime() >= Date.parse(dueAt)
    ? { due: true, reason: `due since ${dueAt}`, dueAt }
    : { due: false, reason: `not due until ${dueAt}`, dueAt };
}
