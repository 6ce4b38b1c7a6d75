import { ManagedSecretsError } from "../../core/errors";
import type { TargetKind } from "../../rotation/target-registry";
import { META } from "../../schedule/rotation-metadata";

/** An ECS instance user reached through Cloud Assistant; the ECS SDK loads only when one is rotated. */
export const cloudAssistantTargetKind: TargetKind = {
  name: "ecs over cloud assistant",
  matches: (m) => m[META.kind] === "ecs" && m.transport === "cloudAssistant",
  fromMetadata(meta, ctx) {
    const m = meta.metadata;
    if (!m.regionId || !m.instanceId || !m.managedUser) {
      throw new ManagedSecretsError("StoreUnreadable", `secret ${meta.name} lacks the region, instance or user it needs to be rotated through Cloud Assistant`, { secretName: meta.name });
    }
    const { cloudAssistantTargetFor } = require("./cloud-assistant-target-for") as typeof import("./cloud-assistant-target-for");
    return cloudAssistantTargetFor(
      {
        secretName: meta.name,
        managedUser: m.managedUser,
        credentialType: m.credentialType === "keyPair" ? "keyPair" : "password",
        keyAlgorithm: m.keyAlgorithm === "ed25519" ? "ed25519" : "rsa-2048",
        regionId: m.regionId,
        instanceId: m.instanceId,
      },
      ctx,
    );
  },
};
