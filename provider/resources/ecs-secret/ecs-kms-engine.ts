import { ManagedSecretsError } from "../../core/errors";
import type { RuntimeContext } from "../../context/runtime-context";
import { cloudAssistantClientFor } from "../../alicloud/cloud-assistant-client";
import type { SecretMeta } from "../../store/secret-store";
import { isPosixUser } from "../../validation/ecs-fields";
import { probeTarget } from "../../rotation/probe-target";
import { StoredTargetFields } from "../../rotation/stored-target-fields";
import { driftOf, needsRotation } from "../../health/drift";
import { assessSecret } from "../../health/secret-health";
import { kmsEventsOf } from "../../health/kms-rotation-health";
import { ECS_SUB_TYPES, ecsKmsTargetKind, isEcsKmsUser, type EcsKmsTargetSpec } from "../../targets/ecs-kms/ecs-kms-target-kind";
import { decodeEcsValue, encodeEcsValue, ecsValueFrom, secretPartOf } from "../../targets/ecs-host/ecs-value";
import { adoptOntoExisting, currentVersion, declaredProbe, durationText, healthOutput, importedSharedInputs, nameConflict, readPrelude, requireLive, requireSoleManager, type CreateOptions } from "../secret-resource";
import { declareKms, freshVersionId, handOver, managedCalls, reviveKms, rotateWithKms, updateVersionId, type KmsDeclaration } from "../kms-engine";
import { inputChanges } from "../input-changes";
import type { EcsSecretOutputs } from "../secret-outputs";
import { ECS_SECRET_INPUT_CHANGES, connectionOutput, secretNameOf, type EcsSecretSpec } from "./ecs-secret-schema";
import { declaredOutputs, outputsFromStore } from "./ecs-outputs";

/**
 * EcsSecret with rotatedBy "kms": a KMS secret of type ECS that KMS rotates
 * itself through its own Cloud Assistant command (the service-linked role
 * AliyunServiceRoleForKMSSecretsManagerForECS), on Linux and, for
 * passwords, Windows instances. The product creates it (ExtendedConfig
 * {SecretSubType, RegionId, InstanceId}), asks KMS to rotate it (RotateSecret
 * with a VersionId derived from rotationTrigger), sets its rotation policy
 * (UpdateSecretRotationPolicy), probes it where it can (Linux, through Cloud
 * Assistant) and reads KMS's record and events for the rest.
 */

/** The target as the stack declares it (inputs, or the outputs that record them). */
export function kmsSpecOf(d: Pick<EcsSecretOutputs, "instanceId" | "managedUser" | "credentialType" | "connection">): EcsKmsTargetSpec {
  return { instanceId: d.instanceId, managedUser: d.managedUser, credentialType: d.credentialType, keyAlgorithm: "rsa-2048", regionId: d.connection.region ?? "" };
}

/** What the store keeps besides KMS's record: the kind (so listings find it), the user, the recovery window. No schedule: KMS keeps it. */
function declarationOf(spec: EcsSecretSpec, target: EcsKmsTargetSpec): KmsDeclaration {
  return {
    description: spec.description,
    metadata: { ...ecsKmsTargetKind.encode(target), recoveryWindowDays: String(spec.recoveryWindowDays) },
    ...(spec.rotationPeriod === undefined ? {} : { rotationSeconds: spec.rotationPeriod.seconds }),
  };
}

/**
 * The target of a KMS ECS secret, also one this product has not tagged yet
 * (created in the console: adopt, import): ExtendedConfig names the instance,
 * and the current value's UserName the user (only KMS writes it).
 */
export async function recordedKmsSpec(ctx: RuntimeContext, meta: SecretMeta): Promise<EcsKmsTargetSpec> {
  if (meta.managed?.secretType !== "ECS") {
    throw new ManagedSecretsError("InvalidInput", `secret ${meta.name} is not a KMS secret of type ECS${meta.managed ? ` (it is ${meta.managed.secretType})` : ""}`, { secretName: meta.name });
  }
  if (ecsKmsTargetKind.matches(meta.metadata)) return ecsKmsTargetKind.decode(new StoredTargetFields(meta));
  const user = decodeEcsValue((await ctx.store.getValue(meta.name)).value).UserName;
  if (!isEcsKmsUser(user)) {
    throw new ManagedSecretsError("InvalidInput", `secret ${meta.name}: the UserName of its value is not a Linux or Windows account name this product takes`, { secretName: meta.name, property: "managedUser" });
  }
  // The kind reads only the user from metadata: everything else from ExtendedConfig.
  return ecsKmsTargetKind.decode(new StoredTargetFields({ ...meta, metadata: { managedUser: user } }));
}

export async function createWithKms(spec: EcsSecretSpec, ctx: RuntimeContext, options: CreateOptions = {}): Promise<{ id: string; outs: EcsSecretOutputs }> {
  const name = secretNameOf(spec);
  const managed = managedCalls(ctx);
  const declared = kmsSpecOf({ ...spec, connection: connectionOutput(spec.connection) });
  const key = ecsKmsTargetKind.credentialKey(declared);
  const existing = await ctx.store.describeSecret(name);
  if (existing && options.adopt) throw adoptOntoExisting(name, existing);
  if (existing) {
    // A retried create, a secret coming back within its window, or one imported (maybe never tagged by us).
    const stored = await recordedKmsSpec(ctx, existing).catch(() => undefined);
    if (stored === undefined || ecsKmsTargetKind.credentialKey(stored) !== key || stored.regionId !== declared.regionId) throw nameConflict(ctx, name, existing);
  }
  const listed = await requireSoleManager(ctx, name, ecsKmsTargetKind, declared, "managedUser");
  if (existing) {
    await declareKms(ctx, await reviveKms(ctx, name), declarationOf(spec, declared));
    return { id: name, outs: await outputsFor(name, spec, ctx) };
  }

  // Before anything is created: the instance is in the region named, and what it runs decides what KMS can rotate.
  const regionId = declared.regionId;
  const facts = await cloudAssistantClientFor(ctx.cloud(), regionId).describeInstance(regionId, spec.instanceId);
  if (!facts) {
    throw new ManagedSecretsError("TargetNotFound", `ECS instance ${spec.instanceId} does not exist in region ${regionId} (instanceId, connection.region): KMS rotates an instance in the region its secret names; nothing was created`, {
      property: "connection.region",
    });
  }
  const windows = facts.osType.toLowerCase() === "windows";
  if (windows && spec.credentialType === "keyPair") {
    throw new ManagedSecretsError("InvalidInput", `ECS instance ${spec.instanceId} runs Windows: KMS rotates only passwords there (it refuses SSHKey for Windows); use credentialType "password". Nothing was created`, { property: "credentialType" });
  }
  if (!windows && !isPosixUser(spec.managedUser)) {
    throw new ManagedSecretsError("InvalidInput", `ECS instance ${spec.instanceId} runs ${facts.osType || "Linux"}: managedUser must be a POSIX user name ([a-z_][a-z0-9_-]*, at most 32 characters). Nothing was created`, { property: "managedUser" });
  }

  // It starts from the credential that works: the other engine's secret it replaces, else the program's initial value.
  const from = await handOver(ctx, name, key, "kms", listed);
  let value: string;
  try {
    value = from ? encodeEcsValue(decodeEcsValue(from.value)) : ecsValueFrom(spec.managedUser, spec.credentialType, spec.initialValue);
    const { description, metadata, rotationSeconds } = declarationOf(spec, declared);
    await managed.create({
      name,
      secretType: "ECS",
      extendedConfig: { SecretSubType: ECS_SUB_TYPES[spec.credentialType], RegionId: regionId, InstanceId: spec.instanceId },
      value,
      versionId: "v1",
      description,
      metadata,
      ...(rotationSeconds === undefined ? {} : { rotationIntervalSeconds: rotationSeconds }),
    });
  } finally {
    await from?.done();
  }
  // As KMS does at its first rotation (and the product with connection.admin): a value the instance rejects is replaced at once.
  // Only a Linux instance can be asked; a Windows password is taken as given, and KMS's first rotation replaces a wrong one.
  if (!windows && !(await ecsKmsTargetKind.build(declared, name, ctx).accepts(value))) await rotateWithKms(ctx, name, freshVersionId("repair"), kmsEventsOf(ctx.cloud, name));
  return { id: name, outs: await outputsFor(name, spec, ctx) };
}

export async function updateWithKms(id: string, olds: EcsSecretOutputs, spec: EcsSecretSpec, ctx: RuntimeContext): Promise<{ outs: EcsSecretOutputs }> {
  const drift = driftOf(olds, spec.rotationPeriod);
  await declareKms(ctx, await reviveKms(ctx, id), declarationOf(spec, kmsSpecOf({ ...spec, connection: connectionOutput(spec.connection) })));
  const asked = spec.rotationTrigger !== undefined && inputChanges(ECS_SECRET_INPUT_CHANGES, olds, spec).rotates.includes("rotationTrigger");
  // Drift a refresh found (a credential changed behind KMS's back, a failed or overdue rotation) is repaired by KMS rotating again.
  if (asked || needsRotation(drift)) await rotateWithKms(ctx, id, updateVersionId(asked, spec.rotationTrigger), kmsEventsOf(ctx.cloud, id));
  return { outs: await outputsFor(id, spec, ctx) };
}

export async function readWithKms(id: string, props: EcsSecretOutputs, ctx: RuntimeContext): Promise<{ id?: string; props?: EcsSecretOutputs }> {
  const start = await readPrelude(id, props, ctx);
  if ("done" in start) return start.done;
  const { meta } = start;
  const outs = await outputsFromStore(id, meta, start.props, ctx);
  // The declared target, compared with KMS's record (ExtendedConfig): another instance or user is TargetUnverified.
  const declared = kmsSpecOf(start.props);
  const probe = declaredProbe(meta, ecsKmsTargetKind, declared, ctx.probeOnRefresh === false ? undefined : () => probeTarget(ecsKmsTargetKind.build(declared, id, ctx), async () => (await ctx.store.getValue(id)).value));
  const health = await assessSecret(meta, { now: ctx.clock(), probe, kmsEvents: kmsEventsOf(ctx.cloud, id) });
  return { id, props: { ...outs, health: healthOutput(health) } };
}

/** `pulumi import` of a KMS ECS secret (tagged by this product or not): the inputs a program would declare, and their refresh. */
export async function importWithKms(meta: SecretMeta, ctx: RuntimeContext, declare: (inputs: Record<string, unknown>) => EcsSecretOutputs): Promise<{ id?: string; props?: EcsSecretOutputs; inputs?: Record<string, unknown> }> {
  const target = await recordedKmsSpec(ctx, meta);
  const current = decodeEcsValue((await currentVersion(ctx, meta.name, meta)).value);
  const interval = meta.managed?.automaticRotation === "Enabled" ? meta.managed.rotationIntervalSeconds : undefined;
  const { rotationPeriod: _ignored, ...shared } = importedSharedInputs(meta, secretNameOf({ ...target, secretName: undefined, rotatedBy: "kms" }));
  const inputs: Record<string, unknown> = {
    instanceId: target.instanceId,
    managedUser: target.managedUser,
    credentialType: target.credentialType,
    initialValue: secretPartOf(current),
    connection: { transport: "cloudAssistant", region: target.regionId },
    rotatedBy: "kms",
    ...shared,
    ...(interval === undefined ? {} : { rotationPeriod: durationText(interval) }),
  };
  const refreshed = await readWithKms(meta.name, { ...declare(inputs), imported: true }, ctx);
  return { ...refreshed, inputs };
}

async function outputsFor(name: string, spec: EcsSecretSpec, ctx: RuntimeContext): Promise<EcsSecretOutputs> {
  const meta = await requireLive(ctx, name);
  // Just created or updated: a refresh says how the credential and KMS's rotations stand.
  return { ...(await outputsFromStore(name, meta, declaredOutputs(name, spec), ctx)), health: { healthy: true, problems: [] } };
}

/** `managed-secrets adopt kms <name>` for an ECS secret KMS rotates: tagged with its target from KMS's record, so listings, check and the runner see it. */
export async function adoptEcsWithKms(ctx: RuntimeContext, meta: SecretMeta, recoveryWindowDays: number): Promise<SecretMeta> {
  const target = await recordedKmsSpec(ctx, meta);
  await requireSoleManager(ctx, meta.name, ecsKmsTargetKind, target, "name");
  return ctx.store.updateSecret(meta.name, { metadata: { ...ecsKmsTargetKind.encode(target), recoveryWindowDays: String(recoveryWindowDays) } });
}
