import type { SecretChange, SecretStore } from "./secret-store";
import { checkStageMove } from "./stage-moves";
import { checkMetadata, checkSecretName } from "./store-input";

/**
 * Several changes of one secret, in order: one write where the store can
 * (updateAtOnce), else one call per change. Every change is checked before
 * the first is made, so a bad one touches nothing either way.
 */
export async function updateInOrder(store: SecretStore, name: string, changes: readonly SecretChange[]): Promise<void> {
  if (changes.length === 0) return;
  checkSecretChanges(name, changes);
  if (store.updateAtOnce !== undefined) return store.updateAtOnce(name, changes);
  for (const change of changes) {
    if ("stage" in change) await store.updateVersionStage(name, change.stage);
    else await store.updateSecret(name, { metadata: change.metadata });
  }
}

/** The checks updateVersionStage and updateSecret make before touching anything, for each change. */
export function checkSecretChanges(name: string, changes: readonly SecretChange[]): void {
  checkSecretName(name);
  for (const change of changes) {
    if ("stage" in change) checkStageMove(name, change.stage);
    else checkMetadata(change.metadata, true);
  }
}
