import { ApiError } from "../gateway/api-error";

/** A scripted failure: `times` consecutive calls fail, starting with the `nth` call from now. */
export interface FaultSpec {
  /** Action name (e.g. "GetSecretValue"), or "*" for every action. */
  action: string;
  nth?: number;
  times?: number;
  code: string;
  httpStatus: number;
  message: string;
}

export type DropPhase = "before" | "after";

type Effect = { kind: "error"; error: ApiError } | { kind: "throttle" } | { kind: "drop"; phase: DropPhase };

interface Rule {
  action: string;
  skip: number;
  remaining: number;
  effect: Effect;
}

export interface FaultDecision {
  delayMs: number;
  /** "before": the call never reaches the product; "after": it runs, its answer is lost. */
  drop?: DropPhase;
  /** The first matching failure wins; "throttle" is worded by the product. */
  failure?: ApiError | "throttle";
}

function count(value: number | undefined, fallback: number, what: string): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${what} must be a positive integer`);
  return n;
}

/**
 * Fault injection for tests and demos. Rules are consumed per matching call,
 * so "fail the 2nd call" means exactly that, independent of other actions.
 */
export class FaultRegistry {
  private rules: Rule[] = [];
  private readonly latencies = new Map<string, number>();

  inject(spec: FaultSpec): void {
    if (!spec.code || !Number.isInteger(spec.httpStatus) || spec.httpStatus < 400 || spec.httpStatus > 599) {
      throw new RangeError("a fault needs a code and an HTTP status from 400 to 599");
    }
    this.add(spec.action, spec.nth, spec.times, {
      kind: "error",
      error: new ApiError(spec.httpStatus, spec.code, spec.message),
    });
  }

  throttle(action: string, times: number): void {
    this.add(action, 1, times, { kind: "throttle" });
  }

  drop(action: string, nth = 1, phase: DropPhase = "before"): void {
    this.add(action, nth, 1, { kind: "drop", phase });
  }

  latency(action: string, ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError("latency must be a non-negative number of milliseconds");
    if (ms === 0) this.latencies.delete(action);
    else this.latencies.set(action, ms);
  }

  clear(): void {
    this.rules = [];
    this.latencies.clear();
  }

  decide(action: string): FaultDecision {
    const decision: FaultDecision = {
      delayMs: this.latencies.get(action) ?? this.latencies.get("*") ?? 0,
    };
    for (const rule of this.rules) {
      if (rule.action !== action && rule.action !== "*") continue;
      if (rule.skip > 0) {
        rule.skip--;
        continue;
      }
      rule.remaining--;
      const effect = rule.effect;
      if (effect.kind === "drop") decision.drop ??= effect.phase;
      else decision.failure ??= effect.kind === "throttle" ? "throttle" : effect.error;
    }
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return decision;
  }

  private add(action: string, nth: number | undefined, times: number | undefined, effect: Effect): void {
    if (!action) throw new RangeError("a fault needs an action name or *");
    this.rules.push({ action, skip: count(nth, 1, "nth") - 1, remaining: count(times, 1, "times"), effect });
  }
}
