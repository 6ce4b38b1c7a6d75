import { PREVIOUS_KEY_ACTIONS } from "../../targets/ram-access-key/previous-key-action";
import { z } from "zod";
import { GRACE_PERIOD_FORM, parseGracePeriod } from "../../validation/grace-period";
import { inputsOf, sharedFields, text } from "../resource-schema";
import type { InputRules } from "../input-changes";
import type { RamSecretOutputs } from "../secret-outputs";

/**
 * The one validated shape of RamSecret inputs. The SDK's arg types, check(),
 * create() and update() all derive from it.
 *
 * Messages say what is allowed and never echo the value: initialAccessKeySecret
 * is a credential, and a typo in any other field may be one pasted in the
 * wrong place.
 */

// RAM: letters, digits, periods, hyphens and underscores, at most 64.
const RAM_USER_NAME = /^[A-Za-z0-9._-]{1,64}$/;
// AccessKey ids are letters and digits (today "LTAI" + 20); STS ids ("STS.") are temporary and cannot be managed.
const ACCESS_KEY_ID = /^[A-Za-z0-9]{16,128}$/;
// Secrets are base62 today; accept any printable ASCII so a future format is not refused, but nothing that could hide a line break.
const ACCESS_KEY_SECRET = /^[\x21-\x7e]{16,128}$/;


const ramSecretInputsSchema = z
  .object({
    userName: text("a RAM user name").regex(RAM_USER_NAME, {
      error: "must be a RAM user name: 1..64 letters, digits, periods, hyphens or underscores",
    }),
    secretName: sharedFields.secretName,
    initialAccessKeyId: text("the id of an AccessKey the user has today").regex(ACCESS_KEY_ID, {
      error: "must be an AccessKey id: 16..128 letters and digits (e.g. LTAI...)",
    }),
    initialAccessKeySecret: text("the secret of initialAccessKeyId").regex(ACCESS_KEY_SECRET, {
      error: "must be an AccessKey secret: 16..128 printable characters, no spaces",
    }),
    rotationPeriod: sharedFields.rotationPeriod,
    rotationTrigger: sharedFields.rotationTrigger,
    // Not defaulted here: what an undeclared action means depends on whether a grace period was declared (below).
    previousKeyAction: z
      .enum(PREVIOUS_KEY_ACTIONS, { error: 'must be "keep" (stays Active until the next rotation), "deactivate" or "delete"' })
      .optional(),
    previousKeyGracePeriod: text(GRACE_PERIOD_FORM)
      .refine((v) => parseGracePeriod(v) !== undefined, { error: `must be ${GRACE_PERIOD_FORM}` })
      .optional(),
    description: sharedFields.description,
    recoveryWindowDays: sharedFields.recoveryWindowDays,
    forceDeleteWithoutRecovery: sharedFields.forceDeleteWithoutRecovery,
    rotatedBy: sharedFields.rotatedBy,
  })
  .strict()
  .superRefine((spec, ctx) => {
    const grace = graceSecondsOf(spec);
    if (grace === 0) return;
    if (spec.previousKeyAction === "keep") {
      ctx.addIssue({
        code: "custom",
        path: ["previousKeyGracePeriod"],
        message: 'applies only with previousKeyAction "deactivate" or "delete" ("keep" never retires the previous key)',
      });
    }
    if (spec.rotationPeriod !== undefined && grace >= spec.rotationPeriod.seconds) {
      ctx.addIssue({
        code: "custom",
        path: ["previousKeyGracePeriod"],
        message: `must be shorter than rotationPeriod (${spec.rotationPeriod.text}): RAM allows 2 AccessKeys per user, so the next rotation deletes the previous key to make room for its own`,
      });
    }
  })
  .transform((spec) => {
    const { previousKeyGracePeriod: declaredGrace, ...rest } = spec;
    const previousKeyAction: PreviousKeyActionName = spec.previousKeyAction ?? DEFAULT_PREVIOUS_KEY_ACTION;
    // The default grace comes with the default action only: a declared "deactivate" or "delete" acts when declared.
    const grace = spec.previousKeyAction === undefined ? (declaredGrace ?? DEFAULT_PREVIOUS_KEY_GRACE) : declaredGrace;
    return { ...rest, previousKeyAction, ...(grace === undefined ? {} : { previousKeyGracePeriod: grace }) };
  });

/**
 * What happens to the previous AccessKey when nothing is declared:
 * deactivated one hour after the rotation. KMS's own RAM secrets delete it
 * after their rotation window; a key left Active until the next rotation
 * ("keep", this package's default before) is a second live credential for a
 * whole rotation period, which a leaked copy of it would enjoy too. Deleting
 * cannot be undone, and an app still signing with the old key fails until it
 * re-reads the secret; deactivating stops the key as surely, and an operator
 * can turn it back on in seconds. One hour is the default cache of Alibaba's
 * Secrets Manager clients: an app that re-reads no sooner than that has the
 * new key before the old one stops (docs/benchmarks.md, apps through
 * rotation: 0 failed calls with a 1 h grace). The grace needs a runner pass
 * after it ends; without a runner the previous key stays Active until the
 * next rotation removes it to make room, as "keep" does.
 */
export const DEFAULT_PREVIOUS_KEY_ACTION: PreviousKeyActionName = "deactivate";
export const DEFAULT_PREVIOUS_KEY_GRACE = "1h";
type PreviousKeyActionName = (typeof PREVIOUS_KEY_ACTIONS)[number];

/** Inputs as the user writes them (defaults optional). */
export type RamSecretInputs = z.input<typeof ramSecretInputsSchema>;
/** Inputs after validation and defaults. */
export type RamSecretSpec = z.output<typeof ramSecretInputsSchema>;

/** validate for check() (every failure), parse for the methods that must not proceed on bad input. */
export const { validate: validateRamSecretInputs, parse: parseRamSecretInputs } = inputsOf(ramSecretInputsSchema);

function defaultRamSecretName(userName: string): string {
  return `ram/${userName}`;
}

export function ramSecretNameOf(spec: Pick<RamSecretSpec, "secretName" | "userName">): string {
  return spec.secretName ?? defaultRamSecretName(spec.userName);
}

/** The grace period in seconds; 0 when absent or "0". */
export function graceSecondsOf(spec: Pick<RamSecretSpec, "previousKeyGracePeriod">): number {
  return spec.previousKeyGracePeriod === undefined ? 0 : (parseGracePeriod(spec.previousKeyGracePeriod) ?? 0);
}

/** What a change of each RamSecret input does (input-changes.ts); diff() is derived from it. */
export const RAM_SECRET_INPUT_CHANGES: InputRules<RamSecretInputs, RamSecretOutputs, RamSecretSpec> = {
  userName: "replace",
  // KMS names a RAM secret it rotates itself (acs/ram/user/...): no declared name to compare.
  secretName: { change: "replace", differs: (olds, spec) => spec.rotatedBy !== "kms" && olds.secretName !== ramSecretNameOf(spec) },
  initialAccessKeyId: "none",
  initialAccessKeySecret: "none",
  rotationPeriod: { change: "update", differs: (olds, spec) => olds.rotationPeriod !== spec.rotationPeriod?.text },
  rotationTrigger: "rotate",
  // KMS decides the previous key's fate itself (rotatedBy "kms" refuses both at check): nothing to update there.
  previousKeyAction: { change: "update", differs: (olds, spec) => spec.rotatedBy !== "kms" && olds.previousKeyAction !== spec.previousKeyAction },
  previousKeyGracePeriod: { change: "update", differs: (olds, spec) => spec.rotatedBy !== "kms" && olds.previousKeyGracePeriod !== spec.previousKeyGracePeriod },
  description: "update",
  recoveryWindowDays: "update",
  forceDeleteWithoutRecovery: "update",
  // KMS's own secret type: another engine is another secret of the same credential.
  rotatedBy: { change: "replace", differs: (olds, spec) => (olds.rotatedBy ?? "product") !== (spec.rotatedBy ?? "product") },
};
