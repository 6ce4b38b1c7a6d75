import { ManagedSecretsError } from "../core/errors";
import type { SecretMeta } from "../store/secret-store";
import { META } from "../schedule/rotation-metadata";
import type { RunGate } from "./run-once";
import type { SecretOutcome } from "../schedule/secret-outcome";

/**
 * How much of a fleet one pass may break: canaries first, a failure budget,
 * one rotation per host at a time, and a start rate. A mistake on one host
 * is an incident; the same mistake on every host at once is an outage.
 */

export interface BlastRadius {
  /** Rotate this many first (the first due secrets by name) and go on only if none failed. */
  readonly canary?: number;
  /** Stop starting rotations once this many have failed. */
  readonly maxFailures?: FailureBudget;
  /** Rotations in flight per host (ECS instance, or RAM user). */
  readonly perHost?: number;
  /** Rotation starts per minute across the pass. */
  readonly ratePerMinute?: number;
}

export type FailureBudget = { readonly count: number } | { readonly percent: number };

/** Several users on one instance share its sshd and PAM; several secrets of one RAM user share its two AccessKey slots. */
export const DEFAULT_PER_HOST = 1;
export const LIMITS = { canary: 1000, maxFailures: 100_000, perHost: 64, ratePerMinute: 6000 } as const;

function usage(flag: string, text: string, rule: string): ManagedSecretsError {
  return new ManagedSecretsError("InvalidInput", `${flag} ${JSON.stringify(text)}: ${rule}`, { property: flag });
}

function wholeNumber(flag: string, text: string, max: number): number {
  const n = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= max)) throw usage(flag, text, `must be an integer 1..${max}`);
  return n;
}

export const parseCanary = (text: string): number => wholeNumber("--canary", text, LIMITS.canary);
export const parsePerHost = (text: string): number => wholeNumber("--per-host", text, LIMITS.perHost);

/** `N` failures, or `P%` of the secrets due in the pass. */
export function parseMaxFailures(text: string): FailureBudget {
  const rule = `must be a number of failures 1..${LIMITS.maxFailures} or a percentage of the due secrets like 10% (1..100)`;
  const pct = /^([0-9]+(?:\.[0-9]+)?)%$/.exec(text);
  if (pct) {
    const percent = Number(pct[1]);
    if (!(percent > 0 && percent <= 100)) throw usage("--max-failures", text, rule);
    return { percent };
  }
  if (!/^[0-9]+$/.test(text) || !(Number(text) >= 1 && Number(text) <= LIMITS.maxFailures)) throw usage("--max-failures", text, rule);
  return { count: Number(text) };
}

/** `R/min` (R may be a fraction, e.g. 0.5/min for one every two minutes). */
export function parseRate(text: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)\/min$/.exec(text);
  const rate = m ? Number(m[1]) : NaN;
  if (!(rate > 0 && rate <= LIMITS.ratePerMinute)) throw usage("--rate", text, `must be rotations per minute like 30/min (more than 0, at most ${LIMITS.ratePerMinute})`);
  return rate;
}

/** The failures a pass over `due` secrets may have before it stops: a percentage rounds up, and is at least one. */
export function failureAllowance(budget: FailureBudget, due: number): number {
  return "count" in budget ? budget.count : Math.max(1, Math.ceil((budget.percent * due) / 100));
}

/** What one rotation occupies: its ECS instance, or its RAM user. */
export function hostOf(meta: SecretMeta): string {
  const m = meta.metadata;
  if (m[META.kind] === "ram") return `ram:${m.userName ?? meta.name}`;
  return m.instanceId ?? (m.host ? `${m.host}:${m.port ?? 22}` : `secret:${meta.name}`);
}

export interface GateClock {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

const realClock: GateClock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

/**
 * Canaries first, then the rest in turns across hosts, so a lane seldom
 * waits on a busy host while another host has work.
 */
export function orderForBlastRadius<T extends { readonly meta: SecretMeta }>(due: readonly T[], canary: number): T[] {
  const byName = [...due].sort((a, b) => (a.meta.name < b.meta.name ? -1 : a.meta.name > b.meta.name ? 1 : 0));
  const canaries = byName.slice(0, canary);
  const queues = new Map<string, T[]>();
  for (const item of byName.slice(canary)) {
    const host = hostOf(item.meta);
    queues.set(host, [...(queues.get(host) ?? []), item]);
  }
  const rest: T[] = [];
  for (let round = 0; rest.length < byName.length - canaries.length; round++) {
    for (const queue of queues.values()) if (queue[round]) rest.push(queue[round]!);
  }
  return [...canaries, ...rest];
}

/** The runner's admission gate for a blast radius (run-once.ts asks it before each rotation starts). */
export function blastRadiusGate(limits: BlastRadius, clock: GateClock = realClock): RunGate {
  const perHost = limits.perHost ?? DEFAULT_PER_HOST;
  const canary = limits.canary ?? 0;
  const interval = limits.ratePerMinute ? 60_000 / limits.ratePerMinute : 0;
  const canaries = new Set<string>();
  const busy = new Map<string, number>();
  let allowance = Infinity;
  let failures = 0;
  let canariesLeft = 0;
  let stopped: string | undefined;
  let nextStart = 0;
  let waiters: (() => void)[] = [];
  const wake = () => {
    const woken = waiters;
    waiters = [];
    for (const w of woken) w();
  };
  const changed = () => new Promise<void>((resolve) => waiters.push(resolve));

  return {
    order(due) {
      const ordered = orderForBlastRadius(due, canary);
      for (const { meta } of ordered.slice(0, canary)) canaries.add(meta.name);
      canariesLeft = canaries.size;
      if (limits.maxFailures) allowance = failureAllowance(limits.maxFailures, due.length);
      return ordered;
    },
    async admit(meta) {
      const host = hostOf(meta);
      const isCanary = canaries.has(meta.name);
      for (;;) {
        if (stopped) return false;
        const canaryWait = !isCanary && canariesLeft > 0;
        if (!canaryWait && (busy.get(host) ?? 0) < perHost) break;
        await changed();
      }
      busy.set(host, (busy.get(host) ?? 0) + 1);
      // Reserve the start slot before sleeping, so lanes woken together still space out.
      const start = Math.max(clock.now(), nextStart);
      nextStart = start + interval;
      const wait = start - clock.now();
      if (wait > 0) await clock.sleep(wait);
      if (stopped) {
        release(host);
        return false;
      }
      return true;
    },
    settle(meta, outcome: SecretOutcome) {
      if (outcome.status === "failed") {
        failures++;
        if (canaries.has(meta.name)) stopped ??= `canary ${meta.name} failed`;
        if (failures >= allowance) stopped ??= `failure budget spent (${failures} failed, --max-failures allows ${allowance})`;
      }
      if (canaries.has(meta.name)) canariesLeft--;
      release(hostOf(meta));
    },
    stoppedEarly: () => stopped,
  };

  function release(host: string): void {
    const n = (busy.get(host) ?? 1) - 1;
    if (n > 0) busy.set(host, n);
    else busy.delete(host);
    wake();
  }
}
