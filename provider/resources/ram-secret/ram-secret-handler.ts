import type * as pulumi from "@pulumi/pulumi";
import type { AccessKeyState, RamSecretOutputs } from "../secret-outputs";
import { ManagedSecretsError } from "../../core/errors";
import type { RuntimeContext } from "../../context/runtime-context";
import { adoptImported, adoptOntoExisting, durationText, importedSecret, importedSharedInputs, checkResult, currentVersion, declaredProbe, requireSoleManager, type CreateOptions, diffResult, healthOutput, nameConflict, storedCredentialKey, readPrelude, removeSecret, requireLive, reviveDeclared, storeDeclared, triggerMetadata, type Declaration } from "../secret-resource";
import { rotateSecret, type RotationStep } from "../../rotation/rotate-secret";
import { observedRotation } from "../../events/observed-rotation";
import { driftOf, needsRotation } from "../../health/drift";
import { assessSecret } from "../../health/secret-health";
import { scheduleFor } from "../../schedule/rotation-metadata";
import { ramClientFor } from "../../alicloud/ram-client";
import { stsClientFor } from "../../alicloud/sts-client";
import { GRACE_META, ramTargetFor, type RamTargetHooks } from "../../targets/ram-access-key/ram-access-key-target";
import { verifyAdoption } from "./ram-live";
import type { InputFailure } from "../resource-schema";
import { PRODUCT_ENGINE, handOver, recordOnly, withEngine, type EngineSettings } from "../kms-engine";
import { ramEngineFailures } from "./ram-engine-rules";
import { createWithKms, importWithKms, readWithKms, updateWithKms } from "./ram-kms-engine";
import { RAM_SECRET_INPUT_CHANGES, graceSecondsOf, ramSecretNameOf, validateRamSecretInputs, type RamSecretSpec } from "./ram-secret-schema";
import { inputChanges } from "../input-changes";
import { decodeRamValue, encodeRamValue, ramValueAt } from "../../targets/ram-access-key/ram-value";
import { ramAccessKeyTargetKind, type RamAccessKeyTargetSpec } from "../../targets/ram-access-key/ram-access-key-target-kind";
import { declaredOutputs, outputsFromStore } from "./ram-outputs";

/**
 * RamSecret's provider behaviour, on the same conventions as EcsSecret: the
 * serialized provider is a shim that requires this module inside the
 * dynamic-provider host, and each method takes its store, clock and cloud
 * settings (the admin credentials that call RAM) from a RuntimeContext.
 *
 * The RAM user's keys are changed only by rotation. Creating adopts the
 * user's existing pair; deleting the secret never touches a key.
 */

/** What the live RAM user says about the current key, refreshed by every read. */
export type { AccessKeyState };

export type { RamSecretOutputs };


export interface RamHandlerHooks extends RamTargetHooks {
  readonly afterStep?: (step: RotationStep, versionId: string) => void | Promise<void>;
}

export async function check(_olds: unknown, news: Record<string, unknown>, settings: EngineSettings = PRODUCT_ENGINE): Promise<pulumi.dynamic.CheckResult> {
  return checkResult(news, (raw) => validated(raw as Record<string, unknown>, settings));
}

/** The inputs with the stack's engine where none is declared, and each engine's rules (ram-engine-rules.ts). */
function validated(news: Record<string, unknown>, settings: EngineSettings): { spec?: RamSecretSpec; failures: InputFailure[] } {
  const raw = withEngine(news, settings);
  const result = validateRamSecretInputs(raw);
  if (!result.spec) return result;
  const failures = ramEngineFailures(result.spec, raw, settings);
  return failures.length > 0 ? { failures } : result;
}

/** As check validates, for the methods that must not proceed on bad input. */
function parsed(news: Record<string, unknown>, ctx: Pick<RuntimeContext, "rotatedBy" | "store">): RamSecretSpec {
  const { spec, failures } = validated(news, { rotatedBy: ctx.rotatedBy ?? "product", store: ctx.store.kind });
  if (spec) return spec;
  throw new ManagedSecretsError("InvalidInput", failures.map((f) => `${f.property} ${f.reason}`).join("; "), { property: failures[0]?.property });
}

export async function diff(_id: string, olds: RamSecretOutputs, news: Record<string, unknown>, settings: EngineSettings = PRODUCT_ENGINE): Promise<pulumi.dynamic.DiffResult> {
  const { spec } = validated(news, settings);
  if (!spec) return { changes: true };
  const { replaces, rotates, updates } = inputChanges(RAM_SECRET_INPUT_CHANGES, olds, spec);
  const changes =
    // Imported state is always updated once: that update records what the import could not read back (adoptImported).
    olds.imported === true ||
    rotates.length + updates.length > 0 ||
    driftOf(olds, spec.rotationPeriod).length > 0 ||
    // Drift a refresh found: the current key was deleted or disabled out of band. Update replaces it.
    (olds.accessKeyStatus !== undefined && olds.accessKeyStatus !== "Active");
  return diffResult(changes, replaces);
}

export async function create(inputs: Record<string, unknown>, ctx: RuntimeContext, hooks: RamHandlerHooks & CreateOptions = {}): Promise<{ id: string; outs: RamSecretOutputs }> {
  const spec = parsed(inputs, ctx);
  if (spec.rotatedBy === "kms") return createWithKms(spec, ctx, hooks);
  const name = ramSecretNameOf(spec);
  const { store, clock } = ctx;

  const existing = await store.describeSecret(name);
  if (existing && hooks.adopt) throw adoptOntoExisting(name, existing);
  if (existing && storedCredentialKey(ctx, existing) !== ramAccessKeyTargetKind.credentialKey(targetParams(spec))) throw nameConflict(ctx, name, existing);
  const listed = await requireSoleManager(ctx, name, ramAccessKeyTargetKind, targetParams(spec), "userName");

  const cloud = ctx.cloud();
  const target = ramTargetFor({ secretName: name, ...targetParams(spec) }, ctx, hooks);
  // Switching from the kms engine: the key KMS's secret holds now (kms-engine.ts handOver), not the initial pair.
  // (Also onto this name in its recovery window: the other engine's secret deleted after it holds the newer key.)
  const from = existing && !existing.plannedDeleteAt ? undefined : await handOver(ctx, name, ramAccessKeyTargetKind.credentialKey(targetParams(spec)), "product", listed);
  let adopted: "works" | "inactive" | undefined;
  const pair = from ? decodeRamValue(from.value) : { AccessKeyId: spec.initialAccessKeyId, AccessKeySecret: spec.initialAccessKeySecret };
  try {
    // Same user already stored: a retried create, or a deleted secret coming back within its window.
    // Its stored pair is the one to check, not the initial pair the program still carries.
    adopted = existing ? undefined : await verifyAdoption({ ...spec, initialAccessKeyId: pair.AccessKeyId, initialAccessKeySecret: pair.AccessKeySecret }, ramClientFor(cloud), stsClientFor(cloud), hooks);
    await storeDeclared(ctx, name, existing, declarationOf(spec), (now) => encodeRamValue(ramValueAt(pair.AccessKeyId, pair.AccessKeySecret, now, spec.rotationPeriod?.seconds)));
  } finally {
    await from?.done();
  }

  // Restored from its window while the other engine's secret held a newer key: that one becomes current, RAM untouched.
  const handed = encodeRamValue(ramValueAt(pair.AccessKeyId, pair.AccessKeySecret, clock(), spec.rotationPeriod?.seconds));
  if (existing && from && decodeRamValue((await store.getValue(name)).value).AccessKeyId !== pair.AccessKeyId && (await target.accepts(handed))) {
    await rotateSecret({ store, name, target: recordOnly(target), owner: ctx.owner, clock, value: handed, afterStep: hooks.afterStep });
  }
  // As KMS does at its first rotation: a pair that cannot sign (disabled, or gone since) is replaced by a fresh key.
  const needsReplacing = adopted === "inactive" || (existing !== undefined && !(await target.accepts((await store.getValue(name)).value)));
  if (needsReplacing) await rotateSecret({ store, name, target, owner: ctx.owner, clock, afterStep: hooks.afterStep });
  return { id: name, outs: await outputsFor(name, spec, ctx) };
}

export async function update(id: string, olds: RamSecretOutputs, news: Record<string, unknown>, ctx: RuntimeContext, hooks: RamHandlerHooks = {}): Promise<{ outs: RamSecretOutputs }> {
  if (olds.imported) {
    const declared = parsed(news, ctx);
    if (declared.rotatedBy === "kms") return adoptImported(id, id, () => createWithKms(declared, ctx, { name: id }));
    return adoptImported(id, ramSecretNameOf(declared), () => create(news, ctx, hooks));
  }
  const spec = parsed(news, ctx);
  if (spec.rotatedBy === "kms") return updateWithKms(id, olds, spec, ctx);
  const { store, clock } = ctx;
  // Drift found by refresh is repaired here: a deleted secret comes back, a stale or failing one rotates.
  const drift = driftOf(olds, spec.rotationPeriod);
  const meta = await reviveDeclared(ctx, id, declarationOf(spec), olds.versionId);

  const target = ramTargetFor({ secretName: id, ...targetParams(spec) }, ctx, hooks);
  const asked = inputChanges(RAM_SECRET_INPUT_CHANGES, olds, spec).rotates.length > 0;
  const requested = asked || needsRotation(drift.filter((d) => d !== "rejected"));
  // Refresh saw the key deleted or disabled: confirm with a signed call before replacing it.
  const broken = !requested && olds.accessKeyStatus !== undefined && olds.accessKeyStatus !== "Active" && !(await target.accepts((await store.getValue(id)).value));
  if (requested || broken) {
    const trigger = asked ? "pulumi-up" : "repair";
    // Only a new trigger is recorded, and only a recorded trigger can make a rotation "already done": a repair always rotates.
    const metadata = trigger === "pulumi-up" ? triggerMetadata(spec.rotationTrigger) : {};
    await observedRotation(meta, ctx.targets.factsOf(meta), ctx.events?.(), clock, trigger, () => rotateSecret({ store, name: id, target, owner: ctx.owner, clock, metadata, afterStep: hooks.afterStep }));
  }
  return { outs: await outputsFor(id, spec, ctx) };
}

export async function read(id: string, props: RamSecretOutputs | undefined, ctx: RuntimeContext): Promise<{ id?: string; props?: RamSecretOutputs }> {
  if (props === undefined) return importSecret(id, ctx);
  if (props.rotatedBy === "kms") return readWithKms(id, props, ctx);
  const start = await readPrelude(id, props, ctx);
  if ("done" in start) return start.done;
  const { meta } = start;
  const outs = await outputsFromStore(id, meta, start.props, ctx);
  // The key's live status is the probe: RAM answered it already, so no extra signed call is needed.
  const probe = declaredProbe(meta, ramAccessKeyTargetKind, targetParams(start.props), async () => outs.accessKeyStatus === "Active");
  const health = await assessSecret(meta, { now: ctx.clock(), probe });
  return { id, props: { ...outs, health: healthOutput(health) } };
}

/** `pulumi import` of a stored secret: the inputs a program would declare (its current pair as the initial one), and their refresh. */
export async function importSecret(id: string, ctx: RuntimeContext): Promise<{ id?: string; props?: RamSecretOutputs; inputs?: Record<string, unknown> }> {
  // A KMS RAM secret is imported from KMS's own record, tagged by this product or not (the update after the import tags it).
  const kmsSecret = await ctx.store.describeSecret(id);
  if (kmsSecret?.managed && !kmsSecret.plannedDeleteAt) return importWithKms(kmsSecret, ctx, (inputs) => declaredOutputs(id, parsed(inputs, ctx)));
  const found = await importedSecret(ctx, id, "ram");
  if (!found) return {};
  const target = found.spec as RamAccessKeyTargetSpec;
  const current = decodeRamValue((await currentVersion(ctx, id, found.meta)).value);
  const inputs: Record<string, unknown> = {
    userName: target.userName,
    initialAccessKeyId: current.AccessKeyId,
    initialAccessKeySecret: current.AccessKeySecret,
    previousKeyAction: target.previousKeyAction,
    ...(target.previousKeyGraceSeconds > 0 ? { previousKeyGracePeriod: durationText(target.previousKeyGraceSeconds, "h") } : {}),
    ...importedSharedInputs(found.meta, ramSecretNameOf({ userName: target.userName, secretName: undefined })),
  };
  const refreshed = await read(id, { ...declaredOutputs(id, parsed(inputs, ctx)), imported: true }, ctx);
  return { ...refreshed, inputs };
}

export async function remove(id: string, props: RamSecretOutputs, ctx: RuntimeContext): Promise<void> {
  // The secret's deletion never changes the RAM user's keys.
  await removeSecret(id, props, ctx);
}

function declarationOf(spec: RamSecretSpec): Declaration {
  return { description: spec.description, metadataAt: (lastRotatedAt) => metadataFor(spec, lastRotatedAt) };
}

/** Everything the runner and CLI need to rotate this secret without the Pulumi program. No credential. */
function metadataFor(spec: RamSecretSpec, lastRotatedAt: string): Record<string, string | null> {
  const period = spec.rotationPeriod?.seconds;
  return {
    // Null clears a grace period no longer declared (updateSecret merges metadata).
    [GRACE_META]: null,
    ...ramAccessKeyTargetKind.encode(targetParams(spec)),
    recoveryWindowDays: String(spec.recoveryWindowDays),
    ...scheduleFor(period === undefined ? undefined : String(period), lastRotatedAt),
  };
}

function targetParams(spec: Pick<RamSecretSpec, "userName" | "previousKeyAction" | "previousKeyGracePeriod">): RamAccessKeyTargetSpec {
  return { userName: spec.userName, previousKeyAction: spec.previousKeyAction, previousKeyGraceSeconds: graceSecondsOf(spec) };
}





async function outputsFor(name: string, spec: RamSecretSpec, ctx: RuntimeContext): Promise<RamSecretOutputs> {
  const meta = await requireLive(ctx, name);
  const outs = await outputsFromStore(name, meta, declaredOutputs(name, spec), ctx);
  // Just created or updated: the key's status was read from RAM in this very call.
  return { ...outs, health: outs.accessKeyStatus === "Active" ? { healthy: true, problems: [] } : { healthy: false, problems: ["rejected"] } };
}
