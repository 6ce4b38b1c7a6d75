import type * as pulumi from "@pulumi/pulumi";
import type { AccessKeyState, RamSecretOutputs } from "../secret-outputs";
import { ManagedSecretsError, isManagedSecretsError } from "../../core/errors";
import type { RuntimeContext } from "../../context/runtime-context";
import { adoptImported, adoptOntoExisting, durationText, importedSecret, importedSharedInputs, checkResult, currentVersion, declaredProbe, requireSoleManager, type CreateOptions, diffResult, healthOutput, nameConflict, storedCredentialKey, readPrelude, removeSecret, requireLive, reviveDeclared, scheduleOutputs, storeDeclared, triggerMetadata, type Declaration } from "../secret-resource";
import type { SecretMeta } from "../../store/secret-store";
import { rotateSecret, type RotationStep } from "../../rotation/rotate-secret";
import { observedRotation } from "../../events/observed-rotation";
import { driftOf, needsRotation } from "../../health/drift";
import { assessSecret } from "../../health/secret-health";
import { scheduleFor } from "../../schedule/rotation-metadata";
import { ramClientFor, type RamClient } from "../../alicloud/ram-client";
import { isRamUser, stsClientFor, type StsClient } from "../../alicloud/sts-client";
import { GRACE_META, probeWhilePropagating, ramTargetFor, type RamTargetHooks } from "../../targets/ram-access-key/ram-access-key-target";
import { RAM_SECRET_INPUT_CHANGES, graceSecondsOf, parseRamSecretInputs, ramSecretNameOf, validateRamSecretInputs, type RamSecretSpec } from "./ram-secret-schema";
import { inputChanges } from "../input-changes";
import { decodeRamValue, encodeRamValue, ramValueAt } from "../../targets/ram-access-key/ram-value";
import { ramAccessKeyTargetKind, type RamAccessKeyTargetSpec } from "../../targets/ram-access-key/ram-access-key-target-kind";

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

export async function check(_olds: unknown, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
  return checkResult(news, validateRamSecretInputs);
}

export async function diff(_id: string, olds: RamSecretOutputs, news: Record<string, unknown>): Promise<pulumi.dynamic.DiffResult> {
  const { spec } = validateRamSecretInputs(news);
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
  const spec = parseRamSecretInputs(inputs);
  const name = ramSecretNameOf(spec);
  const { store, clock } = ctx;

  const existing = await store.describeSecret(name);
  if (existing && hooks.adopt) throw adoptOntoExisting(name, existing);
  if (existing && storedCredentialKey(ctx, existing) !== ramAccessKeyTargetKind.credentialKey(targetParams(spec))) throw nameConflict(ctx, name, existing);
  await requireSoleManager(ctx, name, ramAccessKeyTargetKind, targetParams(spec), "userName");

  const cloud = ctx.cloud();
  const target = ramTargetFor({ secretName: name, ...targetParams(spec) }, ctx, hooks);
  // Same user already stored: a retried create, or a deleted secret coming back within its window.
  // Its stored pair is the one to check, not the initial pair the program still carries.
  const adopted = existing ? undefined : await verifyAdoption(spec, ramClientFor(cloud), stsClientFor(cloud), hooks);

  await storeDeclared(ctx, name, existing, declarationOf(spec), (now) =>
    encodeRamValue(ramValueAt(spec.initialAccessKeyId, spec.initialAccessKeySecret, now, spec.rotationPeriod?.seconds)),
  );

  // As KMS does at its first rotation: a pair that cannot sign (disabled, or gone since) is replaced by a fresh key.
  const needsReplacing = adopted === "inactive" || (existing !== undefined && !(await target.accepts((await store.getValue(name)).value)));
  if (needsReplacing) await rotateSecret({ store, name, target, owner: ctx.owner, clock, afterStep: hooks.afterStep });
  return { id: name, outs: await outputsFor(name, spec, ctx) };
}

export async function update(id: string, olds: RamSecretOutputs, news: Record<string, unknown>, ctx: RuntimeContext, hooks: RamHandlerHooks = {}): Promise<{ outs: RamSecretOutputs }> {
  if (olds.imported) return adoptImported(id, ramSecretNameOf(parseRamSecretInputs(news)), () => create(news, ctx, hooks));
  const spec = parseRamSecretInputs(news);
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
  const refreshed = await read(id, { ...declaredOutputs(id, parseRamSecretInputs(inputs)), imported: true }, ctx);
  return { ...refreshed, inputs };
}

export async function remove(id: string, props: RamSecretOutputs, ctx: RuntimeContext): Promise<void> {
  // The secret's deletion never changes the RAM user's keys.
  await removeSecret(id, props, ctx);
}

/**
 * Proves the pair to adopt before anything is stored: the user exists, has
 * keys, the id is one of them, and a call signed with the pair authenticates
 * as that user. A pair whose secret does not match is refused (a typo must
 * not cost the real key); a disabled key is adopted and replaced at once.
 */
async function verifyAdoption(spec: RamSecretSpec, ram: RamClient, sts: StsClient, hooks: RamTargetHooks): Promise<"works" | "inactive"> {
  const { userName, initialAccessKeyId: keyId } = spec;
  try {
    await ram.getUser(userName);
  } catch (e) {
    if (!isManagedSecretsError(e, "TargetNotFound")) throw e;
    throw new ManagedSecretsError("TargetNotFound", `RAM user ${userName} does not exist; create the user and an AccessKey for it first`, { property: "userName" });
  }
  const keys = await ram.listAccessKeys(userName);
  if (keys.length === 0) {
    throw new ManagedSecretsError(
      "TargetNotFound",
      `RAM user ${userName} has no AccessKey; create one and pass it as initialAccessKeyId and initialAccessKeySecret (a RAM secret adopts an existing pair, as KMS does)`,
      { property: "userName" },
    );
  }
  if (!keys.some((k) => k.accessKeyId === keyId)) {
    throw new ManagedSecretsError(
      "InvalidInput",
      `initialAccessKeyId ${keyId} is not an AccessKey of RAM user ${userName} (its keys: ${keys.map((k) => k.accessKeyId).join(", ")})`,
      { property: "initialAccessKeyId" },
    );
  }
  const check = await probeWhilePropagating(sts, { accessKeyId: keyId, accessKeySecret: spec.initialAccessKeySecret }, hooks.sleep);
  if (check.outcome === "accepted") {
    if (isRamUser(check.identity, userName)) return "works";
    throw new ManagedSecretsError("InvalidInput", `AccessKey ${keyId} signs as ${check.identity.arn}, not as RAM user ${userName}`, { property: "initialAccessKeyId" });
  }
  if (check.reason === "Inactive") return "inactive";
  if (check.reason === "SignatureMismatch") {
    throw new ManagedSecretsError(
      "AuthenticationFailed",
      `initialAccessKeySecret does not belong to AccessKey ${keyId} (a call signed with the pair got ${check.apiCode}); nothing was stored and no key was changed`,
      { property: "initialAccessKeySecret" },
    );
  }
  throw new ManagedSecretsError(
    "AuthenticationFailed",
    `STS still does not know AccessKey ${keyId} (${check.apiCode}) after waiting for it to propagate; try again in a minute`,
    { property: "initialAccessKeyId" },
  );
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

/** The outputs that record a declaration, before the store's and RAM's facts are added. */
function declaredOutputs(name: string, spec: RamSecretSpec): RamSecretOutputs {
  return {
    secretName: name,
    userName: spec.userName,
    initialAccessKeyId: spec.initialAccessKeyId,
    previousKeyAction: spec.previousKeyAction,
    ...(spec.previousKeyGracePeriod === undefined ? {} : { previousKeyGracePeriod: spec.previousKeyGracePeriod }),
    description: spec.description,
    ...(spec.rotationPeriod === undefined ? {} : { rotationPeriod: spec.rotationPeriod.text }),
    ...(spec.rotationTrigger === undefined ? {} : { rotationTrigger: spec.rotationTrigger }),
    recoveryWindowDays: spec.recoveryWindowDays,
    forceDeleteWithoutRecovery: spec.forceDeleteWithoutRecovery,
    versionId: "",
    accessKeyId: "",
    accessKeySecret: "",
    automaticRotation: false,
    lastRotatedAt: "",
    accessKeyStatus: "NotFound",
  };
}

/** Declared fields from `base`; everything the store and RAM know, fresh. */
async function outputsFromStore(name: string, meta: SecretMeta, base: RamSecretOutputs, ctx: RuntimeContext): Promise<RamSecretOutputs> {
  const current = await currentVersion(ctx, name, meta);
  const value = decodeRamValue(current.value);
  // The declared user, not the store's record of it (refresh compares the two, declaredProbe).
  const live = await liveState(ramClientFor(ctx.cloud()), base.userName, value.AccessKeyId);
  // Strip any stale facts from base before adding fresh ones.
  const { rotationPeriodSeconds: _r, nextRotationAt: _n, plannedDeleteAt: _d, accessKeyLastUsedAt: _l, health: _h, ...declared } = base;
  return {
    ...declared,
    versionId: current.versionId,
    accessKeyId: value.AccessKeyId,
    accessKeySecret: value.AccessKeySecret,
    ...scheduleOutputs(meta),
    accessKeyStatus: live.status,
    ...(live.lastUsedAt ? { accessKeyLastUsedAt: live.lastUsedAt } : {}),
  };
}

/** Does the current key still exist, is it Active, and when did it last sign a call? */
async function liveState(ram: RamClient, userName: string, accessKeyId: string): Promise<{ status: AccessKeyState; lastUsedAt?: string }> {
  let status: AccessKeyState;
  try {
    status = (await ram.listAccessKeys(userName)).find((k) => k.accessKeyId === accessKeyId)?.status ?? "NotFound";
  } catch (e) {
    // The user itself is gone, and its keys with it.
    if (isManagedSecretsError(e, "TargetNotFound")) return { status: "NotFound" };
    throw e;
  }
  if (status === "NotFound") return { status };
  try {
    return { status, lastUsedAt: await ram.getAccessKeyLastUsed(userName, accessKeyId) };
  } catch (e) {
    if (isManagedSecretsError(e, "TargetNotFound")) return { status: "NotFound" };
    throw e;
  }
}
