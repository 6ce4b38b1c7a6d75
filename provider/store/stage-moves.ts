import { VERSION_STAGES, type SecretStore, type UpdateStageInput, type VersionStage } from "./secret-store";
import { missingVersionMessage, versionNotFound } from "./store-errors";
import { checkStage, checkVersionId, invalid } from "./store-input";

/**
 * The version-stage rules of the store contract (KMS UpdateSecretVersionStage
 * and PutSecretValue), written once for every store. Pure: each function reads
 * a secret's versions and says which versions' stages change; the store
 * applies that to its own representation (the local store's document, a KMS
 * call and its lease session).
 *
 * Stages the contract does not know (KMS may carry its own on a version) are
 * never added or removed here, only carried along.
 */

/** One version's stages, as a store holds them. */
export interface StagedVersion<S extends string = VersionStage> {
  readonly versionId: string;
  readonly stages: readonly S[];
}

/** A version whose stages change, with all of its stages afterwards. */
export type StageChange<S extends string = VersionStage> = StagedVersion<S>;

/** Where the stores differ: one rule of KMS's that the local store does not follow. */
export interface StageRules {
  /** ACSCurrent leaving a version gives that version ACSPrevious (KMS does; the local store leaves ACSPrevious where it was). */
  readonly currentLeavesPrevious: boolean;
}

export const STAGE_RULES: Readonly<Record<SecretStore["kind"], StageRules>> = {
  local: { currentLeavesPrevious: false },
  kms: { currentLeavesPrevious: true },
};

/** The checks of a stage move that need no versions, in the order every store makes them. */
export function checkStageMove(name: string, input: UpdateStageInput): void {
  checkStage(input.stage);
  const { stage, moveToVersionId: moveTo, removeFromVersionId: removeFrom } = input;
  if (moveTo !== undefined) checkVersionId(moveTo, "moveToVersionId");
  if (removeFrom !== undefined) checkVersionId(removeFrom, "removeFromVersionId");
  if (moveTo === undefined && removeFrom === undefined) {
    throw invalid("moveToVersionId", "give moveToVersionId, removeFromVersionId, or both", name);
  }
  if (moveTo === undefined && (stage === "ACSCurrent" || stage === "ACSPrevious")) {
    // KMS keeps its system stages on some version at all times; losing ACSCurrent would lock readers out.
    throw invalid("moveToVersionId", `${stage} cannot be removed, only moved to another version: give moveToVersionId`, name);
  }
}

/**
 * What a stage move (already through checkStageMove) changes in `versions`:
 * [] when it is done already. Refuses, with InvalidInput, a removeFromVersionId
 * that does not hold the stage and a move of an attached stage that does not
 * name its holder (KMS itself does not refuse that, so the stores do), and
 * with VersionNotFound a version the secret does not have.
 */
export function planStageMove<S extends string>(name: string, versions: readonly StagedVersion<S>[], input: UpdateStageInput, rules: StageRules): StageChange<S>[] {
  const { stage, moveToVersionId: moveTo, removeFromVersionId: removeFrom } = input;
  const find = (versionId: string) => requireVersion(name, versions, versionId);
  const holder = holderOf(versions, stage);
  // ACSCurrent's last move already gave ACSPrevious to the version it left: the move the caller asks for is done.
  if (rules.currentLeavesPrevious && stage === "ACSPrevious" && moveTo !== undefined && holder?.versionId === moveTo) return [];
  if (removeFrom !== undefined) {
    const from = find(removeFrom);
    if (holder !== from) {
      const where = holder === undefined ? "is not attached to any version" : `is on version "${holder.versionId}"`;
      throw invalid("removeFromVersionId", `stage ${stage} of secret "${name}" ${where}, not on "${removeFrom}"`, name);
    }
  }
  let target: StagedVersion<S> | undefined;
  if (moveTo !== undefined) {
    target = find(moveTo);
    if (holder !== undefined && holder !== target && removeFrom === undefined) {
      throw invalid(
        "removeFromVersionId",
        `stage ${stage} of secret "${name}" is on version "${holder.versionId}"; give removeFromVersionId "${holder.versionId}" to move it`,
        name,
      );
    }
  }
  if (holder === target) return [];
  return moveStage(versions, stage as S, moveTo, removeFrom, rules);
}

/**
 * What a stage move that is known to be accepted does: `stage` onto moveTo
 * (off whichever version held it), or else off removeFrom. A version that is
 * not in `versions` changes nothing.
 */
export function moveStage<S extends string>(
  versions: readonly StagedVersion<S>[],
  stage: S,
  moveTo: string | undefined,
  removeFrom: string | undefined,
  rules: StageRules,
): StageChange<S>[] {
  const next = new StageTable(versions);
  if (moveTo !== undefined) next.attach(stage, moveTo, rules);
  else if (removeFrom !== undefined) next.detach(removeFrom, stage);
  return next.changes();
}

/** What a put of version `versionId` (already among `versions`) with `stages` does: each stage moves to it, one after another. */
export function attachStages<S extends string>(versions: readonly StagedVersion<S>[], versionId: string, stages: Iterable<S>, rules: StageRules): StageChange<S>[] {
  const next = new StageTable(versions);
  for (const stage of stages) next.attach(stage, versionId, rules);
  return next.changes();
}

/** The version with this id; VersionNotFound when the secret has none. */
export function requireVersion<V extends StagedVersion<string>>(name: string, versions: readonly V[], versionId: string): V {
  const version = versions.find((v) => v.versionId === versionId);
  if (version === undefined) throw versionNotFound(name, missingVersionMessage(name, { versionId }));
  return version;
}

export function holderOf<V extends StagedVersion<string>>(versions: readonly V[], stage: string): V | undefined {
  return versions.find((v) => v.stages.includes(stage));
}

/** The stages of every version while a move is worked out; `changes` compares them with where they started. */
class StageTable<S extends string> {
  readonly #stages: Map<string, readonly S[]>;

  constructor(readonly versions: readonly StagedVersion<S>[]) {
    this.#stages = new Map(versions.map((v) => [v.versionId, v.stages]));
  }

  /** A stage is on at most one version: attaching it detaches it everywhere else. */
  attach(stage: S, versionId: string, rules: StageRules): void {
    const stages = this.#stages.get(versionId);
    if (stages === undefined) return;
    const holder = [...this.#stages].find(([, s]) => s.includes(stage))?.[0];
    if (holder === versionId) return;
    if (holder !== undefined) this.detach(holder, stage);
    this.#stages.set(versionId, withStage(stages, stage));
    if (rules.currentLeavesPrevious && stage === "ACSCurrent" && holder !== undefined) this.attach("ACSPrevious" as S, holder, rules);
  }

  detach(versionId: string, stage: S): void {
    const stages = this.#stages.get(versionId);
    if (stages?.includes(stage)) this.#stages.set(versionId, stages.filter((s) => s !== stage));
  }

  changes(): StageChange<S>[] {
    return this.versions.filter((v) => this.#stages.get(v.versionId) !== v.stages).map((v) => ({ versionId: v.versionId, stages: this.#stages.get(v.versionId)! }));
  }
}

/** The contract's stages in their canonical order, then any others as they were. */
function withStage<S extends string>(stages: readonly S[], stage: S): S[] {
  const isKnown = (s: string) => (VERSION_STAGES as readonly string[]).includes(s);
  const known = VERSION_STAGES.filter((s) => s === stage || (stages as readonly string[]).includes(s)) as string[] as S[];
  return [...known, ...stages.filter((s) => !isKnown(s)), ...(isKnown(stage) ? [] : [stage])];
}
