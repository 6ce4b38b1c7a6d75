import * as pulumi from "@pulumi/pulumi";
import { withoutStackCapture } from "./registration-stacks";
import { SCHEDULE_OUTPUTS } from "./schedule-outputs";
import type { DeepInputs } from "./deep-input";
import { ramSecretProvider } from "../provider/resources/ram-secret/ram-secret-provider";
import type { RamSecretInputs } from "./types";

/**
 * A RAM user's AccessKey pair as a managed secret, with the semantics of KMS
 * managed RAM secrets: created by adopting a pair the user has today, rotated
 * on a declared period (by the rotation runner) or at once when
 * `rotationTrigger` changes, the previous key kept Active until the next
 * rotation (or deactivated / deleted, per `previousKeyAction`, at once or
 * after `previousKeyGracePeriod` by a later runner pass), and deleted
 * with a 7-30 day recovery window. Deleting the secret never touches the
 * user's keys. RAM is called with the stack's cloud settings
 * (`managed-secrets:region`, `managed-secrets:accessKeyId`, ...) or the
 * ALIBABA_CLOUD_* environment.
 */

/** Arguments of {@link RamSecret}; shapes and ranges are validated by the provider's check. */
export type RamSecretArgs = DeepInputs<RamSecretInputs>;

/** Outputs that carry a credential: always secret in state. */
export const RAM_SECRET_OUTPUTS = ["accessKeySecret"] as const;

export class RamSecret extends pulumi.dynamic.Resource {
  /** The secret's name in the store (also the resource id). */
  declare readonly secretName: pulumi.Output<string>;
  declare readonly userName: pulumi.Output<string>;
  /** The ACSCurrent version id (v1, v2, ...). */
  declare readonly versionId: pulumi.Output<string>;
  /** The current AccessKey id (not secret). */
  declare readonly accessKeyId: pulumi.Output<string>;
  /** The current AccessKey secret (secret). */
  declare readonly accessKeySecret: pulumi.Output<string>;
  /** "Active", "Inactive" or "NotFound", as RAM reported it at the last refresh. */
  declare readonly accessKeyStatus: pulumi.Output<"Active" | "Inactive" | "NotFound">;
  declare readonly accessKeyLastUsedAt: pulumi.Output<string | undefined>;
  declare readonly automaticRotation: pulumi.Output<boolean>;
  declare readonly rotationPeriodSeconds: pulumi.Output<number | undefined>;
  declare readonly lastRotatedAt: pulumi.Output<string>;
  declare readonly nextRotationAt: pulumi.Output<string | undefined>;
  declare readonly plannedDeleteAt: pulumi.Output<string | undefined>;
  /** The shared health model's verdict at the last create, update or refresh (problems: rejected, overdue, interrupted, failing, ...). */
  declare readonly health: pulumi.Output<{ healthy: boolean; problems: string[] } | undefined>;

  constructor(name: string, args: RamSecretArgs, opts?: pulumi.CustomResourceOptions) {
    const restore = withoutStackCapture();
    try {
      super(
        ramSecretProvider,
        name,
        {
          ...ramSecretProps(args),
          secretName: args.secretName,
          versionId: undefined,
          accessKeyId: undefined,
          accessKeySecret: undefined,
          accessKeyStatus: undefined,
          accessKeyLastUsedAt: undefined,
          ...SCHEDULE_OUTPUTS,
        },
        { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), ...RAM_SECRET_OUTPUTS] },
        "alicloud-managed-secrets",
        "RamSecret",
      );
    } finally {
      restore();
    }
  }
}

/**
 * The inputs as they are registered: the adopted secret wrapped as a Pulumi
 * secret, so state never holds it in plaintext even when the program passed
 * a plain string.
 */
export function ramSecretProps(args: RamSecretArgs): pulumi.Inputs {
  return { ...args, initialAccessKeySecret: pulumi.secret(args.initialAccessKeySecret) };
}
