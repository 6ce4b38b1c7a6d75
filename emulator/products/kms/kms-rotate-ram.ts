import { isoSeconds } from "../../core/clock";
import { isApiError } from "../../gateway/api-error";
import type { SecretRecord } from "../../state/state-types";
import { createAccessKey, deleteAccessKey, keysOf } from "../ram/ram";
import { STAGE_PREVIOUS } from "./kms-errors";
import { ramSecretValue, valueFields } from "./kms-managed-values";
import { rotatingSecret, rotationFailed, rotationSucceeded, storeRotatedValue, type RotationEnv } from "./kms-rotation-outcome";
import { holderOf, removeStage } from "./kms-stages";
import { STAGE_CURRENT } from "./kms-errors";

/**
 * A RAMCredentials secret's rotation ("Manage and use RAM secrets"): RAM
 * creates a new AccessKey (refused, as RAM refuses it, when the user already
 * has two), KMS stores it as ACSCurrent at once (the old one becomes
 * ACSPrevious), and at the end of the rotation window deletes the old key
 * and the value that held it. Both keys work during the window, and the
 * rotation runs until it ends: no other rotation or policy change meanwhile.
 * The window: automatic rotation "approximately 2 days"; immediate rotation
 * 10 minutes to 2 days as the console's Rotation Window sets it (2 days, the
 * page's advice outside an emergency, unless control.setRamRotationWindow
 * set another). The success event is raised when the window ends.
 */
export const RAM_AUTOMATIC_WINDOW_MS = 2 * 86400_000;
export const RAM_IMMEDIATE_WINDOW_MS = { min: 10 * 60_000, max: 2 * 86400_000, default: 2 * 86400_000 } as const;

export async function rotateRam(env: RotationEnv, secretName: string, versionId: string): Promise<void> {
  const secret = rotatingSecret(env, secretName, versionId);
  if (!secret) return;
  const userName = String(secret.extendedConfig?.UserName ?? "");
  if (!env.state.data.users[userName]) return rotationFailed(env, secret, "EntityNotExist.User", `The user ${userName} does not exist.`);
  const previous = valueFields(holderOf(secret, STAGE_CURRENT)?.secretData ?? "").AccessKeyId;
  const now = env.clock();
  let key;
  try {
    key = createAccessKey(env.state, { kind: "user", userName }, now);
  } catch (e) {
    if (isApiError(e)) return rotationFailed(env, secret, e.code, e.message);
    throw e;
  }
  storeRotatedValue(env, secret, ramSecretValue(key.accessKeyId, key.accessKeySecret, now));
  const window = secret.rotating!.trigger === "automatic" ? RAM_AUTOMATIC_WINDOW_MS : (env.state.data.ramRotationWindowMs ?? RAM_IMMEDIATE_WINDOW_MS.default);
  secret.rotating!.retireKeyIds = typeof previous === "string" ? [previous] : [];
  secret.rotating!.retireAt = isoSeconds(new Date(now.getTime() + window));
  env.state.changed();
}

/** The window ended: the old keys go from RAM (those the user still has) and the value that held them loses ACSPrevious. */
export function finishRamRotation(env: RotationEnv, secret: SecretRecord): void {
  const userName = String(secret.extendedConfig?.UserName ?? "");
  const retired = secret.rotating?.retireKeyIds ?? [];
  const owned = new Set(keysOf(env.state, { kind: "user", userName }).map((k) => k.accessKeyId));
  for (const id of retired) if (owned.has(id)) deleteAccessKey(env.state, id);
  const previous = holderOf(secret, STAGE_PREVIOUS);
  if (previous && retired.includes(String(valueFields(previous.secretData).AccessKeyId))) removeStage(previous, STAGE_PREVIOUS);
  rotationSucceeded(env, secret);
}
