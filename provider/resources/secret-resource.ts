import { ManagedSecretsError, isManagedSecretsError, restoreAdvice, secretNotFound, secretPendingDeletion } from "../core/errors";
import type { RuntimeContext } from "../context/runtime-context";
import type * as pulumi from "@pulumi/pulumi";
import { DEFAULT_RECOVERY_WINDOW_DAYS, type SecretMeta } from "../store/secret-store";
import { holderOf } from "../rotation/rotate-secret";
import { META } from "../schedule/rotation-metadata";
import type { SecretHealthSummary } from "./secret-outputs";
import type { InputFailure } from "./resource-schema";
import type { TargetKind } from "../rotation/target-registry";
import { StoredTargetFields } from "../rotation/stored-target-fields";
import { kmsScheduleOutputs } from "./kms-engine";

/**
 * The parts of a managed-secret resource's lifecycle that do not depend on
 * what the secret manages (an instance user, a RAM user): name conflicts,
 * liveness, refresh of a gone secret, and deletion with a recovery window.
 * EcsSecret and RamSecret share them so both behave exactly alike.
 */

/** What a resource keeps in state about how it is deleted. */
export interface DeletionSettings {
  readonly recoveryWindowDays?: number;
  readonly forceDeleteWithoutRecovery?: boolean;
}

/**
 * The credential a stored secret manages (TargetKind.credentialKey), or
 * undefined when this version cannot read its target: the same target as a
 * declaration is the same credential, whichever way it is reached.
 */
export function storedCredentialKey(ctx: Pick<RuntimeContext, "targets">, meta: SecretMeta): string | undefined {
  try {
    const { kind, spec } = ctx.targets.decode(meta);
    return kind.credentialKey(spec);
  } catch {
    return undefined;
  }
}

/**
 * A stored secret of the same name that manages something else: creating over
 * it would hijack it. Inside its recovery window the error says how to free the name.
 */
export function nameConflict(ctx: Pick<RuntimeContext, "targets">, name: string, existing: SecretMeta): ManagedSecretsError {
  const managed = ctx.targets.factsOf(existing)?.description ?? "a target this version cannot read";
  return existing.plannedDeleteAt
    ? new ManagedSecretsError(
        "SecretPendingDeletion",
        `secret ${name} is scheduled for deletion (at ${existing.plannedDeleteAt}) and manages ${managed}; choose another secretName, or delete it for good with: managed-secrets delete ${name} --force`,
        { secretName: name, property: "secretName" },
      )
    : new ManagedSecretsError("SecretExists", `secret ${name} already exists and manages ${managed}; choose another secretName`, {
        secretName: name,
        property: "secretName",
      });
}

/** The secret as it must be for create/update to act on it: present and not scheduled for deletion. */
export async function requireLive(ctx: RuntimeContext, id: string): Promise<SecretMeta> {
  const meta = await ctx.store.describeSecret(id);
  if (!meta) throw secretNotFound(id, " in the store any more");
  if (meta.plannedDeleteAt) {
    throw secretPendingDeletion(id, meta.plannedDeleteAt, restoreAdvice(id));
  }
  return meta;
}

/**
 * The start of every refresh: a secret gone from the store (purged after its
 * window, or force-deleted) reads as a deleted resource; one scheduled for
 * deletion reads as its last outputs plus the planned time, which diff reports.
 */
export async function readPrelude<P extends { readonly versionId?: string }>(
  id: string,
  props: P,
  ctx: RuntimeContext,
): Promise<{ done: { id?: string; props?: P & { plannedDeleteAt?: string } } } | { meta: SecretMeta; props: P }> {
  const meta = await ctx.store.describeSecret(id);
  if (!meta) return { done: {} };
  requireStoreNotBehind(meta, props.versionId);
  if (meta.plannedDeleteAt) return { done: { id, props: { ...props, plannedDeleteAt: meta.plannedDeleteAt } } };
  return { meta, props };
}

/**
 * Pulumi's state is a second record of how far a secret got: it holds the
 * version the last create, update or refresh saw. A store whose newest
 * version is older than that was rolled back (an older copy of the local
 * store's file put back on a machine whose high-water mark never saw the
 * newer commit, see docs/local-store.md): the credential it holds may be one
 * the target no longer takes, and writing on top of it would lose the newer
 * versions for good. Refused, never followed, before anything is changed.
 */
export function requireStoreNotBehind(meta: SecretMeta, recordedVersionId: string | undefined): void {
  const recorded = versionNumber(recordedVersionId);
  if (recorded === undefined) return;
  if (meta.versions.some((v) => v.versionId === recordedVersionId)) return;
  const newest = Math.max(0, ...meta.versions.map((v) => versionNumber(v.versionId) ?? 0));
  if (newest >= recorded) return;
  throw new ManagedSecretsError(
    "StoreRolledBack",
    `the Pulumi state records version ${recordedVersionId} of secret "${meta.name}", but the store's newest is v${newest}: the store was rolled back (an older copy put back). ` +
      `Nothing was changed. Put the newest copy of the store back; or, if the older one is what you mean to keep, take it with managed-secrets accept-rollback and then run pulumi up --refresh`,
    { secretName: meta.name },
  );
}

function versionNumber(versionId: string | undefined): number | undefined {
  const m = versionId === undefined ? null : /^v(\d{1,9})$/.exec(versionId);
  return m ? Number(m[1]) : undefined;
}

/**
 * `pulumi import` (the provider plugin's Read with no recorded outputs): what
 * the store holds under `id` becomes the resource's declaration. Only a live
 * secret of this resource's family, and only once the store vouched for its
 * target (the kms store's signed binding): an import must not make a target
 * someone tagged into one the stack declares. Undefined when there is none.
 */
export async function importedSecret(ctx: RuntimeContext, id: string, family: string): Promise<{ meta: SecretMeta; spec: unknown } | undefined> {
  const meta = await ctx.store.describeSecret(id);
  if (!meta) return undefined;
  if (meta.plannedDeleteAt) throw secretPendingDeletion(id, meta.plannedDeleteAt, `${restoreAdvice(id)}, then import it`);
  const { kind, spec } = ctx.targets.decode(meta);
  const facts = kind.facts(spec);
  if (facts.family !== family) {
    throw new ManagedSecretsError("InvalidInput", `secret ${id} manages ${facts.description}: import it as that kind of resource`, { secretName: id });
  }
  await ctx.store.authenticateTarget(id, meta.metadata);
  return { meta, spec };
}

/**
 * A stored duration in seconds as a program would write it: the largest unit
 * that divides it (2592000 -> "30d"); rotation periods take d, grace periods
 * go up to h.
 */
export function durationText(seconds: number, largest: "d" | "h" = "d"): string {
  const units = [["d", 86_400], ["h", 3_600], ["m", 60]] as const;
  for (const [unit, size] of units.slice(largest === "d" ? 0 : 1)) if (seconds % size === 0) return `${seconds / size}${unit}`;
  return `${seconds}s`;
}

/**
 * The first update of an imported resource (`imported` in its state). The
 * import read the secret from the store, which never keeps some of what a
 * program declares: the rotationTrigger already applied (a stack migrated
 * from the dynamic resources declares the one it created the secret with),
 * a customValue, the admin connection. So that update is the create onto the
 * stored secret that `pulumi up` of a declared resource makes (`create`): the
 * declaration is recorded as the one in force, its trigger is no request to
 * rotate, and only what the stored secret does not satisfy (a credential its
 * target rejects, another customValue) is acted on. A program that names
 * another secret gets a replacement from diff, never this update.
 */
export async function adoptImported<O>(id: string, declaredName: string, create: () => Promise<{ id: string; outs: O }>): Promise<{ outs: O }> {
  if (declaredName !== id) {
    throw new ManagedSecretsError("InvalidInput", `secretName ${declaredName} is not the imported secret ${id}: declare the imported name, or let the resource be replaced`, { secretName: id, property: "secretName" });
  }
  return { outs: (await create()).outs };
}

/** The declared fields both resources share, as an import reads them back from the store. */
export function importedSharedInputs(meta: SecretMeta, defaultName: string): Record<string, unknown> {
  const period = Number(meta.metadata[META.rotationPeriodSeconds] ?? 0);
  const window = Number(meta.metadata.recoveryWindowDays ?? DEFAULT_RECOVERY_WINDOW_DAYS);
  return {
    ...(meta.name !== defaultName ? { secretName: meta.name } : {}),
    ...(Number.isInteger(period) && period > 0 ? { rotationPeriod: durationText(period) } : {}),
    ...(meta.description ? { description: meta.description } : {}),
    recoveryWindowDays: Number.isInteger(window) ? window : DEFAULT_RECOVERY_WINDOW_DAYS,
  };
}

/** Delete schedules deletion (or deletes at once when forced) and never touches what the secret manages. */
export async function removeSecret(id: string, props: DeletionSettings, ctx: RuntimeContext): Promise<void> {
  const meta = await ctx.store.describeSecret(id);
  // Deleting a secret that is already gone or already scheduled is done.
  if (!meta || (meta.plannedDeleteAt && !props.forceDeleteWithoutRecovery)) return;
  await ctx.store.deleteSecret(id, props.forceDeleteWithoutRecovery ? { force: true } : { recoveryWindowDays: props.recoveryWindowDays ?? DEFAULT_RECOVERY_WINDOW_DAYS });
}

/** Metadata for a new secret: a null in a patch means "remove", which a new secret has nothing to remove. */
export function definedOnly(record: Record<string, string | null>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).filter((e): e is [string, string] => e[1] !== null));
}

/** check(): the inputs pass through untouched (defaults are applied where they are used, so diffs stay quiet), with every failure. */
export function checkResult(news: Record<string, unknown>, validate: (raw: unknown) => { failures: InputFailure[] }): pulumi.dynamic.CheckResult {
  return { inputs: news, failures: validate(news).failures };
}

/**
 * diff()'s verdict. A changed identity field or name replaces the secret; with
 * the same name, or the same target, on both sides the old one must be gone
 * (or scheduled) before the new one can be created.
 */
export function diffResult(changes: boolean, replaces: readonly string[]): pulumi.dynamic.DiffResult {
  // Created first only when both the name and the target change: a renamed secret of the same target
  // must be scheduled for deletion before the new one exists, or two secrets would manage one credential.
  // A new engine (rotatedBy) is the same credential: it never counts as a new target.
  const newNameAndTarget = replaces.includes("secretName") && replaces.some((r) => r !== "secretName" && r !== "rotatedBy");
  return { changes: changes || replaces.length > 0, replaces: [...replaces], deleteBeforeReplace: replaces.length > 0 && !newNameAndTarget };
}

/** What a resource declares about its secret besides the value: the store's description and metadata. */
export interface Declaration {
  readonly description: string;
  /** The metadata of a secret last rotated at `lastRotatedAt` (ISO time). */
  metadataAt(lastRotatedAt: string): Record<string, string | null>;
}

/**
 * create(): a new secret stores its first version. The same target already
 * stored (a retried create, or a deleted secret coming back within its
 * window) is restored and its declaration refreshed; its value stays.
 */
export async function storeDeclared(ctx: RuntimeContext, name: string, existing: SecretMeta | undefined, declared: Declaration, firstValue: (now: Date) => string): Promise<void> {
  const now = ctx.clock();
  if (existing) {
    if (existing.plannedDeleteAt) await ctx.store.restoreSecret(name);
    await ctx.store.updateSecret(name, { description: declared.description, metadata: declared.metadataAt(existing.metadata[META.lastRotatedAt] ?? now.toISOString()) });
    return;
  }
  await ctx.store.createSecret({
    name,
    description: declared.description,
    metadata: definedOnly(declared.metadataAt(now.toISOString())),
    versionId: "v1",
    value: firstValue(now),
  });
}

/** update(): a secret scheduled for deletion comes back, and its declaration is refreshed. Returns it as it was before the refresh. */
export async function reviveDeclared(ctx: RuntimeContext, id: string, declared: Declaration, recordedVersionId: string | undefined): Promise<SecretMeta> {
  const before = await ctx.store.describeSecret(id);
  if (before) requireStoreNotBehind(before, recordedVersionId);
  if (before?.plannedDeleteAt) await ctx.store.restoreSecret(id);
  const meta = await requireLive(ctx, id);
  await ctx.store.updateSecret(id, { description: declared.description, metadata: declared.metadataAt(meta.metadata[META.lastRotatedAt] ?? ctx.clock().toISOString()) });
  return meta;
}

/** Written with a rotation the declared rotationTrigger asked for: a retried update whose result the engine lost then does not rotate twice (rotate-secret.ts). */
export function triggerMetadata(rotationTrigger: string | number | undefined): Record<string, string> {
  return rotationTrigger === undefined ? {} : { [META.rotationTrigger]: String(rotationTrigger) };
}

/** The current version's id and value, as outputs report them. */
export async function currentVersion(ctx: RuntimeContext, name: string, meta: SecretMeta): Promise<{ versionId: string; value: string }> {
  const current = holderOf(meta, "ACSCurrent");
  return { versionId: current?.versionId ?? "", value: (await ctx.store.getValue(name, { versionId: current?.versionId })).value };
}

/** The schedule as both resources' outputs show it, from the store's metadata. */
export function scheduleOutputs(meta: SecretMeta): { automaticRotation: boolean; rotationPeriodSeconds?: number; lastRotatedAt: string; nextRotationAt?: string } {
  // KMS keeps the schedule of a secret it rotates itself.
  if (meta.managed) return kmsScheduleOutputs(meta);
  const m = meta.metadata;
  const periodSeconds = m[META.rotationPeriodSeconds] ? Number(m[META.rotationPeriodSeconds]) : undefined;
  return {
    automaticRotation: periodSeconds !== undefined,
    ...(periodSeconds === undefined ? {} : { rotationPeriodSeconds: periodSeconds }),
    lastRotatedAt: m[META.lastRotatedAt] ?? meta.createdAt,
    ...(m[META.nextRotationAt] ? { nextRotationAt: m[META.nextRotationAt] } : {}),
  };
}

/** A health verdict as outputs keep it (a plain, mutable copy of its problems). */
export function healthOutput(health: SecretHealthSummary): { healthy: boolean; problems: string[] } {
  return { healthy: health.healthy, problems: [...health.problems] };
}

/**
 * Refresh knows what the stack declared (the last outputs), so it never
 * follows the store's record of where the credential goes: a stored target
 * that differs from the declared one (tags edited or replayed) is refused
 * with TargetUnverified, and the target that refresh probes is built from the
 * declaration. That needs no store authentication at all. `declared` is
 * undefined when the outputs cannot say (state too old to hold the fields).
 */
export function requireDeclaredTarget<S>(meta: SecretMeta, kind: TargetKind<S>, declared: S): void {
  const differs = storedTargetDifference(meta, kind, declared);
  if (differs === undefined) return;
  throw new ManagedSecretsError(
    "TargetUnverified",
    `the stored target of secret "${meta.name}" differs from what this stack declares (${differs}): its metadata was changed outside managed-secrets. ` +
      `Nothing was sent. Check who can change it (kms:TagResource), then run \`pulumi up --refresh\` to write the declared target again`,
    { secretName: meta.name },
  );
}

/**
 * The probe a refresh makes: `probe` on the declared target, or, when the
 * store's target differs from it, a failure with that TargetUnverified
 * whether probing is on or not (the comparison sends nothing).
 */
export function declaredProbe<S>(
  meta: SecretMeta,
  kind: TargetKind<S>,
  declared: S,
  probe: (() => Promise<boolean | undefined>) | undefined,
): (() => Promise<boolean | undefined>) | undefined {
  try {
    requireDeclaredTarget(meta, kind, declared);
  } catch (e) {
    return () => Promise.reject(e);
  }
  return probe;
}

/** The keys where the stored target departs from `declared`, or undefined when they agree. */
function storedTargetDifference<S>(meta: SecretMeta, kind: TargetKind<S>, declared: S): string | undefined {
  if (!kind.matches(meta.metadata)) return "kind, transport";
  let stored: Record<string, string>;
  try {
    // Decoded first: a key an older version did not write reads as the default it meant.
    stored = kind.encode(kind.decode(new StoredTargetFields(meta)));
  } catch (e) {
    if (isManagedSecretsError(e, "StoreUnreadable")) return e.details.property ?? "its fields";
    throw e;
  }
  const want = kind.encode(declared);
  const keys = kind.keys.filter((k) => stored[k] !== want[k]);
  return keys.length > 0 ? keys.join(", ") : undefined;
}

/**
 * No two live secrets rotate one credential: each would take the other's
 * rotation for drift and "repair" it, and apps reading either would be
 * locked out half the time. So a create (a program's, or `adopt`'s) and a
 * restore are refused while another secret manages the same credential, and
 * the error names it. Secrets in their recovery window do not rotate and are
 * not counted; restoring one is checked the same way.
 */
export async function requireSoleManager<S>(ctx: RuntimeContext, name: string, kind: TargetKind<S>, spec: S, property: string): Promise<readonly SecretMeta[]> {
  const key = kind.credentialKey(spec);
  // Those in their recovery window too, for the caller (an engine switch reads the one it replaces: kms-engine.ts handOver).
  const others = await ctx.store.listSecrets({ detail: "schedule", includePendingDeletion: true, onUnreadable: () => undefined });
  for (const other of others) {
    if (other.name === name || other.plannedDeleteAt) continue;
    let theirs: string;
    try {
      const decoded = ctx.targets.decode(other);
      theirs = decoded.kind.credentialKey(decoded.spec);
    } catch {
      continue; // not a secret of a kind this version knows, or unreadable: not a manager it could fight
    }
    if (theirs !== key) continue;
    throw new ManagedSecretsError(
      "SecretExists",
      `this credential (${key}) is already managed by secret "${other.name}": two secrets rotating one credential lock each other out. ` +
        `Manage it through "${other.name}", or delete that secret first (managed-secrets delete ${other.name})`,
      { secretName: name, property },
    );
  }
  return others;
}

/** How a create is asked for: `adopt` takes only credentials no secret holds yet, so it never lands on an existing name unverified. */
export interface CreateOptions {
  readonly adopt?: boolean;
}

/** `adopt` onto a name that exists: the stored credential stays as it is, and the operator is told what to run instead. */
export function adoptOntoExisting(name: string, existing: SecretMeta): ManagedSecretsError {
  if (existing.plannedDeleteAt) {
    return secretPendingDeletion(name, existing.plannedDeleteAt, `adopt takes credentials no secret holds: restore it instead (managed-secrets restore ${name})`);
  }
  return new ManagedSecretsError(
    "SecretExists",
    `secret ${name} already exists: adopt takes credentials no secret holds yet, and nothing was checked or changed. ` +
      `To make it hold another value run managed-secrets rotate ${name}; to check it, managed-secrets check --select name:${name}`,
    { secretName: name, property: "secretName" },
  );
}

/** `managed-secrets restore`: the secret comes back only if no other live secret took over its credential meanwhile. */
export async function restoreSole(ctx: RuntimeContext, name: string): Promise<SecretMeta> {
  const meta = await ctx.store.describeSecret(name);
  if (meta?.plannedDeleteAt) {
    let decoded: { kind: TargetKind; spec: unknown } | undefined;
    try {
      decoded = ctx.targets.decode(meta);
    } catch {
      decoded = undefined; // what it manages cannot be read: restoring brings back nothing that could rotate
    }
    if (decoded) await requireSoleManager(ctx, name, decoded.kind, decoded.spec, "name");
  }
  return ctx.store.restoreSecret(name);
}
