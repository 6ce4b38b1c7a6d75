import type { Logger } from "pino";
import { describeError } from "../core/errors";
import type { RotationEvent } from "./rotation-event";

/**
 * Where rotation events go. A sink never fails a rotation: `emit` returns at
 * once and never throws, delivery happens in the background, and `flush`
 * waits for it (and never rejects) before a pass reports.
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

/** Tracks background deliveries so flush can wait for them. */
export function pendingDeliveries(): { track(p: Promise<void>): void; settle(): Promise<void> } {
  const pending = new Set<Promise<void>>();
  return {
    track(p) {
      const settled = p.catch(() => undefined).finally(() => pending.delete(settled));
      pending.add(settled);
    },
    async settle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
