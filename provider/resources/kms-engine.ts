import { createHash, randomUUID } from "node:crypto";
import { ManagedSecretsError, isManagedSecretsError } from "../core/errors";
import type { RuntimeContext } from "../context/runtime-context";
import { DEFAULT_RECOVERY_WINDOW_DAYS, type ManagedSecrets, type SecretMeta } from "../store/secret-store";
import { KMS_ROTATION_REQUESTED } from "../schedule/rotation-metadata";
import type { InputFailure } from "./resource-schema";
import type { RotationTarget } from "../rotation/rotation-target";

/**
 * What both resources share about the rotation engine (`rotatedBy`): the
 * product rotates the credential itself ("product", the default), or KMS does
 * ("kms": a secret of KMS's own type ECS or RAMCredentials, kms store only).
 */

export const ENGINES = ["product", "kms"] as const;
export type Engine = (typeof ENGINES)[number];

/** What check and diff may know without contacting anything: the stack's default engine and which store it uses. */
export interface EngineSettings {
  /** managed-secrets:rotatedBy (or MANAGED_SECRETS_ROTATED_BY); "product" when unset. */
  readonly rotatedBy: Engine;
  /** The configured store; undefined when its settings cannot be read (create says why). */
  readonly store?: "local" | "kms";
}

export const PRODUCT_ENGINE: EngineSettings = { rotatedBy: "product" };

/** The inputs with the engine the stack's default gives when the program declares none, so one parse sees it. */
export function withEngine(news: Record<string, unknown>, settings: EngineSettings): Record<string, unknown> {
  return news.rotatedBy === undefined ? { ...news, rotatedBy: settings.rotatedBy } : news;
}

/** What state written before engines existed means. */
export function engineOf(outputs: { readonly rotatedBy?: Engine }): Engine {
  return outputs.rotatedBy ?? "product";
}

/** `rotatedBy: "kms"` on the local store: refused at check, naming rotatedBy, before anything is contacted. */
export function storeFailures(engine: Engine, settings: EngineSettings): InputFailure[] {
  if (engine !== "kms" || settings.store === undefined || settings.store === "kms") return [];
  return [
    {
      property: "rotatedBy",
      reason: `"kms" needs the kms store (managed-secrets:store kms): KMS rotates only secrets it holds, and this stack's store is "${settings.store}"; use "product", or move the stack to the kms store`,
    },
  ];
}

/** An input the kms engine does not take, named with why. */
export function notWithKms(property: string, why: string): InputFailure {
  return { property, reason: `is not taken with rotatedBy "kms": ${why}` };
}

/** A secret's name of the product's engine may not start with acs/, which KMS keeps for the secrets it rotates itself. */
export function productNameFailures(secretName: string | undefined): InputFailure[] {
  return secretName?.startsWith("acs/") ? [{ property: "secretName", reason: "must be 1..192 characters of letters, digits and _/+=.@- and must not start with acs/" }] : [];
}

/** The kms store's calls for secrets KMS rotates, or StoreConfig naming rotatedBy when the store has none (the local store). */
export function managedCalls(ctx: Pick<RuntimeContext, "store">): ManagedSecrets {
  if (ctx.store.managed === undefined) {
    throw new ManagedSecretsError("StoreConfig", `rotatedBy "kms" needs the kms store (managed-secrets:store kms); this stack's store is "${ctx.store.kind}"`, { property: "rotatedBy" });
  }
  return ctx.store.managed;
}

/**
 * RotateSecret's VersionId for a declared rotationTrigger: a digest (KMS
 * takes at most 64 characters), so the same trigger sent again after a lost
 * answer or a failed update names a version KMS already has or is making,
 * and KMS rotates nothing a second time (RotateSecret reference).
 */
export function triggerVersionId(trigger: string | number): string {
  return `trigger-${createHash("sha256").update(String(trigger), "utf8").digest("base64url").slice(0, 43)}`;
}

/** A version id for a rotation asked for once (the CLI, a repair): never sent twice on purpose. */
export function freshVersionId(why: "cli" | "repair"): string {
  return `${why}-${randomUUID()}`;
}

/**
 * Asks KMS to rotate now, and records when (KMS keeps no record of who
 * asked): health counts the rotation as under way from then until KMS's
 * event for it comes (kms-rotation-health.ts).
 */
export async function requestKmsRotation(ctx: Pick<RuntimeContext, "store" | "clock">, name: string, versionId: string, property = "rotationTrigger"): Promise<void> {
  const at = ctx.clock().toISOString();
  try {
    await managedCalls(ctx).rotate(name, versionId);
  } catch (e) {
    if (isManagedSecretsError(e, "CloudRejected") || isManagedSecretsError(e, "LeaseHeld")) {
      throw new ManagedSecretsError(e.code, e.message, { ...e.details, property });
    }
    throw e;
  }
  await ctx.store.updateSecret(name, { metadata: { [KMS_ROTATION_REQUESTED]: at } });
}

/** How often an update asks whether KMS finished the rotation it asked for, and for how long (MANAGED_SECRETS_KMS_ROTATION_POLL_MS, 10..60000). */
const POLL_ENV = "MANAGED_SECRETS_KMS_ROTATION_POLL_MS";
const WAIT_MS = 180_000;

function pollMs(): number {
  const raw = process.env[POLL_ENV];
  const ms = raw === undefined || raw === "" ? 2_000 : Number(raw);
  if (!Number.isInteger(ms) || ms < 10 || ms > 60_000) {
    throw new ManagedSecretsError("InvalidInput", `${POLL_ENV} must be a whole number of milliseconds from 10 to 60000`, { property: POLL_ENV });
  }
  return ms;
}

/**
 * Waits until the version KMS was asked for holds ACSCurrent, so the update's
 * outputs show the rotated credential; a failure KMS reports for it
 * (CloudMonitor) fails the update with KMS's error code, and the next
 * `pulumi up` asks again with the same VersionId. After WAIT_MS it returns
 * with KMS still at work: refresh shows it as under way, not as drift.
 */
export async function awaitKmsRotation(
  ctx: Pick<RuntimeContext, "store">,
  name: string,
  versionId: string,
  failureSince: (since: Date) => Promise<readonly { readonly outcome: string; readonly errorCode?: string; readonly at: string }[]>,
  since: Date,
): Promise<SecretMeta> {
  const deadline = Date.now() + WAIT_MS;
  const every = pollMs();
  for (;;) {
    const meta = await ctx.store.describeSecret(name);
    if (meta === undefined) throw new ManagedSecretsError("SecretNotFound", `secret ${name} is gone from KMS`, { secretName: name });
    if (meta.versions.some((v) => v.versionId === versionId && v.stages.includes("ACSCurrent"))) return meta;
    const failed = (await failureSince(new Date(since.getTime() - 1_000))).find((e) => e.outcome === "Failure");
    if (failed) {
      throw new ManagedSecretsError(
        "RotationTestFailed",
        `KMS's rotation of secret ${name} failed with ${failed.errorCode ?? "Unknown"} at ${failed.at} (CloudMonitor event Secret:RotateSecret:Failure); its current value stays. Run pulumi up again to ask again`,
        { secretName: name, property: "rotationTrigger" },
      );
    }
    if (Date.now() > deadline) return meta;
    await new Promise((r) => setTimeout(r, every));
  }
}

/** Both resources' schedule outputs for a secret KMS rotates: from KMS's record, not the product's metadata. */
export function kmsScheduleOutputs(meta: SecretMeta): { automaticRotation: boolean; rotationPeriodSeconds?: number; lastRotatedAt: string; nextRotationAt?: string } {
  const m = meta.managed;
  const on = m?.automaticRotation === "Enabled" && m.rotationIntervalSeconds !== undefined;
  return {
    automaticRotation: on,
    ...(on ? { rotationPeriodSeconds: m.rotationIntervalSeconds } : {}),
    lastRotatedAt: m?.lastRotatedAt ?? meta.createdAt,
    ...(on && m.nextRotationAt ? { nextRotationAt: m.nextRotationAt } : {}),
  };
}

/** Update's start for a secret KMS rotates: one scheduled for deletion comes back; resolves to it, live. */
export async function reviveKms(ctx: RuntimeContext, id: string): Promise<SecretMeta> {
  const meta = await ctx.store.describeSecret(id);
  if (meta?.plannedDeleteAt) await ctx.store.restoreSecret(id);
  const live = meta?.plannedDeleteAt ? await ctx.store.describeSecret(id) : meta;
  if (live === undefined || live.plannedDeleteAt) throw new ManagedSecretsError("SecretNotFound", `secret ${id} is not in KMS any more`, { secretName: id });
  return live;
}

/** What a stack declares of a secret KMS rotates, besides its target: description, metadata (tags), rotation policy. */
export interface KmsDeclaration {
  readonly description: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** Automatic rotation every so many seconds; undefined: off. */
  readonly rotationSeconds?: number;
}

/** Writes the declaration; KMS's rotation policy changes only when it differs (UpdateSecretRotationPolicy rotates nothing). */
export async function declareKms(ctx: RuntimeContext, meta: SecretMeta, declared: KmsDeclaration): Promise<void> {
  await ctx.store.updateSecret(meta.name, { description: declared.description, metadata: declared.metadata });
  const has = meta.managed?.automaticRotation === "Enabled" ? meta.managed.rotationIntervalSeconds : undefined;
  if (declared.rotationSeconds !== has) await managedCalls(ctx).setRotation(meta.name, declared.rotationSeconds);
}

/** RotateSecret now, and wait for KMS to finish it (awaitKmsRotation); `events` reads KMS's outcomes of this secret. */
export async function rotateWithKms(ctx: RuntimeContext, name: string, versionId: string, events: Parameters<typeof awaitKmsRotation>[3]): Promise<void> {
  const since = ctx.clock();
  await requestKmsRotation(ctx, name, versionId);
  await awaitKmsRotation(ctx, name, versionId, events, since);
}

/** The VersionId of an update's rotation: the trigger's when a new one asked, else a fresh one for a repair. */
export function updateVersionId(asked: boolean, trigger: string | number | undefined): string {
  return asked && trigger !== undefined ? triggerVersionId(trigger) : freshVersionId("repair");
}

/**
 * Switching a declared secret from one engine to the other replaces it
 * (delete before create: one credential, one live secret), and the new
 * secret must start from the credential the old one holds now, which may be
 * several rotations past the program's initial value. But the old one is by
 * then in its recovery window, where no value can be read (KMS refuses
 * GetSecretValue there). So the create brings it back for the moment it takes:
 * restored, its lease taken (no product rotation can start), its current
 * value read, and, once the new secret exists or failed to, scheduled for
 * deletion again with its own recovery window. Nothing on the target changes.
 * Undefined when no secret in its recovery window managed this credential.
 */
export async function handOver(
  ctx: RuntimeContext,
  declaredName: string,
  credentialKey: string,
  engine: Engine,
  /** The store's secrets, those in their recovery window too, as requireSoleManager just listed them. */
  listed: readonly SecretMeta[],
): Promise<{ readonly from: string; readonly value: string; readonly meta: SecretMeta; done(): Promise<void> } | undefined> {
  const deleted = listed
    // Only the other engine's: a rename within one engine keeps its behaviour (the program's initial value).
    .filter((m) => m.plannedDeleteAt !== undefined && m.name !== declaredName && (m.managed ? "kms" : "product") !== engine)
    .filter((m) => {
      try {
        const { kind, spec } = ctx.targets.decode(m);
        return kind.credentialKey(spec) === credentialKey;
      } catch {
        return false;
      }
    })
    .sort((a, b) => Date.parse(b.plannedDeleteAt!) - Date.parse(a.plannedDeleteAt!));
  const old = deleted[0];
  if (old === undefined) return undefined;
  const window = Number(old.metadata.recoveryWindowDays ?? DEFAULT_RECOVERY_WINDOW_DAYS);
  const owner = `handover:${ctx.owner}`.slice(0, 64);
  await ctx.store.restoreSecret(old.name);
  let held = false;
  const done = async () => {
    if (held) await ctx.store.releaseLease(old.name, owner).catch(() => undefined);
    await ctx.store.deleteSecret(old.name, { recoveryWindowDays: Number.isInteger(window) ? window : DEFAULT_RECOVERY_WINDOW_DAYS });
  };
  try {
    held = await ctx.store.acquireLease(old.name, owner, 10 * 60_000);
    if (!held) throw new ManagedSecretsError("LeaseHeld", `secret ${old.name}, which this one replaces, is being rotated right now; run pulumi up again in a minute`, { secretName: old.name });
    const meta = (await ctx.store.describeSecret(old.name))!;
    return { from: old.name, value: (await ctx.store.getValue(old.name)).value, meta, done };
  } catch (e) {
    await done();
    throw e;
  }
}

/**
 * A target that takes the handed-over credential already: a rotation to it is
 * recorded (a new version, tested by a fresh login or signed call) with an
 * apply and a retire that do nothing, so every line and key on the target
 * stays as it is.
 */
export function recordOnly(target: RotationTarget): RotationTarget {
  return { accepts: (v) => target.accepts(v), apply: async () => undefined, test: (v) => target.test(v), retire: async () => undefined, generate: () => target.generate() };
}
