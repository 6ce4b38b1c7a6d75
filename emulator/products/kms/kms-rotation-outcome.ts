import { isoSeconds } from "../../core/clock";
import type { ActionContext } from "../../gateway/product";
import type { SecretRecord } from "../../state/state-types";
import { raiseSystemEvent } from "../cms/cms-alerts";
import { STAGE_CURRENT } from "./kms-errors";
import { secretArn } from "./kms-lookup";
import { AUTOMATIC_RETRY_AFTER_FAILURE_MS } from "./kms-rotation-schedule";
import { attachStage, changeVersions } from "./kms-stages";

/**
 * How a rotation ends: the new value stored as ACSCurrent (the old one
 * becomes ACSPrevious), or nothing stored; either way a CloudMonitor system
 * event, as KMS raises them (product kms): Secret:RotateSecret:Success (INFO)
 * or Secret:RotateSecret:Failure (CRITICAL), with secretName, secretType,
 * rotationStatus and, on failure, failureInfo {errorCode, errorMessage}. The
 * event type and status CloudMonitor files them under are not documented:
 * StatusNotification, and Success / Failure, are ours.
 */

/** What a rotation needs from the emulator: state, business clock, script runner, home region. */
export type RotationEnv = Pick<ActionContext, "state" | "clock" | "scripts" | "regionId">;

export const ROTATION_EVENT = { success: "Secret:RotateSecret:Success", failure: "Secret:RotateSecret:Failure" } as const;

function emit(env: RotationEnv, secret: SecretRecord, failure?: { errorCode: string; errorMessage: string }): void {
  const arn = secretArn({ regionId: env.regionId, state: env.state }, secret.secretName);
  raiseSystemEvent(
    env.state,
    {
      product: "kms",
      name: failure ? ROTATION_EVENT.failure : ROTATION_EVENT.success,
      level: failure ? "CRITICAL" : "INFO",
      eventType: "StatusNotification",
      status: failure ? "Failure" : "Success",
      regionId: env.regionId,
      resourceId: arn,
      content: {
        secretName: secret.secretName,
        secretType: secret.secretType,
        rotationStatus: failure ? "Failure" : "Success",
        ...(failure ? { failureInfo: failure } : {}),
      },
      time: isoSeconds(env.clock()),
    },
    env.clock(),
  );
}

/** The secret a running rotation belongs to, if it still exists and still runs that rotation. */
export function rotatingSecret(env: RotationEnv, secretName: string, versionId: string): SecretRecord | undefined {
  const secret = env.state.data.secrets[secretName];
  return secret?.rotating?.versionId === versionId ? secret : undefined;
}

/** The target took the new value: it becomes ACSCurrent under the rotation's VersionId, and the schedule restarts from now. */
export function storeRotatedValue(env: RotationEnv, secret: SecretRecord, data: string): void {
  const now = env.clock();
  const rotating = secret.rotating!;
  changeVersions(secret, () => {
    const version = { versionId: rotating.versionId, secretData: data, secretDataType: "text" as const, stages: [] as string[], createTime: isoSeconds(now) };
    secret.versions.push(version);
    attachStage(secret, STAGE_CURRENT, version);
  });
  if (secret.rotation) {
    secret.rotation.lastRotationDate = isoSeconds(now);
    secret.rotation.rotationBase = isoSeconds(now);
    delete secret.rotation.retryAfter;
  }
  secret.updateTime = isoSeconds(now);
  env.state.changed();
}

export function rotationSucceeded(env: RotationEnv, secret: SecretRecord): void {
  delete secret.rotating;
  emit(env, secret);
  env.state.changed();
}

/** Nothing is stored: ACSCurrent stays as it was. A failed automatic rotation is tried again after a pause. */
export function rotationFailed(env: RotationEnv, secret: SecretRecord, errorCode: string, errorMessage: string): void {
  const automatic = secret.rotating?.trigger === "automatic";
  delete secret.rotating;
  if (automatic && secret.rotation) secret.rotation.retryAfter = isoSeconds(new Date(env.clock().getTime() + AUTOMATIC_RETRY_AFTER_FAILURE_MS));
  emit(env, secret, { errorCode, errorMessage });
  env.state.changed();
}
