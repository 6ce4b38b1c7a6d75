import { ManagedSecretsError, isManagedSecretsError, restoreAdvice, secretNotFound, secretPendingDeletion } from "../core/errors";
import type { Clock } from "../core/clock";
import type { SecretChange, SecretMeta, SecretStore, VersionInfo } from "../store/secret-store";
import { updateInOrder } from "../store/update-in-order";
import { nextVersionId } from "../store/version-ids";
import type { PreparedApply, RotationTarget, TestedSession } from "./rotation-target";
import { META, finishMetadata, recordedTrigger, rotationScheduleAfter } from "../schedule/rotation-metadata";
import { NO_FAILURE } from "../schedule/secret-outcome";

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

export interface RotateOptions<Prepared extends PreparedApply = PreparedApply, Tested extends TestedSession = TestedSession> {
  readonly store: SecretStore;
  readonly name: string;
  readonly target: RotationTarget<Prepared, Tested>;
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

export async function rotateSecret<Prepared extends PreparedApply, Tested extends TestedSession>(
  options: RotateOptions<Prepared, Tested>,
): Promise<RotationOutcome> {
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

/** What the steps share: the secret as read under the lease, and the steps found already done. */
interface Rotation<Prepared extends PreparedApply, Tested extends TestedSession> {
  readonly options: RotateOptions<Prepared, Tested>;
  readonly meta: SecretMeta;
  readonly current: VersionInfo;
  readonly currentValue: string;
  readonly skipped: RotationStep[];
}

/** The version this rotation completes: its id is the token that makes every later step idempotent. */
interface Pending<Prepared extends PreparedApply> {
  readonly versionId: string;
  readonly value: string;
  /** Found in the store, left by an interrupted run, rather than created by this one. */
  readonly resumed: boolean;
  /** A pending that is also ACSCurrent: an earlier run got as far as finish. */
  readonly alreadyCurrent: boolean;
  /** A login with the current credential, opened while the value was made; apply closes it. */
  readonly preparing?: Promise<Prepared | undefined>;
}

async function runSteps<Prepared extends PreparedApply, Tested extends TestedSession>(options: RotateOptions<Prepared, Tested>): Promise<RotationOutcome> {
  const { store, name, target, afterStep } = options;
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

  const rotation: Rotation<Prepared, Tested> = { options, meta, current, currentValue, skipped: [] };
  const pending = await createPending(rotation);
  const { versionId } = pending;
  await afterStep?.("createPending", versionId);
  await apply(rotation, pending);
  await afterStep?.("apply", versionId);
  const tested = await test(rotation, pending);
  let previousVersionId: string;
  try {
    await afterStep?.("test", versionId);
    previousVersionId = await finish(rotation, pending);
    await afterStep?.("finish", versionId);
    await retire(rotation, pending, tested);
  } finally {
    tested.close();
  }
  await afterStep?.("retire", versionId);
  return { versionId, previousVersionId, resumed: pending.resumed, skipped: rotation.skipped };
}

/**
 * Already done when the store holds an ACSPending version (an interrupted run
 * left it): reuse it, never generate twice. Else store the new value as
 * ACSPending under the next version id before the target is touched.
 */
async function createPending<Prepared extends PreparedApply, Tested extends TestedSession>(
  rotation: Rotation<Prepared, Tested>,
): Promise<Pending<Prepared>> {
  const { options, meta, current, currentValue } = rotation;
  const { store, name, target } = options;
  const found = holderOf(meta, "ACSPending");
  if (found) {
    const value = (await store.getValue(name, { versionId: found.versionId })).value;
    rotation.skipped.push("createPending");
    return { versionId: found.versionId, value, resumed: true, alreadyCurrent: found.versionId === current.versionId };
  }
  // Logging in with the current credential changes nothing, so it may overlap key generation.
  const preparing = target.prepareApply?.(currentValue).catch(() => undefined);
  const versionId = nextVersionId(meta.versions);
  try {
    const value = options.value ?? (await target.generate());
    await store.putValue(name, { versionId, value, stages: ["ACSPending"] });
    return { versionId, value, resumed: false, alreadyCurrent: versionId === current.versionId, preparing };
  } catch (e) {
    (await preparing)?.close();
    throw e;
  }
}

/**
 * Already done when the pending version is ACSCurrent, or when a resumed
 * rotation's target already takes the pending value. A value created in this
 * run cannot be on the target yet, so only a resumed rotation pays for the
 * probe (a rejected login costs seconds: PAM delays failures on purpose).
 */
async function apply<Prepared extends PreparedApply, Tested extends TestedSession>(rotation: Rotation<Prepared, Tested>, pending: Pending<Prepared>): Promise<void> {
  const { target } = rotation.options;
  try {
    if (pending.alreadyCurrent || (pending.resumed && (await target.accepts(pending.value)))) rotation.skipped.push("apply");
    else await target.apply(rotation.currentValue, pending.value, pending.versionId, await pending.preparing);
  } finally {
    (await pending.preparing)?.close();
  }
}

/**
 * Never already done: a fresh login/call with the pending value, never the
 * session that applied it, is the proof finish waits for.
 */
async function test<Prepared extends PreparedApply, Tested extends TestedSession>(rotation: Rotation<Prepared, Tested>, pending: Pending<Prepared>): Promise<Tested> {
  const { target, name } = rotation.options;
  const tested = await target.test(pending.value);
  if (!tested) {
    throw new ManagedSecretsError(
      "RotationTestFailed",
      `the new credential of ${name} (version ${pending.versionId}) was not accepted after it was applied; it stays ACSPending and a re-run will try again`,
      { secretName: name },
    );
  }
  return tested;
}

/**
 * Moves the stages, ACSPrevious first so a crash between the moves never
 * loses the old current, then records the rotation and drops ACSPending.
 * Already done, move by move: none when the pending version is ACSCurrent,
 * the ACSPrevious move when the old current holds it. A store that can
 * (the local one) takes it all as one write: one commit instead of four.
 * Resolves to the version that is now ACSPrevious.
 */
async function finish<Prepared extends PreparedApply, Tested extends TestedSession>(rotation: Rotation<Prepared, Tested>, pending: Pending<Prepared>): Promise<string> {
  const { options, meta, current } = rotation;
  const { store, name, target } = options;
  const { versionId } = pending;
  const previousVersionId = pending.alreadyCurrent ? (holderOf(meta, "ACSPrevious")?.versionId ?? "") : current.versionId;
  const moves: SecretChange[] = [];
  if (!pending.alreadyCurrent) {
    const previousHolder = holderOf(meta, "ACSPrevious");
    if (previousHolder?.versionId !== current.versionId) {
      moves.push({ stage: { stage: "ACSPrevious", moveToVersionId: current.versionId, removeFromVersionId: previousHolder?.versionId } });
    }
    moves.push({ stage: { stage: "ACSCurrent", moveToVersionId: versionId, removeFromVersionId: current.versionId } });
  }
  // What the target records with finish is read once the stages have moved (a RAM grace period reads ACSPrevious).
  if (target.finishMetadata !== undefined) {
    await updateInOrder(store, name, moves);
    moves.length = 0;
  }
  // The record goes in while ACSPending still marks the rotation unfinished: a crash
  // before it leaves the re-run to finish this version and write it (the target's
  // part, a deferred retirement, records the same once however often it is asked).
  const finishedAt = options.clock();
  // A rotation that got this far clears the record of an earlier failed one, whoever rotates (runner, `pulumi up`, CLI).
  const record = { ...rotationScheduleAfter(meta.metadata, finishedAt), ...NO_FAILURE, ...finishMetadata(options.metadata), ...(await target.finishMetadata?.(pending.value, finishedAt)) };
  await updateInOrder(store, name, [...moves, { metadata: record }, { stage: { stage: "ACSPending", removeFromVersionId: versionId } }]);
  return previousVersionId;
}

/**
 * Only now may older values stop working. Whether each is already revoked is
 * the target's to ask (it revokes only what is still there), with the
 * session that passed the test.
 */
async function retire<Prepared extends PreparedApply, Tested extends TestedSession>(
  rotation: Rotation<Prepared, Tested>,
  pending: Pending<Prepared>,
  tested: Tested,
): Promise<void> {
  const { store, name, target } = rotation.options;
  // A store may keep the kept value under another version too (the kms store puts it again when a target is
  // re-declared): a copy of it is never an older value to revoke.
  const older = async () => (await olderValues(store, name, pending.versionId)).filter((value) => value !== pending.value);
  await target.retire(pending.value, pending.versionId, older, tested);
}

/**
 * A rotation asked for by a trigger the store already records was done: the
 * caller's state was lost after finish (an update whose result the engine
 * never saved), and rotating again would change the credential twice for one
 * request. Only when nothing else asks for a rotation: no pending version, not
 * due, a custom value (if any) already current, and the target still taking
 * the current value (a recorded trigger is no reason to skip a repair).
 */
async function triggerAlreadyDone(options: RotateOptions<PreparedApply, TestedSession>, meta: SecretMeta, currentValue: string): Promise<string | undefined> {
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

async function requireSecret(store: SecretStore, name: string): Promise<SecretMeta> {
  const meta = await store.describeSecret(name);
  if (!meta) throw secretNotFound(name);
  if (meta.plannedDeleteAt) {
    throw secretPendingDeletion(name, meta.plannedDeleteAt, `${restoreAdvice(name)} before rotating`);
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
