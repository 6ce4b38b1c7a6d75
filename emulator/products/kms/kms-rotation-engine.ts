import { isoSeconds } from "../../core/clock";
import { newVersionId } from "../../core/ids";
import type { EmulatorState } from "../../state/emulator-state";
import type { SecretRecord } from "../../state/state-types";
import { secretSetGeneration } from "./kms-lookup";
import { rotateEcs } from "./kms-rotate-ecs";
import { finishRamRotation, rotateRam } from "./kms-rotate-ram";
import { rotationFailed, type RotationEnv } from "./kms-rotation-outcome";
import { isManaged, nextRotationAt } from "./kms-rotation-schedule";

/**
 * KMS's rotations run on their own, after the call that started them
 * returned: RotateSecret starts one at once; automatic ones start when
 * NextRotationDate has passed on the business clock, checked before every
 * KMS call, by the emulator's timer and whenever the control surface moves
 * the clock. Work still running is tracked per emulator so tests and
 * shutdown can wait for it (settleRotations).
 */

const inFlight = new WeakMap<EmulatorState, Set<Promise<void>>>();

function track(state: EmulatorState, work: Promise<void>): void {
  const set = inFlight.get(state) ?? new Set();
  inFlight.set(state, set);
  set.add(work);
  void work.finally(() => set.delete(work));
}

/** Resolves once every rotation step started so far (and any it led to) has finished. */
export async function settleRotations(state: EmulatorState): Promise<void> {
  for (let set = inFlight.get(state); set && set.size > 0; set = inFlight.get(state)) await Promise.allSettled([...set]);
}

export function beginRotation(env: RotationEnv, secret: SecretRecord, versionId: string, trigger: "immediate" | "automatic"): void {
  secret.rotating = { versionId, trigger, startedAt: isoSeconds(env.clock()) };
  env.state.changed();
  const name = secret.secretName;
  const run = secret.secretType === "ECS" ? rotateEcs : rotateRam;
  // A step that throws (not a refusal: a bug or a missing openssl) still ends the rotation, as a failure.
  const work = Promise.resolve()
    .then(() => run(env, name, versionId))
    .catch((e: unknown) => {
      const still = env.state.data.secrets[name];
      if (still?.rotating?.versionId === versionId) rotationFailed(env, still, "InternalFailure", `The rotation failed inside the emulator (${e instanceof Error ? e.name : typeof e}).`);
    });
  track(env.state, work);
}

/** The managed secrets, worked out once per change of the set of secrets: most accounts have few among many. */
const managedLists = new WeakMap<EmulatorState, { generation: number; names: string[] }>();

function managedNames(env: RotationEnv): string[] {
  const generation = secretSetGeneration(env);
  const known = managedLists.get(env.state);
  if (known?.generation === generation) return known.names;
  const names = Object.values(env.state.data.secrets).filter(isManaged).map((s) => s.secretName);
  managedLists.set(env.state, { generation, names });
  return names;
}

/** Starts every automatic rotation that is due and ends every RAM rotation window that has passed. */
export function rotateDue(env: RotationEnv): void {
  const now = env.clock().getTime();
  for (const name of managedNames(env)) {
    const secret = env.state.data.secrets[name];
    if (!secret || secret.plannedDeleteTime) continue;
    if (secret.rotating) {
      if (secret.rotating.retireAt !== undefined && Date.parse(secret.rotating.retireAt) <= now) finishRamRotation(env, secret);
      continue;
    }
    const next = nextRotationAt(secret);
    if (next !== undefined && next <= now) beginRotation(env, secret, newVersionId(), "automatic");
  }
}

/**
 * After a restart, a rotation whose Cloud Assistant command was cut off
 * cannot finish (the command is reported ExecutionInterrupted): it failed. A
 * RAM rotation waiting for its window goes on.
 */
export function interruptStaleRotations(env: RotationEnv): void {
  for (const secret of Object.values(env.state.data.secrets)) {
    if (secret.rotating && secret.rotating.retireAt === undefined) {
      rotationFailed(env, secret, "ExecutionInterrupted", "The rotation was interrupted by a restart of the emulator.");
    }
  }
}
