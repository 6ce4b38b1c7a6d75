import { isManagedSecretsError } from "../core/errors";
import type { SecretMeta } from "../store/secret-store";
import type { EventSink } from "./event-sink";
import { emitAttempts } from "./emit-attempts";
import type { EventTrigger } from "./rotation-event";
import type { TargetFacts } from "../rotation/target-kind";

/**
 * One rotation outside a runner pass (`rotate <name>`, `pulumi up`, a drift
 * repair) reported as an event like any other, delivered before the caller
 * goes on. Reporting never changes the rotation's result.
 */
export async function observedRotation<T extends { readonly versionId: string; readonly previousVersionId: string; readonly notNeeded?: string }>(
  meta: SecretMeta,
  facts: TargetFacts | undefined,
  sink: EventSink | undefined,
  clock: () => Date,
  trigger: EventTrigger,
  run: () => Promise<T>,
): Promise<T> {
  const emit = emitAttempts(sink, trigger, clock, () => facts);
  const started = Date.now();
  try {
    const result = await run();
    // A rotation found already done (an interrupted one completed by someone else, a trigger already applied) changed nothing.
    const status = result.notNeeded === undefined ? "rotated" : "skipped";
    emit?.(meta, { name: meta.name, status, reason: trigger, versionId: result.versionId, previousVersionId: result.previousVersionId, attempts: 1, durationMs: Date.now() - started });
    return result;
  } catch (e) {
    const errorCode = isManagedSecretsError(e) ? e.code : "Unexpected";
    emit?.(meta, { name: meta.name, status: "failed", reason: "", errorCode, attempts: 1, durationMs: Date.now() - started });
    throw e;
  } finally {
    await sink?.flush();
  }
}
