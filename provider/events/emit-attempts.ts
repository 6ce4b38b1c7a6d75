import type { SecretMeta } from "../store/secret-store";
import type { SecretOutcome } from "../schedule/secret-outcome";
import type { EventSink } from "./event-sink";
import { rotationEvent, type EventTrigger } from "./rotation-event";

/** The runOnce hook that turns each finished attempt into an event. */
export function emitAttempts(sink: EventSink | undefined, trigger: EventTrigger, clock: () => Date): ((meta: SecretMeta, outcome: SecretOutcome) => void) | undefined {
  if (!sink) return undefined;
  return (meta, outcome) => {
    const event = rotationEvent(meta, outcome, trigger, clock());
    if (event) sink.emit(event);
  };
}
