import { ManagedSecretsError } from "../errors";
import type { SecretMeta } from "../store/secret-store";
import { EcsSshTarget } from "../ecs/ecs-ssh-target";
import type { RotationTarget } from "./rotation-target";
import { META } from "./rotation-metadata";

/**
 * Rebuilds a secret's target from what the store keeps, so the CLI and the
 * runner rotate without the Pulumi program. No admin connection is stored:
 * out-of-band rotation uses the current credential, which the protocol keeps
 * working at every step.
 */
export function targetFromMetadata(meta: SecretMeta): RotationTarget {
  const m = meta.metadata;
  if (m[META.kind] === "ecs") {
    const port = Number(m.port);
    if (!m.host || !m.managedUser || !m.hostKeyFingerprint || !Number.isInteger(port)) {
      throw new ManagedSecretsError("StoreUnreadable", `secret ${meta.name} lacks the host, port, user or host key it needs to be rotated`, { secretName: meta.name });
    }
    return new EcsSshTarget({
      secretName: meta.name,
      managedUser: m.managedUser,
      credentialType: m.credentialType === "keyPair" ? "keyPair" : "password",
      keyAlgorithm: m.keyAlgorithm === "ed25519" ? "ed25519" : "rsa-2048",
      endpoint: { host: m.host, port, hostKeyFingerprint: m.hostKeyFingerprint },
    });
  }
  throw new ManagedSecretsError("InvalidInput", `secret ${meta.name} is of kind ${m[META.kind] ?? "(none)"}, which this version cannot rotate`, { secretName: meta.name });
}
