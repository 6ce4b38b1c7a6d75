import { ManagedSecretsError } from "../../core/errors";
import type { CloudAssistantClient } from "../../alicloud/cloud-assistant-client";
import type { RotationTarget } from "../../rotation/rotation-target";
import { kmsRotatedTarget } from "../../rotation/kms-rotated-target";
import { decodeEcsValue } from "../ecs-host/ecs-value";
import type { EcsCloudAssistantTarget } from "../ecs-cloud-assistant/cloud-assistant-target";

/**
 * An ECS instance user's credential that KMS rotates (SecretType ECS): KMS
 * runs its own Cloud Assistant command as root, so the product only probes.
 * A Linux user is probed through Cloud Assistant exactly as the
 * cloudAssistant transport does (the shadow hash leaves the instance only
 * encrypted to a one-time key; a key pair by its public blob). A Windows
 * password cannot be tried from outside the instance: canProbe says so, and
 * its health rests on KMS's own record (rotation dates, CloudMonitor events).
 *
 * KMS rotates the user its current value names (SecretData.UserName, which
 * only KMS writes: PutSecretValue is refused for this type), so a value for
 * another user than the one declared is TargetUnverified before any probe.
 */
export interface EcsKmsTargetOptions {
  readonly secretName: string;
  readonly managedUser: string;
  readonly regionId: string;
  readonly instanceId: string;
  readonly client: () => CloudAssistantClient;
  /** The Cloud Assistant probe, for a Linux instance (made only for one). */
  readonly linux: () => EcsCloudAssistantTarget;
}

export function ecsKmsTarget(o: EcsKmsTargetOptions): RotationTarget {
  let os: Promise<string | undefined> | undefined;
  let probe: EcsCloudAssistantTarget | undefined;
  const osType = () => (os ??= o.client().describeInstance(o.regionId, o.instanceId).then((facts) => facts?.osType.toLowerCase()));
  return kmsRotatedTarget(o.secretName, {
    // An instance that cannot be described is probed, and the probe says why it failed (gone, another region).
    canProbe: async () => (await osType()) !== "windows",
    async accepts(value) {
      const user = decodeEcsValue(value).UserName;
      if (user !== o.managedUser) {
        throw new ManagedSecretsError(
          "TargetUnverified",
          `secret "${o.secretName}": KMS rotates the credential of ${JSON.stringify(user.slice(0, 64))} (the UserName of its current value), not managedUser ${o.managedUser}; nothing was sent`,
          { secretName: o.secretName, property: "managedUser" },
        );
      }
      return (probe ??= o.linux()).accepts(value);
    },
  });
}
