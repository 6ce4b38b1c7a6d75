import { ManagedSecretsError } from "../../core/errors";
import type { RuntimeContext } from "../../context/runtime-context";
import { ramClientFor } from "../../alicloud/ram-client";
import { stsClientFor } from "../../alicloud/sts-client";
import type { SecretMeta } from "../../store/secret-store";
import { StoredTargetFields } from "../../rotation/stored-target-fields";
import { driftOf, needsRotation } from "../../health/drift";
import { assessSecret } from "../../health/secret-health";
import { kmsEventsOf } from "../../health/kms-rotation-health";
import { ramKmsTargetKind, type RamKmsTargetSpec } from "../../targets/ram-kms/ram-kms-target-kind";
import { decodeRamValue } from "../../targets/ram-access-key/ram-value";
import { currentVersion, declaredProbe, durationText, healthOutput, importedSharedInputs, readPrelude, requireLive, requireSoleManager, type CreateOptions } from "../secret-resource";
import { declareKms, freshVersionId, handOver, managedCalls, reviveKms, rotateWithKms, updateVersionId, type KmsDeclaration } from "../kms-engine";
import { inputChanges } from "../input-changes";
import type { RamSecretOutputs } from "../secret-outputs";
import { RAM_SECRET_INPUT_CHANGES, type RamSecretSpec } from "./ram-secret-schema";
import { verifyAdoption } from "./ram-live";
import { declaredOutputs, outputsFromStore } from "./ram-outputs";

/**
 * RamSecret with rotatedBy "kms": a KMS secret of type RAMCredentials, which
 * KMS rotates itself through its RAM service role: RAM makes the new key, KMS
 * stores it as ACSCurrent at once, and deletes the old key when the rotation
 * window ends. KMS's value holds every key of the user, so the user must have
 * exactly the one key the program gives (the second would also leave RAM no
 * room for KMS's new key). Alibaba's managed-credentials providers refresh on
 * KMS's schedule for exactly this type (tests/consumers).
 */

/** The RAM secret KMS already holds for this user (a retried create, one coming back within its window, an import): KMS names one per user. */
function existingFor(listed: readonly SecretMeta[], userName: string): SecretMeta | undefined {
  return listed.find((m) => m.managed?.secretType === "RAMCredentials" && m.managed.extendedConfig.UserName === userName);
}

/** What the store keeps besides KMS's record: the kind (so listings find it), the recovery window. No schedule: KMS keeps it. */
function declarationOf(spec: RamSecretSpec): KmsDeclaration {
  return {
    description: spec.description,
    metadata: { ...ramKmsTargetKind.encode({ userName: spec.userName }), recoveryWindowDays: String(spec.recoveryWindowDays) },
    ...(spec.rotationPeriod === undefined ? {} : { rotationSeconds: spec.rotationPeriod.seconds }),
  };
}

export async function createWithKms(spec: RamSecretSpec, ctx: RuntimeContext, options: CreateOptions & { readonly name?: string } = {}): Promise<{ id: string; outs: RamSecretOutputs }> {
  const managed = managedCalls(ctx);
  const declared: RamKmsTargetSpec = { userName: spec.userName };
  // Ours are tagged, so listed; one KMS holds untagged (an import, the console's) is found by its name: the imported id, or KMS's usual one.
  const untagged = await Promise.all([options.name, `acs/ram/user/${spec.userName}`].map((n) => (n === undefined ? undefined : ctx.store.describeSecret(n))));
  const listed = await ctx.store.listSecrets({ detail: "schedule", includePendingDeletion: true, onUnreadable: () => undefined });
  const existing = existingFor([...listed, ...untagged.filter((m): m is SecretMeta => m !== undefined)], spec.userName);
  if (existing) {
    if (options.adopt) throw new ManagedSecretsError("SecretExists", `KMS already holds secret ${existing.name} for RAM user ${spec.userName}; nothing was changed`, { secretName: existing.name, property: "userName" });
    await declareKms(ctx, await reviveKms(ctx, existing.name), declarationOf(spec));
    return { id: existing.name, outs: await outputsFor(existing.name, spec, ctx) };
  }
  const others = await requireSoleManager(ctx, "$Auto", ramKmsTargetKind, declared, "userName");
  const from = await handOver(ctx, "$Auto", ramKmsTargetKind.credentialKey(declared), "kms", others);
  let name: string;
  let inactive: boolean;
  try {
    // It starts from the key that works: the other engine's secret it replaces holds it now, else the program's initial pair.
    const pair = from ? decodeRamValue(from.value) : { AccessKeyId: spec.initialAccessKeyId, AccessKeySecret: spec.initialAccessKeySecret };
    const cloud = ctx.cloud();
    const ram = ramClientFor(cloud);
    inactive = (await verifyAdoption({ ...spec, initialAccessKeyId: pair.AccessKeyId, initialAccessKeySecret: pair.AccessKeySecret }, ram, stsClientFor(cloud), {})) === "inactive";
    const others = (await ram.listAccessKeys(spec.userName)).filter((k) => k.accessKeyId !== pair.AccessKeyId);
    if (others.length > 0) {
      const id = others[0]!.accessKeyId;
      throw new ManagedSecretsError(
        "AccessKeyLimit",
        `RAM user ${spec.userName} has another AccessKey, ${id}, besides ${pair.AccessKeyId}: a RAM secret KMS rotates lists every key of its user with its secret, ` +
          `and KMS's rotation needs RAM's second key slot free for the new key. Delete ${id} if nothing uses it (aliyun ram DeleteAccessKey --UserName ${spec.userName} --UserAccessKeyId ${id}), then run pulumi up again. Nothing was created`,
        { property: "initialAccessKeyId" },
      );
    }
    const { description, metadata, rotationSeconds } = declarationOf(spec);
    name = (
      await managed.create({
        name: "$Auto",
        secretType: "RAMCredentials",
        extendedConfig: { SecretSubType: "RamUserAccessKey", UserName: spec.userName },
        value: JSON.stringify({ AccessKeys: [{ AccessKeyId: pair.AccessKeyId, AccessKeySecret: pair.AccessKeySecret }] }),
        versionId: "v1",
        description,
        metadata,
        ...(rotationSeconds === undefined ? {} : { rotationIntervalSeconds: rotationSeconds }),
      })
    ).name;
  } finally {
    await from?.done();
  }
  // As KMS does at its first rotation: a disabled key is replaced at once (RAM makes a new one, KMS deletes the old after the window).
  if (inactive) await rotateWithKms(ctx, name, freshVersionId("repair"), kmsEventsOf(ctx.cloud, name));
  return { id: name, outs: await outputsFor(name, spec, ctx) };
}

export async function updateWithKms(id: string, olds: RamSecretOutputs, spec: RamSecretSpec, ctx: RuntimeContext): Promise<{ outs: RamSecretOutputs }> {
  const drift = driftOf(olds, spec.rotationPeriod);
  await declareKms(ctx, await reviveKms(ctx, id), declarationOf(spec));
  const asked = spec.rotationTrigger !== undefined && inputChanges(RAM_SECRET_INPUT_CHANGES, olds, spec).rotates.includes("rotationTrigger");
  // A key deleted or disabled behind KMS's back, or a failed or overdue rotation: KMS rotates again.
  const broken = olds.accessKeyStatus !== undefined && olds.accessKeyStatus !== "Active";
  if (asked || needsRotation(drift) || broken) await rotateWithKms(ctx, id, updateVersionId(asked, spec.rotationTrigger), kmsEventsOf(ctx.cloud, id));
  return { outs: await outputsFor(id, spec, ctx) };
}

export async function readWithKms(id: string, props: RamSecretOutputs, ctx: RuntimeContext): Promise<{ id?: string; props?: RamSecretOutputs }> {
  const start = await readPrelude(id, props, ctx);
  if ("done" in start) return start.done;
  const { meta } = start;
  const outs = await outputsFromStore(id, meta, start.props, ctx);
  // KMS's record names the user (ExtendedConfig.UserName): another user than declared is TargetUnverified. RAM's key status is the probe.
  const probe = declaredProbe(meta, ramKmsTargetKind, { userName: start.props.userName }, async () => outs.accessKeyStatus === "Active");
  const health = await assessSecret(meta, { now: ctx.clock(), probe, kmsEvents: kmsEventsOf(ctx.cloud, id) });
  return { id, props: { ...outs, health: healthOutput(health) } };
}

/** `pulumi import` of a KMS RAM secret (tagged by this product or not): the inputs a program would declare, and their refresh. */
export async function importWithKms(meta: SecretMeta, ctx: RuntimeContext, declare: (inputs: Record<string, unknown>) => RamSecretOutputs): Promise<{ id?: string; props?: RamSecretOutputs; inputs?: Record<string, unknown> }> {
  const target = ramKmsTargetKind.decode(new StoredTargetFields(meta));
  const current = decodeRamValue((await currentVersion(ctx, meta.name, meta)).value);
  const interval = meta.managed?.automaticRotation === "Enabled" ? meta.managed.rotationIntervalSeconds : undefined;
  const { rotationPeriod: _ignored, secretName: _named, ...shared } = importedSharedInputs(meta, meta.name);
  const inputs: Record<string, unknown> = {
    userName: target.userName,
    initialAccessKeyId: current.AccessKeyId,
    initialAccessKeySecret: current.AccessKeySecret,
    rotatedBy: "kms",
    ...shared,
    ...(interval === undefined ? {} : { rotationPeriod: durationText(interval) }),
  };
  const refreshed = await readWithKms(meta.name, { ...declare(inputs), secretName: meta.name, imported: true }, ctx);
  return { ...refreshed, inputs };
}

async function outputsFor(name: string, spec: RamSecretSpec, ctx: RuntimeContext): Promise<RamSecretOutputs> {
  const meta = await requireLive(ctx, name);
  // What KMS does with the previous key: deleted when the rotation window ends; no grace of the product's.
  const { previousKeyGracePeriod: _g, ...declared } = declaredOutputs(name, spec);
  const outs = await outputsFromStore(name, meta, { ...declared, previousKeyAction: "delete" }, ctx);
  return { ...outs, health: outs.accessKeyStatus === "Active" ? { healthy: true, problems: [] } : { healthy: false, problems: ["rejected"] } };
}

/** `managed-secrets adopt kms <name>` for a RAM secret KMS rotates: tagged with its user from KMS's record, so listings, check and the runner see it. */
export async function adoptRamWithKms(ctx: RuntimeContext, meta: SecretMeta, recoveryWindowDays: number): Promise<SecretMeta> {
  const target = ramKmsTargetKind.decode(new StoredTargetFields(meta));
  await requireSoleManager(ctx, meta.name, ramKmsTargetKind, target, "name");
  return ctx.store.updateSecret(meta.name, { metadata: { ...ramKmsTargetKind.encode(target), recoveryWindowDays: String(recoveryWindowDays) } });
}
