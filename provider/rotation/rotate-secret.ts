import { ManagedSecretsError, isManagedSecretsError, restoreAdvice, secretNotFound } from "../core/errors";
import type { Clock } from "../core/clock";
import type { SecretMeta, SecretStore, VersionInfo } from "../store/secret-store";
import type { PreparedApply, RotationTarget } from "./rotation-target";
import { META, finishMetadata, recordedTrigger, rotationScheduleAfter } from "../schedule/rotation-metadata";

/**
 * The rotation protocol: AWS's four steps, each first asking "already done?".
 *
 *   createPending -> apply -> test -> finish -> retire
 *
 * The pending value is in the store before the target is touched, and the
 * version id is derived from the store (one past the newest), so a re-run after
 * a crash at any point finds the same pending version and completes it.
 * Invariant: the store always holds, as ACSCurrent or ACSPending, a value the
 * target accepts.
 */

export const ROTATION_STEPS = ["createPending", "apply", "test", "finish", "retire"] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

/** Long enough for a slow host, short enough that a crashed rotator does not block the next for long. */
export const ROTATION_LEASE_TTL_MS = 5 * 60_000;

export interface RotateOptions {
  readonly store: SecretStore;
  readonly name: string;
  readonly target: RotationTarget;
  /** Who rotates (e.g. "pulumi:1234", "runner:host:5678"); shows in lease conflicts. */
  readonly owner: string;
  readonly clock: Clock;
  /** The value to rotate to (stored JSON). Absent: the target generates one. */
  readonly value?: string;
  /**
   * Extra metadata to write with the finish step (e.g. the trigger that asked
   * for this rotation, META.rotationTrigger: the store records its digest).
   */
  readonly metadata?: Readonly<Record<string, string>>;
  /**
   * Asked under the lease, with the secret as it is now: a reason to do nothing
   * (e.g. another runner rotated it while we waited), or undefined to go on.
   */
  readonly skipIf?: (meta: SecretMeta) => string | undefined;
  /** Test hook, called after each step completes; a fault injected here simulates a crash. */
  readonly afterStep?: (step: RotationStep, versionId: string) => void | Promise<void>;
}

export interface RotationOutcome {
  readonly versionId: string;
  readonly previousVersionId: string;
  /** True when this run resumed a pending version left by an earlier, interrupted run. */
  readonly resumed: boolean;
  /** Steps skipped because they were already done. */
  readonly skipped: readonly RotationStep[];
  /** Set when skipIf found nothing to do; nothing was changed. */
  readonly notNeeded?: string;
}

export async function rotateSecret(options: RotateOptions): Promise<RotationOutcome> {
  const { store, name, owner } = options;
  if (!(await store.acquireLease(name, owner, ROTATION_LEASE_TTL_MS))) {
    throw new ManagedSecretsError("LeaseHeld", `secret ${name} is being rotated by another process; try again when it finishes`, {
      secretName: name,
    });
  }
  try {
    return await runSteps(options);
  } finally {
    await store.releaseLease(name, owner);
  }
}

async function runSteps(options: RotateOptions): Promise<RotationOutcome> {
  const { store, name, target, afterStep } = options;
  const skipped: RotationStep[] = [];
  const meta = await requireSecret(store, name);
  const current = holderOf(meta, "ACSCurrent");
  const notNeeded = options.skipIf?.(meta);
  if (notNeeded !== undefined) {
    return { versionId: current?.versionId ?? "", previousVersionId: "", resumed: false, skipped: [...ROTATION_STEPS], notNeeded };
  }
  if (!current) throw new ManagedSecretsError("VersionNotFound", `secret ${name} has no ACSCurrent version`, { secretName: name });
  await target.ready?.();
  const currentValue = (await store.getValue(name, { versionId: current.versionId })).value;
  const done = await triggerAlreadyDone(options, meta, currentValue);
  if (done !== undefined) return { versionId: current.versionId, previousVersionId: "", resumed: false, skipped: [...ROTATION_STEPS], notNeeded: done };

  // 1. createPending: reuse a pending version left by an interrupted run; never generate twice.
  let pendingInfo = holderOf(meta, "ACSPending");
  let preparing: Promise<PreparedApply | undefined> | undefined;
  const resumed = pendingInfo !== undefined;
  let pendingValue: string;
  if (pendingInfo) {
    pendingValue = (await store.getValue(name, { versionId: pendingInfo.versionId })).value;
    skipped.push("createPending");
  } else {
    // Logging in with the current credential changes nothing, so it may overlap key generation.
    preparing = target.prepareApply?.(currentValue).catch(() => undefined);
    const versionId = nextVersionId(meta.versions);
    try {
      pendingValue = options.value ?? (await target.generate());
      await store.putValue(name, { versionId, value: pendingValue, stages: ["ACSPending"] });
    } catch (e) {
      (await preparing)?.close();
      throw e;
    }
    pendingInfo = { versionId, stages: ["ACSPending"], createdAt: options.clock().toISOString() };
  }
  const versionId = pendingInfo.versionId;
  await afterStep?.("createPending", versionId);

  // A pending that is also ACSCurrent means an earlier run got as far as finish.
  const alreadyCurrent = pendingInfo.versionId === current.versionId;

  // 2. apply: skip when the target already takes the pending value. A value created
  // in this run cannot be on the target yet, so only a resumed rotation pays for the probe
  // (a rejected login costs seconds: PAM delays failures on purpose).
  try {
    if (alreadyCurrent || (resumed && (await target.accepts(pendingValue)))) skipped.push("apply");
    else await target.apply(currentValue, pendingValue, versionId, await preparing);
  } finally {
    (await preparing)?.close();
  }
  await afterStep?.("apply", versionId);

  // 3. test: a fresh login/call with the pending value, never the session that applied it.
  const tested = await target.test(pendingValue);
  if (!tested) {
    throw new ManagedSecretsError(
      "RotationTestFailed",
      `the new credential of ${name} (version ${versionId}) was not accepted after it was applied; it stays ACSPending and a re-run will try again`,
      { secretName: name },
    );
  }
  let previousVersionId: string;
  try {
    await afterStep?.("test", versionId);

    // 4. finish: ACSPrevious first, so a crash between the moves never loses the old current.
    previousVersionId = alreadyCurrent ? (holderOf(meta, "ACSPrevious")?.versionId ?? "") : current.versionId;
    if (!alreadyCurrent) {
      const previousHolder = holderOf(meta, "ACSPrevious");
      if (previousHolder?.versionId !== current.versionId) {
        await store.updateVersionStage(name, {
          stage: "ACSPrevious",
          moveToVersionId: current.versionId,
          removeFromVersionId: previousHolder?.versionId,
        });
      }
      await store.updateVersionStage(name, { stage: "ACSCurrent", moveToVersionId: versionId, removeFromVersionId: current.versionId });
    }
    await store.updateVersionStage(name, { stage: "ACSPending", removeFromVersionId: versionId });
    const finishedAt = options.clock();
    await store.updateSecret(name, {
      metadata: { ...rotationScheduleAfter(meta.metadata, finishedAt), ...finishMetadata(options.metadata), ...(await target.finishMetadata?.(pendingValue, finishedAt)) },
    });
    await afterStep?.("finish", versionId);

    // 5. retire: only now may older values stop working.
    await target.retire(pendingValue, versionId, () => olderValues(store, name, versionId), tested);
  } finally {
    tested.close();
  }
  await afterStep?.("retire", versionId);

  return { versionId, previousVersionId, resumed, skipped };
}

/**
 * A rotation asked for by a trigger the store already records was done: the
 * caller's state was lost after finish (an update whose result the engine
 * never saved), and rotating again would change the credential twice for one
 * request. Only when nothing else asks for a rotation: no pending version, not
 * due, a custom value (if any) already current, and the target still taking
 * the current value (a recorded trigger is no reason to skip a repair).
 */
async function triggerAlreadyDone(options: RotateOptions, meta: SecretMeta, currentValue: string): Promise<string | undefined> {
  const trigger = options.metadata?.[META.rotationTrigger];
  const recorded = meta.metadata[META.rotationTrigger];
  // Stores written before digests were recorded hold the trigger itself.
  if (trigger === undefined || (recorded !== recordedTrigger(trigger) && recorded !== trigger)) return undefined;
  if (options.value !== undefined && options.value !== currentValue) return undefined;
  if (holderOf(meta, "ACSPending") !== undefined) return undefined;
  const next = meta.metadata[META.nextRotationAt];
  if (next !== undefined && Date.parse(next) <= options.clock().getTime()) return undefined;
  if (!(await options.target.accepts(currentValue))) return undefined;
  return "the store already records this rotationTrigger, and its current credential works";
}

export function holderOf(meta: SecretMeta, stage: VersionInfo["stages"][number]): VersionInfo | undefined {
  return meta.versions.find((v) => v.stages.includes(stage));
}

/** "v<N+1>" past the highest numbered version: deterministic, so a retried put is idempotent. */
export function nextVersionId(versions: readonly VersionInfo[]): string {
  const highest = versions.reduce((max, v) => {
    const m = /^v(\d+)$/.exec(v.versionId);
    return m ? Math.max(max, Number(m[1])) : max;
  }, 0);
  return `v${highest + 1}`;
}

async function requireSecret(store: SecretStore, name: string): Promise<SecretMeta> {
  const meta = await store.describeSecret(name);
  if (!meta) throw secretNotFound(name);
  if (meta.plannedDeleteAt) {
    throw new ManagedSecretsError(
      "SecretPendingDeletion",
      `secret "${name}" is scheduled for deletion at ${meta.plannedDeleteAt}; ${restoreAdvice(name)} before rotating`,
      { secretName: name },
    );
  }
  return meta;
}

async function olderValues(store: SecretStore, name: string, keep: string): Promise<string[]> {
  const meta = await requireSecret(store, name);
  const values: string[] = [];
  for (const v of meta.versions) {
    if (v.versionId === keep) continue;
    try {
      values.push((await store.getValue(name, { versionId: v.versionId })).value);
    } catch (e) {
      if (!isManagedSecretsError(e, "VersionNotFound")) throw e;
    }
  }
  return values;
}
