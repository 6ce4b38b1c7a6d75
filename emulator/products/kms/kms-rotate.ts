import { isoSeconds } from "../../core/clock";
import type { ActionContext, ActionSpec } from "../../gateway/product";
import type { SecretRecord } from "../../state/state-types";
import { KMS_ROTATE_SECRET_PER_HOUR, kmsErrors } from "./kms-errors";
import { findSecret, secretArn, secretUpdated } from "./kms-lookup";
import { rotationSettings } from "./kms-managed-create";
import { beginRotation } from "./kms-rotation-engine";
import { isManaged } from "./kms-rotation-schedule";
import { findVersion } from "./kms-stages";
import * as validate from "./kms-validate";

const HOUR_MS = 3600_000;

/** RotateSecret and UpdateSecretRotationPolicy exist only for the types KMS rotates (both references: not for generic secrets). */
function managedSecret(ctx: ActionContext, action: string): SecretRecord {
  const secret = findSecret(ctx);
  if (!isManaged(secret) || !secret.rotation) throw kmsErrors.unsupportedForType(action, secret.secretType);
  return secret;
}

/**
 * RotateSecret(SecretName, VersionId): rotates now, asynchronously (the
 * answer comes before the rotation ends). VersionId makes it idempotent: an
 * id the secret already has, or the running rotation's, succeeds without
 * rotating (reference). At most 50 rotations per secret per hour; none while
 * one runs ("you cannot ... perform immediate rotation" during a RAM
 * rotation; the emulator holds every type to it).
 */
export const rotateSecret: ActionSpec = {
  required: ["SecretName", "VersionId"],
  handle(ctx) {
    const secret = managedSecret(ctx, "RotateSecret");
    const versionId = validate.versionId(ctx.params.VersionId ?? "");
    const answer = { Arn: secretArn(ctx, secret.secretName), SecretName: secret.secretName, VersionId: versionId };
    if (findVersion(secret, versionId) || secret.rotating?.versionId === versionId) return answer;
    if (secret.rotating) throw kmsErrors.rotating();
    const rotation = secret.rotation!;
    rotation.recentCalls = rotation.recentCalls.filter((t) => Date.parse(t) > ctx.now.getTime() - HOUR_MS);
    if (rotation.recentCalls.length >= KMS_ROTATE_SECRET_PER_HOUR) throw kmsErrors.rotateLimit();
    rotation.recentCalls.push(isoSeconds(ctx.now));
    beginRotation(ctx, secret, versionId, "immediate");
    return answer;
  },
};

/**
 * UpdateSecretRotationPolicy(SecretName, EnableAutomaticRotation,
 * RotationInterval): the interval is required to enable and kept when
 * disabling; the next rotation is the last one plus the interval, at once
 * if that is past (reference).
 */
export const updateSecretRotationPolicy: ActionSpec = {
  required: ["SecretName", "EnableAutomaticRotation"],
  handle(ctx) {
    const secret = managedSecret(ctx, "UpdateSecretRotationPolicy");
    const settings = rotationSettings(ctx);
    if (secret.rotating) throw kmsErrors.rotating();
    const rotation = secret.rotation!;
    rotation.automatic = settings.automatic;
    if (settings.intervalSeconds !== undefined) rotation.intervalSeconds = settings.intervalSeconds;
    delete rotation.retryAfter;
    secretUpdated(ctx, secret);
    return { SecretName: secret.secretName };
  },
};
