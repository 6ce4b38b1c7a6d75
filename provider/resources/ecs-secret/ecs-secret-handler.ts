import type * as pulumi from "@pulumi/pulumi";
import type { EcsSecretOutputs } from "../secret-outputs";
import { ManagedSecretsError } from "../../core/errors";
import type { RuntimeContext } from "../../context/runtime-context";
import { adoptImported, adoptOntoExisting, importedSecret, importedSharedInputs, checkResult, currentVersion, declaredProbe, requireSoleManager, type CreateOptions, diffResult, healthOutput, nameConflict, storedCredentialKey, readPrelude, removeSecret, requireLive, reviveDeclared, storeDeclared, triggerMetadata, type Declaration } from "../secret-resource";
import type { SecretMeta } from "../../store/secret-store";
import { rotateSecret, type RotationOutcome, type RotationStep } from "../../rotation/rotate-secret";
import { observedRotation } from "../../events/observed-rotation";
import { scheduleFor } from "../../schedule/rotation-metadata";
import type { TargetKind } from "../../rotation/target-registry";
import { ecsSshTargetKind, type EcsSshTargetSpec } from "../../targets/ecs-ssh/ecs-ssh-target-kind";
import { cloudAssistantTargetKind, type CloudAssistantTargetSpec } from "../../targets/ecs-cloud-assistant/cloud-assistant-target-kind";
import { driftOf, needsRotation } from "../../health/drift";
import { assessSecret } from "../../health/secret-health";
import { inputChanges } from "../input-changes";
import {
  ECS_SECRET_INPUT_CHANGES,
  connectionOutput,
  secretNameOf,
  validateEcsSecretInputs,
  type EcsSecretSpec,
} from "./ecs-secret-schema";
import { EcsSshTarget, type EcsAdmin } from "../../targets/ecs-ssh/ecs-ssh-target";
import { decodeEcsValue, ecsValueFrom, secretPartOf } from "../../targets/ecs-host/ecs-value";
import type { RotationTarget } from "../../rotation/rotation-target";
import { cloudAssistantTargetFor } from "../../targets/ecs-cloud-assistant/cloud-assistant-target-for";
import { probeTarget } from "../../rotation/probe-target";
import type { InputFailure } from "../resource-schema";
import { PRODUCT_ENGINE, handOver, recordOnly, withEngine, type EngineSettings } from "../kms-engine";
import { ecsEngineFailures } from "./ecs-engine-rules";
import { createWithKms, importWithKms, readWithKms, updateWithKms } from "./ecs-kms-engine";
import { declaredOutputs, outputsFromStore } from "./ecs-outputs";

/**
 * EcsSecret's provider behaviour. The serialized provider object is a thin
 * shim that requires this module inside the dynamic-provider host; each
 * method here takes its store and clock from a RuntimeContext so tests can
 * point it anywhere.
 */

export type { EcsSecretOutputs };



export interface HandlerHooks {
  readonly afterStep?: (step: RotationStep, versionId: string) => void | Promise<void>;
}

export async function check(_olds: unknown, news: Record<string, unknown>, settings: EngineSettings = PRODUCT_ENGINE): Promise<pulumi.dynamic.CheckResult> {
  return checkResult(news, (raw) => validated(raw as Record<string, unknown>, settings));
}

export async function diff(_id: string, olds: EcsSecretOutputs, news: Record<string, unknown>, settings: EngineSettings = PRODUCT_ENGINE): Promise<pulumi.dynamic.DiffResult> {
  const { spec } = validated(news, settings);
  if (!spec) return { changes: true };
  const { replaces, rotates, updates } = inputChanges(ECS_SECRET_INPUT_CHANGES, olds, spec);
  // Imported state is always updated once: that update records what the import could not read back (adoptImported).
  return diffResult(olds.imported === true || driftOf(olds, spec.rotationPeriod).length > 0 || rotates.length + updates.length > 0, replaces);
}

/** The inputs with the stack's engine where none is declared, and each engine's rules (ecs-engine-rules.ts). */
function validated(news: Record<string, unknown>, settings: EngineSettings): { spec?: EcsSecretSpec; failures: InputFailure[] } {
  const result = validateEcsSecretInputs(withEngine(news, settings));
  if (!result.spec) return result;
  const failures = ecsEngineFailures(result.spec, settings);
  return failures.length > 0 ? { failures } : result;
}

/** As check validates, for the methods that must not proceed on bad input. */
function parsed(news: Record<string, unknown>, ctx: Pick<RuntimeContext, "rotatedBy" | "store">): EcsSecretSpec {
  const { spec, failures } = validated(news, { rotatedBy: ctx.rotatedBy ?? "product", store: ctx.store.kind });
  if (spec) return spec;
  throw new ManagedSecretsError("InvalidInput", failures.map((f) => `${f.property} ${f.reason}`).join("; "), { property: failures[0]?.property });
}

export async function create(inputs: Record<string, unknown>, ctx: RuntimeContext, hooks: HandlerHooks & CreateOptions = {}): Promise<{ id: string; outs: EcsSecretOutputs }> {
  const spec = parsed(inputs, ctx);
  if (spec.rotatedBy === "kms") return createWithKms(spec, ctx, hooks);
  const name = secretNameOf(spec);
  const { store } = ctx;
  const target = targetFor(spec, name, ctx);

  const existing = await store.describeSecret(name);
  if (existing && hooks.adopt) throw adoptOntoExisting(name, existing);
  const declared = declaredTargetOf({ ...spec, connection: connectionOutput(spec.connection) });
  if (existing && storedCredentialKey(ctx, existing) !== declared.kind.credentialKey(declared.spec)) throw nameConflict(ctx, name, existing);
  const listed = await requireSoleManager(ctx, name, declared.kind, declared.spec, "managedUser");

  // Same target already stored: a retried create, or a deleted secret coming back within its window.
  // Its stored credential is the one to check, not the initial value the program still carries.
  // Switching from the kms engine: the credential KMS's secret holds now (kms-engine.ts handOver), not the initial value.
  // (Also onto this name in its recovery window: the other engine's secret deleted after it holds the newer credential.)
  const from = existing && !existing.plannedDeleteAt ? undefined : await handOver(ctx, name, declared.kind.credentialKey(declared.spec), "product", listed);
  try {
    return await createOwn(spec, name, existing, from?.value, target, ctx, hooks);
  } finally {
    await from?.done();
  }
}

async function createOwn(
  spec: EcsSecretSpec,
  name: string,
  existing: SecretMeta | undefined,
  handedOver: string | undefined,
  target: RotationTarget,
  ctx: RuntimeContext,
  hooks: HandlerHooks,
): Promise<{ id: string; outs: EcsSecretOutputs }> {
  const { store } = ctx;
  const candidate = existing ? undefined : (handedOver ?? ecsValueFrom(spec.managedUser, spec.credentialType, spec.initialValue));
  const works = candidate !== undefined ? await target.accepts(candidate) : undefined;
  if (works === false && !canReset(spec)) {
    throw new ManagedSecretsError(
      "AuthenticationFailed",
      `${spec.managedUser}@${whereOf(spec)} rejected initialValue, and no connection.admin is set to replace it; give the credential that works today, or an admin connection`,
      { property: "initialValue", secretName: name },
    );
  }

  await storeDeclared(ctx, name, existing, declarationOf(spec), () => candidate!);
  // Restored from its window while the other engine's secret held a newer credential: that one becomes current (nothing is sent: the host takes it).
  if (existing && handedOver !== undefined && (await store.getValue(name)).value !== handedOver && (await target.accepts(handedOver))) {
    await rotateTo(ctx, name, recordOnly(target), handedOver, {}, hooks);
  }

  // As KMS does after its first rotation: a credential that does not work is replaced through the admin connection.
  const needsReplacing = works === false || (existing !== undefined && !(await target.accepts((await store.getValue(name)).value)));
  if (needsReplacing && !canReset(spec)) {
    throw new ManagedSecretsError(
      "AuthenticationFailed",
      `${spec.managedUser}@${whereOf(spec)} rejects the stored credential of ${name}, and no connection.admin is set to replace it`,
      { secretName: name },
    );
  }
  // State records customValue as what the host has: a later diff sees no change, so it must be set now, not at some later rotation.
  const custom = customValueOf(spec);
  if (needsReplacing || (custom !== undefined && (await store.getValue(name)).value !== custom)) {
    await rotateTo(ctx, name, target, custom, {}, hooks);
  }
  return { id: name, outs: await outputsFor(name, spec, ctx) };
}

export async function update(id: string, olds: EcsSecretOutputs, news: Record<string, unknown>, ctx: RuntimeContext, hooks: HandlerHooks = {}): Promise<{ outs: EcsSecretOutputs }> {
  if (olds.imported) return adoptImported(id, secretNameOf(parsed(news, ctx)), () => create(news, ctx, hooks));
  const spec = parsed(news, ctx);
  if (spec.rotatedBy === "kms") return updateWithKms(id, olds, spec, ctx);
  // Drift found by refresh is repaired here: a deleted secret comes back, a broken or stale credential rotates.
  const drift = driftOf(olds, spec.rotationPeriod);
  const meta = await reviveDeclared(ctx, id, declarationOf(spec), olds.versionId);

  if (rotationRequested(olds, spec) || needsRotation(drift)) {
    const trigger = rotationRequested(olds, spec) ? "pulumi-up" : "repair";
    // Only a requested rotation records its trigger, and only a recorded trigger can make a rotation "already done": a repair always rotates.
    const rotationMeta = trigger === "pulumi-up" ? triggerMetadata(spec.rotationTrigger) : {};
    await observedRotation(meta, ctx.targets.factsOf(meta), ctx.events?.(), ctx.clock, trigger, () => rotateTo(ctx, id, targetFor(spec, id, ctx), customValueOf(spec), rotationMeta, hooks));
  }
  return { outs: await outputsFor(id, spec, ctx) };
}

export async function read(id: string, props: EcsSecretOutputs | undefined, ctx: RuntimeContext): Promise<{ id?: string; props?: EcsSecretOutputs }> {
  if (props === undefined) return importSecret(id, ctx);
  if (props.rotatedBy === "kms") return readWithKms(id, props, ctx);
  const start = await readPrelude(id, props, ctx);
  if ("done" in start) return start.done;
  const { meta } = start;
  const outs = await outputsFromStore(id, meta, start.props, ctx);
  // The declared target, never the store's record of it: a stored target that differs is refused (TargetUnverified) even without a probe.
  const { kind, spec } = declaredTargetOf(start.props);
  // A fresh login with the current credential, nothing changed: the same probe `managed-secrets check` makes.
  const probe = declaredProbe(meta, kind, spec, ctx.probeOnRefresh === false ? undefined : () => probeTarget(kind.build(spec, id, ctx), async () => (await ctx.store.getValue(id)).value));
  const health = await assessSecret(meta, { now: ctx.clock(), probe });
  return { id, props: { ...outs, health: healthOutput(health) } };
}

/**
 * `pulumi import` of a stored secret: the inputs a program would declare for
 * it (its current credential as initialValue) and the outputs a refresh of
 * that declaration gives. A secret reached through a bastion cannot be
 * imported: the bastion's credential is never stored, so no import could
 * declare it; declaring it in the program adopts it on `pulumi up`.
 */
export async function importSecret(id: string, ctx: RuntimeContext): Promise<{ id?: string; props?: EcsSecretOutputs; inputs?: Record<string, unknown> }> {
  // A KMS ECS secret is imported from KMS's own record, tagged by this product or not (the update after the import tags it).
  const kmsSecret = await ctx.store.describeSecret(id);
  if (kmsSecret?.managed && !kmsSecret.plannedDeleteAt) return importWithKms(kmsSecret, ctx, (inputs) => declaredOutputs(id, parsed(inputs, ctx)));
  const found = await importedSecret(ctx, id, "ecs");
  if (!found) return {};
  const target = found.spec as EcsSshTargetSpec | CloudAssistantTargetSpec;
  if ("bastion" in target && target.bastion) {
    throw new ManagedSecretsError("InvalidInput", `secret ${id} is reached through a bastion, whose credential is never stored: declare it in the program instead of importing it (pulumi up adopts a secret of the same name and target)`, { secretName: id, property: "connection.bastion" });
  }
  const current = decodeEcsValue((await currentVersion(ctx, id, found.meta)).value);
  const inputs: Record<string, unknown> = {
    instanceId: target.instanceId,
    managedUser: target.managedUser,
    credentialType: target.credentialType,
    initialValue: secretPartOf(current),
    connection: "regionId" in target ? { transport: "cloudAssistant", region: target.regionId } : { host: target.host, port: target.port, hostKeyFingerprint: target.hostKeyFingerprint },
    keyAlgorithm: target.keyAlgorithm,
    ...importedSharedInputs(found.meta, secretNameOf({ ...target, secretName: undefined })),
  };
  const refreshed = await read(id, { ...declaredOutputs(id, parsed(inputs, ctx)), imported: true }, ctx);
  return { ...refreshed, inputs };
}

export async function remove(id: string, props: EcsSecretOutputs, ctx: RuntimeContext): Promise<void> {
  // The secret's deletion never changes the instance.
  await removeSecret(id, props, ctx);
}

function customValueOf(spec: EcsSecretSpec): string | undefined {
  return spec.customValue === undefined ? undefined : ecsValueFrom(spec.managedUser, spec.credentialType, spec.customValue);
}

/** Rotates to `value` (generated when undefined), also when an interrupted earlier rotation has to be completed first. */
async function rotateTo(ctx: RuntimeContext, name: string, target: RotationTarget, value: string | undefined, metadata: Record<string, string>, hooks: HandlerHooks): Promise<RotationOutcome> {
  const options = { store: ctx.store, name, target, owner: ctx.owner, clock: ctx.clock, value, metadata, afterStep: hooks.afterStep };
  const outcome = await rotateSecret(options);
  // The resumed rotation set the value it had stored back then; the one asked for now still has to go in.
  if (outcome.resumed && value !== undefined && (await ctx.store.getValue(name)).value !== value) return rotateSecret(options);
  return outcome;
}

function rotationRequested(olds: EcsSecretOutputs, spec: EcsSecretSpec): boolean {
  return inputChanges(ECS_SECRET_INPUT_CHANGES, olds, spec).rotates.length > 0;
}

function targetFor(spec: EcsSecretSpec, secretName: string, ctx: Pick<RuntimeContext, "cloud">): RotationTarget {
  const c = spec.connection;
  if (c.transport === "cloudAssistant") {
    return cloudAssistantTargetFor({ ...spec, secretName, regionId: c.region }, ctx);
  }
  const ecsAdmin: EcsAdmin | undefined = c.admin && {
    user: c.admin.user,
    credential: c.admin.password !== undefined ? { password: c.admin.password } : { privateKey: c.admin.privateKey! },
  };
  const bastion = c.bastion && {
    host: c.bastion.host,
    port: c.bastion.port,
    hostKeyFingerprint: c.bastion.hostKeyFingerprint,
    user: c.bastion.user,
    credential: c.bastion.password !== undefined ? { password: c.bastion.password } : { privateKey: c.bastion.privateKey! },
  };
  return new EcsSshTarget({
    secretName,
    managedUser: spec.managedUser,
    credentialType: spec.credentialType,
    keyAlgorithm: spec.keyAlgorithm,
    endpoint: { host: c.host, port: c.port, hostKeyFingerprint: c.hostKeyFingerprint, ...(bastion ? { bastion } : {}) },
    admin: ecsAdmin,
  });
}

/** Cloud Assistant runs as root: a rejected credential can always be replaced, as with connection.admin. */
function canReset(spec: EcsSecretSpec): boolean {
  return spec.connection.transport === "cloudAssistant" || spec.connection.admin !== undefined;
}

function whereOf(spec: EcsSecretSpec): string {
  return spec.connection.transport === "ssh" ? spec.connection.host : `${spec.instanceId} (Cloud Assistant, ${spec.connection.region})`;
}

function declarationOf(spec: EcsSecretSpec): Declaration {
  return { description: spec.description, metadataAt: (lastRotatedAt) => metadataFor(spec, lastRotatedAt) };
}

/** Everything the runner and CLI need to rotate this secret without the Pulumi program. No credential. */
function metadataFor(spec: EcsSecretSpec, lastRotatedAt: string): Record<string, string | null> {
  const { kind, spec: target } = declaredTargetOf({ ...spec, connection: connectionOutput(spec.connection) });
  // Null clears what another transport, or a dropped bastion, left behind (updateSecret merges metadata).
  const cleared = Object.fromEntries([...ecsSshTargetKind.keys, ...cloudAssistantTargetKind.keys].map((k) => [k, null]));
  return {
    ...cleared,
    ...kind.encode(target),
    recoveryWindowDays: String(spec.recoveryWindowDays),
    ...scheduleFor(spec.rotationPeriod === undefined ? undefined : String(spec.rotationPeriod.seconds), lastRotatedAt),
  };
}

type DeclaredFields = Pick<EcsSecretOutputs, "instanceId" | "managedUser" | "credentialType" | "connection"> & { readonly keyAlgorithm?: string };

/** The target kind and its spec, from what the stack declares (inputs, or the outputs that record them). */
function declaredTargetOf(d: DeclaredFields): { kind: TargetKind; spec: EcsSshTargetSpec | CloudAssistantTargetSpec } {
  const fields = {
    instanceId: d.instanceId,
    managedUser: d.managedUser,
    credentialType: d.credentialType,
    keyAlgorithm: d.keyAlgorithm === "ed25519" ? ("ed25519" as const) : ("rsa-2048" as const),
  };
  const c = d.connection;
  if (c.transport === "cloudAssistant") return { kind: cloudAssistantTargetKind, spec: { ...fields, regionId: c.region ?? "" } };
  return {
    kind: ecsSshTargetKind,
    spec: { ...fields, host: c.host ?? "", port: c.port ?? 22, hostKeyFingerprint: c.hostKeyFingerprint ?? "", ...(c.bastion ? { bastion: c.bastion } : {}) },
  };
}


async function outputsFor(name: string, spec: EcsSecretSpec, ctx: RuntimeContext): Promise<EcsSecretOutputs> {
  const meta = await requireLive(ctx, name);
  // Just created or updated through the host: its credential was proven by a login in this very call.
  return { ...(await outputsFromStore(name, meta, declaredOutputs(name, spec), ctx)), health: { healthy: true, problems: [] } };
}
