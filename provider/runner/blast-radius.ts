import { ManagedSecretsError } from "../core/errors";
import { decimalIn, wholeNumberIn } from "../core/decimal";
import { longSleep } from "../core/long-sleep";
import type { SecretMeta } from "../store/secret-store";
import type { TargetRegistry } from "../rotation/target-registry";
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
/**
 * The slowest rate: one start every 1000 minutes. Slower spacing means
 * nothing for a pass, and the digits a rate may carry after its point (3)
 * cannot write less than this anyway.
 */
export const MIN_RATE_PER_MINUTE = 0.001;
/** A percentage budget: 0.01% to 100%, at most two digits after the point. */
const MIN_PERCENT = 0.01;

function usage(flag: string, text: string, rule: string): ManagedSecretsError {
  return new ManagedSecretsError("InvalidInput", `${flag} ${JSON.stringify(text)}: ${rule}`, { property: flag });
}

function wholeNumber(flag: string, text: string, max: number): number {
  const n = wholeNumberIn(text, 1, max);
  if (n === undefined) throw usage(flag, text, `must be an integer 1..${max}, in decimal digits`);
  return n;
}

export const parseCanary = (text: string): number => wholeNumber("--canary", text, LIMITS.canary);
export const parsePerHost = (text: string): number => wholeNumber("--per-host", text, LIMITS.perHost);

/** `N` failures, or `P%` of the secrets due in the pass. */
export function parseMaxFailures(text: string): FailureBudget {
  const rule = `must be a number of failures 1..${LIMITS.maxFailures} or a percentage of the due secrets like 10% (${MIN_PERCENT}..100, at most two decimals)`;
  if (text.endsWith("%")) {
    const percent = decimalIn(text.slice(0, -1), MIN_PERCENT, 100, 2);
    if (percent === undefined) throw usage("--max-failures", text, rule);
    return { percent };
  }
  const count = wholeNumberIn(text, 1, LIMITS.maxFailures);
  if (count === undefined) throw usage("--max-failures", text, rule);
  return { count };
}

/** `R/min` (R may be a fraction, e.g. 0.5/min for one every two minutes). */
export function parseRate(text: string): number {
  const rate = text.endsWith("/min") ? decimalIn(text.slice(0, -"/min".length), MIN_RATE_PER_MINUTE, LIMITS.ratePerMinute, 3) : undefined;
  if (rate === undefined) throw usage("--rate", text, `must be rotations per minute like 30/min or 0.5/min (${MIN_RATE_PER_MINUTE}..${LIMITS.ratePerMinute}, at most three decimals)`);
  return rate;
}

/** The failures a pass over `due` secrets may have before it stops: a percentage rounds up, and is at least one. */
export function failureAllowance(budget: FailureBudget, due: number): number {
  return "count" in budget ? budget.count : Math.max(1, Math.ceil((budget.percent * due) / 100));
}

/** What one rotation occupies, so `--per-host` can hold others of it back. */
export type FailureDomainOf = (meta: SecretMeta) => string;

/** As each secret's target kind says (its ECS instance, its RAM user); a secret whose target cannot be read occupies only itself. */
export function failureDomainsOf(targets: TargetRegistry): FailureDomainOf {
  return (meta) => targets.factsOf(meta)?.failureDomain ?? `secret:${meta.name}`;
}

export interface GateClock {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

// Lanes reserve start slots one interval apart, so the last of 64 lanes at the slowest rate waits past Node's timer limit.
const realClock: GateClock = { now: () => Date.now(), sleep: (ms) => longSleep(ms) };

/**
 * Canaries first, then the rest in turns across hosts, so a lane seldom
 * waits on a busy host while another host has work.
 */
export function orderForBlastRadius<T extends { readonly meta: SecretMeta }>(due: readonly T[], canary: number, hostOf: FailureDomainOf): T[] {
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
export function blastRadiusGate(limits: BlastRadius, hostOf: FailureDomainOf, clock: GateClock = realClock): RunGate {
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
      const ordered = orderForBlastRadius(due, canary, hostOf);
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
