import { ManagedSecretsError } from "../core/errors";
import type { RuntimeContext } from "../context/runtime-context";
import type { SecretMeta } from "../store/secret-store";
import { EcsSshTarget } from "../targets/ecs-ssh/ecs-ssh-target";
import { GRACE_META, ramTargetFor } from "../targets/ram-access-key/ram-access-key-target";
import type { RotationTarget } from "./rotation-target";
import { META } from "../schedule/rotation-metadata";
import { bastionWithCredential } from "../ssh/bastion-credentials";

/**
 * Rebuilds a secret's target from what the store keeps, so the CLI and the
 * runner rotate without the Pulumi program. No admin connection is stored:
 * out-of-band rotation uses the current credential, which the protocol keeps
 * working at every step. A RAM secret is rotated with the admin credentials
 * of `ctx.cloud()` and keeps its create intent in `ctx.store`, so every
 * caller passes the context (a RAM secret can turn up wherever ECS ones do).
 */
export function targetFromMetadata(meta: SecretMeta, ctx: Pick<RuntimeContext, "store" | "clock" | "cloud">): RotationTarget {
  return authenticated(targetFrom(meta, ctx), () => ctx.store.authenticateTarget(meta.name, meta.metadata));
}

/**
 * Metadata can be easier to change than values are to read (KMS tags), and
 * the target built from it is where the credential goes: nothing reaches the
 * target until the store has vouched for that metadata. Asked once per target.
 */
function authenticated(target: RotationTarget, authenticate: () => Promise<void>): RotationTarget {
  let checked: Promise<void> | undefined;
  const ready = () => (checked ??= authenticate());
  const prepareApply = target.prepareApply?.bind(target);
  const finishMetadata = target.finishMetadata?.bind(target);
  const retireDue = target.retireDue?.bind(target);
  return {
    ready,
    accepts: async (value) => (await ready(), target.accepts(value)),
    apply: async (current, pending, versionId, prepared) => (await ready(), target.apply(current, pending, versionId, prepared)),
    ...(prepareApply ? { prepareApply: async (current: string) => (await ready(), prepareApply(current)) } : {}),
    test: async (value) => (await ready(), target.test(value)),
    retire: async (current, versionId, older, tested) => (await ready(), target.retire(current, versionId, older, tested)),
    generate: () => target.generate(),
    ...(finishMetadata ? { finishMetadata: async (current: string, at: Date) => (await ready(), finishMetadata(current, at)) } : {}),
    ...(retireDue ? { retireDue: async (now: Date) => (await ready(), retireDue(now)) } : {}),
  };
}

function targetFrom(meta: SecretMeta, ctx: Pick<RuntimeContext, "store" | "clock" | "cloud">): RotationTarget {
  const m = meta.metadata;
  if (m[META.kind] === "ram") {
    if (!m.userName) {
      throw new ManagedSecretsError("StoreUnreadable", `secret ${meta.name} lacks the RAM user it needs to be rotated`, { secretName: meta.name });
    }
    const action = m.previousKeyAction === "deactivate" || m.previousKeyAction === "delete" ? m.previousKeyAction : "keep";
    const grace = Number(m[GRACE_META] ?? 0);
    return ramTargetFor(
      { secretName: meta.name, userName: m.userName, previousKeyAction: action, previousKeyGraceSeconds: Number.isInteger(grace) && grace > 0 ? grace : 0 },
      ctx,
    );
  }
  if (m[META.kind] === "ecs" && m.transport === "cloudAssistant") {
    if (!m.regionId || !m.instanceId || !m.managedUser) {
      throw new ManagedSecretsError("StoreUnreadable", `secret ${meta.name} lacks the region, instance or user it needs to be rotated through Cloud Assistant`, { secretName: meta.name });
    }
    const { cloudAssistantTargetFor } = require("../targets/ecs-cloud-assistant/cloud-assistant-target-for") as typeof import("../targets/ecs-cloud-assistant/cloud-assistant-target-for");
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
  }
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
      endpoint: { host: m.host, port, hostKeyFingerprint: m.hostKeyFingerprint, ...bastionFrom(meta) },
    });
  }
  throw new ManagedSecretsError("InvalidInput", `secret ${meta.name} is of kind ${m[META.kind] ?? "(none)"}, which this version cannot rotate`, { secretName: meta.name });
}

/** The bastion recorded for this secret, with the credential the runner was given for it (never stored). */
function bastionFrom(meta: SecretMeta): { bastion?: import("../ssh/bastion").BastionEndpoint } {
  const m = meta.metadata;
  if (!m.bastionHost) return {};
  const port = Number(m.bastionPort);
  if (!m.bastionHostKeyFingerprint || !m.bastionUser || !Number.isInteger(port)) {
    throw new ManagedSecretsError("StoreUnreadable", `secret ${meta.name} lacks the bastion port, host key or user it needs to be reached`, { secretName: meta.name });
  }
  const location = { host: m.bastionHost, port, hostKeyFingerprint: m.bastionHostKeyFingerprint, user: m.bastionUser };
  return { bastion: bastionWithCredential(location, meta.name) };
}
