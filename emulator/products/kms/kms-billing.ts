import type { EmulatorState } from "../../state/emulator-state";
import type { SecretLedgerEntry } from "../../state/state-types";

/**
 * What pay-as-you-go KMS bills for secrets: each secret, per day it exists
 * (KMS billing: about 0.013 USD a secret a day; versions are free). Every
 * secret counts alike, whatever its type: a managed ECS or RAM secret, a
 * generic one, the product's lease table. A secret scheduled for
 * deletion still exists until its window ends, so it is still billed (our
 * reading: the billing page bills existing secrets and says nothing of the
 * window). Days are China Standard Time days, as Alibaba Cloud bills them.
 */
const BILLING_UTC_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86400_000;

export function ledgerOpened(state: EmulatorState, secretName: string, at: Date): void {
  (state.data.secretLedger ??= []).push({ secretName, createdAt: at.toISOString() });
}

export function ledgerClosed(state: EmulatorState, secretName: string, at: Date): void {
  const open = (state.data.secretLedger ?? []).findLast((e) => e.secretName === secretName && e.deletedAt === undefined);
  if (open) open.deletedAt = at.toISOString();
}

export interface BilledDay {
  /** yyyy-mm-dd, China Standard Time. */
  date: string;
  secrets: number;
}

/** Billed secrets per day from `from` to `to` (inclusive days), each secret counted on every day it existed at some moment. */
export function billedSecretsPerDay(state: EmulatorState, from: Date, to: Date, now: Date): BilledDay[] {
  const dayStart = (t: number) => Math.floor((t + BILLING_UTC_OFFSET_MS) / DAY_MS) * DAY_MS - BILLING_UTC_OFFSET_MS;
  // A secret whose deletion window ended is gone even if no call has purged it yet.
  const endOf = (e: SecretLedgerEntry) => {
    if (e.deletedAt !== undefined) return Date.parse(e.deletedAt);
    const planned = state.data.secrets[e.secretName]?.plannedDeleteTime;
    return Math.min(now.getTime(), planned ? Date.parse(planned) : Infinity);
  };
  const days: BilledDay[] = [];
  for (let start = dayStart(from.getTime()); start <= to.getTime(); start += DAY_MS) {
    const end = start + DAY_MS;
    const secrets = new Set(
      (state.data.secretLedger ?? []).filter((e) => Date.parse(e.createdAt) < end && endOf(e) >= start).map((e) => e.secretName),
    );
    days.push({ date: new Date(start + BILLING_UTC_OFFSET_MS).toISOString().slice(0, 10), secrets: secrets.size });
  }
  return days;
}
