import { wholeNumberIn } from "../core/decimal";
import { ManagedSecretsError } from "../core/errors";

/**
 * How long events may take. A receiver is whoever holds the URL, and one that
 * answers a line at a time (or never) must not hold a rotation: each request
 * has an overall deadline (not an idle one, which a trickle resets), each
 * event's delivery (its retries included) another, and a pass, once its
 * rotations are done, waits for deliveries still going at most `passMs`.
 * What is cut off is logged as undelivered; the rotation's outcome and exit
 * code never depend on it.
 */
export interface EventDeadlines {
  /** One request to the receiver, from connect to the status line. */
  readonly attemptMs: number;
  /** One event, every try and back-off included. */
  readonly deliveryMs: number;
  /** What a pass (or one `rotate`, or one provider operation) waits for deliveries after its rotations end. */
  readonly passMs: number;
}

export const EVENT_DEADLINES: EventDeadlines = { attemptMs: 10_000, deliveryMs: 30_000, passMs: 30_000 };

export const EVENTS_DEADLINE_ENV = "MANAGED_SECRETS_EVENTS_DEADLINE_MS";
const RANGE = { min: 100, max: 600_000 } as const;

/**
 * MANAGED_SECRETS_EVENTS_DEADLINE_MS sets both the delivery and the pass
 * deadline (a request's own is never longer than either); absent, the defaults.
 */
export function eventDeadlinesFromEnv(env: NodeJS.ProcessEnv): EventDeadlines {
  const text = env[EVENTS_DEADLINE_ENV];
  if (text === undefined || text === "") return EVENT_DEADLINES;
  const ms = wholeNumberIn(text, RANGE.min, RANGE.max);
  if (ms === undefined) {
    throw new ManagedSecretsError("InvalidInput", `${EVENTS_DEADLINE_ENV} ${JSON.stringify(text)}: must be milliseconds ${RANGE.min}..${RANGE.max}, in decimal digits`, { property: EVENTS_DEADLINE_ENV });
  }
  return { attemptMs: Math.min(EVENT_DEADLINES.attemptMs, ms), deliveryMs: ms, passMs: ms };
}
