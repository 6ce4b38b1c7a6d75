import type { Logger } from "pino";
import { describeError } from "../core/errors";
import type { EventDeadlines } from "./event-deadlines";
import type { RotationEvent } from "./rotation-event";

/**
 * Where rotation events go. A sink never fails a rotation: `emit` returns at
 * once and never throws, delivery happens in the background under its
 * deadlines (event-deadlines.ts), and `flush` waits for it, never past the
 * pass deadline and never rejecting, before a pass reports.
 */
export interface EventSink {
  readonly name: string;
  emit(event: RotationEvent): void;
  flush(): Promise<void>;
}

/** Every sink gets every event; one that throws is logged (by name, not by its error's payload) and the others go on. */
export function fanOut(sinks: readonly EventSink[], logger?: Logger): EventSink {
  return {
    name: sinks.map((s) => s.name).join(","),
    emit(event) {
      for (const sink of sinks) {
        try {
          sink.emit(event);
        } catch (e) {
          logger?.warn({ event: "event-sink-failed", sink: sink.name }, describeError(e));
        }
      }
    },
    async flush() {
      await Promise.allSettled(sinks.map((s) => s.flush()));
    },
  };
}

/** Why a delivery was cut off: its own deadline, or the pass's. */
export type Cutoff = "delivery deadline" | "pass deadline";

/**
 * Background deliveries, each under its delivery deadline, and the pass's
 * wait for them. A delivery gets a signal that aborts at its deadline or at
 * the pass's; it must then let go of whatever it holds (a socket, a timer),
 * but nothing waits for it to: the delivery counts as settled at once and
 * `cutOff` reports it, so an SDK call that cannot be interrupted holds
 * neither the pass nor the process's exit for longer than its own timeouts.
 */
export function pendingDeliveries(deadlines: Pick<EventDeadlines, "deliveryMs" | "passMs">): {
  track(deliver: (signal: AbortSignal) => Promise<void>, cutOff: (why: Cutoff) => void): void;
  settle(): Promise<void>;
} {
  const pending = new Map<Promise<void>, AbortController>();
  return {
    track(deliver, cutOff) {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort("delivery deadline" satisfies Cutoff), deadlines.deliveryMs);
      let finished = false;
      const done = deliver(controller.signal)
        .catch(() => undefined)
        .finally(() => (finished = true));
      const aborted = new Promise<void>((resolve) => controller.signal.addEventListener("abort", () => resolve(), { once: true }));
      const settled = Promise.race([done, aborted]).then(() => {
        clearTimeout(timer);
        pending.delete(settled);
        if (!finished) cutOff(controller.signal.reason as Cutoff);
      });
      pending.set(settled, controller);
    },
    async settle() {
      if (pending.size === 0) return;
      const timer = setTimeout(() => {
        for (const controller of pending.values()) controller.abort("pass deadline" satisfies Cutoff);
      }, deadlines.passMs);
      while (pending.size > 0) await Promise.allSettled([...pending.keys()]);
      clearTimeout(timer);
    },
  };
}
