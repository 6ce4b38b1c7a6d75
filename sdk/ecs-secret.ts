import * as pulumi from "@pulumi/pulumi";
import { withoutStackCapture } from "./registration-stacks";
import { SCHEDULE_OUTPUTS } from "./schedule-outputs";
import type { DeepInputs } from "./deep-input";
import { ecsSecretProvider } from "../provider/resources/ecs-secret/ecs-secret-provider";
import type { EcsSecretInputs } from "./types";

/**
 * An ECS instance user's password or SSH key pair as a managed secret, with
 * the semantics of KMS managed ECS secrets: created from the credential that
 * works today, rotated on a declared period (by the rotation runner) or at
 * once when `rotationTrigger` or `customValue` changes, and deleted with a
 * 7-30 day recovery window. Deleting the secret never changes the instance.
 */

/** Arguments of {@link EcsSecret}; shapes and ranges are validated by the provider's check. */
export type EcsSecretArgs = DeepInputs<EcsSecretInputs>;

/** Outputs that carry a credential: always secret in state. */
export const ECS_SECRET_OUTPUTS = ["value", "customValue"] as const;

export class EcsSecret extends pulumi.dynamic.Resource {
  /** The secret's name in the store (also the resource id). */
  declare readonly secretName: pulumi.Output<string>;
  declare readonly instanceId: pulumi.Output<string>;
  declare readonly managedUser: pulumi.Output<string>;
  declare readonly credentialType: pulumi.Output<"password" | "keyPair">;
  /** The ACSCurrent version id (v1, v2, ...). */
  declare readonly versionId: pulumi.Output<string>;
  /** The current password or private key (secret). */
  declare readonly value: pulumi.Output<string>;
  /** The current public key line, for key pairs. */
  declare readonly publicKey: pulumi.Output<string | undefined>;
  declare readonly automaticRotation: pulumi.Output<boolean>;
  declare readonly rotationPeriodSeconds: pulumi.Output<number | undefined>;
  declare readonly lastRotatedAt: pulumi.Output<string>;
  declare readonly nextRotationAt: pulumi.Output<string | undefined>;
  declare readonly plannedDeleteAt: pulumi.Output<string | undefined>;
  /** The shared health model's verdict at the last create, update or refresh (problems: rejected, overdue, interrupted, failing, ...). */
  declare readonly health: pulumi.Output<{ healthy: boolean; problems: string[] } | undefined>;

  constructor(name: string, args: EcsSecretArgs, opts?: pulumi.CustomResourceOptions) {
    const restore = withoutStackCapture();
    try {
      super(
        ecsSecretProvider,
        name,
        {
          ...ecsSecretProps(args),
          secretName: args.secretName,
          versionId: undefined,
          value: undefined,
          publicKey: undefined,
          ...SCHEDULE_OUTPUTS,
        },
        { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), ...ECS_SECRET_OUTPUTS] },
        "alicloud-managed-secrets",
        "EcsSecret",
      );
    } finally {
      restore();
    }
  }
}

/**
 * The inputs as they are registered: every credential wrapped as a Pulumi
 * secret, so state never holds one in plaintext even when the program passed
 * a plain string.
 */
export function ecsSecretProps(args: EcsSecretArgs): pulumi.Inputs {
  return {
    ...args,
    initialValue: pulumi.secret(args.initialValue),
    customValue: args.customValue === undefined ? undefined : pulumi.secret(args.customValue),
    // admin and bastion carry credentials.
    connection: pulumi.output(args.connection).apply((c) => (c.admin || ("bastion" in c && c.bastion) ? pulumi.secret(c) : pulumi.output(c))),
  };
}
