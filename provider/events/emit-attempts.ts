import type { SecretMeta } from "../store/secret-store";
import type { SecretOutcome } from "../schedule/secret-outcome";
import type { TargetFacts } from "../rotation/target-kind";
import type { EventSink } from "./event-sink";
import { rotationEvent, type EventTrigger } from "./rotation-event";

/** The runOnce hook that turns each finished attempt into an event; `factsOf` says what each secret's target is (the registry's). */
export function emitAttempts(
  sink: EventSink | undefined,
  trigger: EventTrigger,
  clock: () => Date,
  factsOf: (meta: SecretMeta) => TargetFacts | undefined,
): ((meta: SecretMeta, outcome: SecretOutcome) => void) | undefined {
  if (!sink) return undefined;
  return (meta, outcome) => {
    const event = rotationEvent(meta, factsOf(meta), outcome, trigger, clock());
    if (event) sink.emit(event);
  };
}
