import { ManagedSecretsError } from "../../core/errors";
import type { TargetKind } from "../../rotation/target-registry";
import { META } from "../../schedule/rotation-metadata";
import type { SecretMeta } from "../../store/secret-store";
import type { BastionEndpoint } from "../../ssh/bastion";
import { bastionWithCredential } from "../../ssh/bastion-credentials";
import { EcsSshTarget } from "./ecs-ssh-target";

/** An ECS instance user reached over SSH (directly or through a bastion), with the current credential: no admin connection is stored. */
export const ecsSshTargetKind: TargetKind = {
  name: "ecs over ssh",
  matches: (m) => m[META.kind] === "ecs" && m.transport !== "cloudAssistant",
  fromMetadata(meta) {
    const m = meta.metadata;
    const port = Number(m.port);
    if (!m.host || !m.managedUser || !m.hostKeyFingerprint || !Number.isInteger(port)) {
      throw new ManagedSecretsError("StoreUnreadable", `secret ${meta.name} lacks the host, port, user or host key it needs to be rotated`, { secretName: meta.name });
    }
    return new EcsSshTarget({
      secretName: meta.name,
      managedUser: m.managedUser,
      credentialType: m.credentialType === "keyPair" ? "keyPair" : "password",
      keyAlgorithm: m.keyAlgorithm === "ed25519" ? "ed25519" : "rsa-2048",
      endpoint: { host: m.host, port, hostKeyFingerprint: m.hostKeyFingerprint, ...bastionFrom(meta) },
    });
  },
};

/** The bastion recorded for this secret, with the credential the runner was given for it (never stored). */
function bastionFrom(meta: SecretMeta): { bastion?: BastionEndpoint } {
  const m = meta.metadata;
  if (!m.bastionHost) return {};
  const port = Number(m.bastionPort);
  if (!m.bastionHostKeyFingerprint || !m.bastionUser || !Number.isInteger(port)) {
    throw new ManagedSecretsError("StoreUnreadable", `secret ${meta.name} lacks the bastion port, host key or user it needs to be reached`, { secretName: meta.name });
  }
  const location = { host: m.bastionHost, port, hostKeyFingerprint: m.bastionHostKeyFingerprint, user: m.bastionUser };
  return { bastion: bastionWithCredential(location, meta.name) };
}
