import { strict as assert } from "node:assert";
import type { UpdateStageInput } from "../../provider/store/secret-store";
import { STAGE_RULES, attachStages, checkStageMove, holderOf, moveStage, planStageMove, requireVersion, type StagedVersion } from "../../provider/store/stage-moves";
import { expectError } from "../support/expect-error";

const { local, kms } = STAGE_RULES;

/** A secret's versions, as "v1:ACSCurrent,ACSPrevious v2: v3:ACSPending". */
function versions(spec: string): StagedVersion<string>[] {
  return spec.split(" ").map((part) => {
    const [versionId, stages] = part.split(":") as [string, string];
    return { versionId, stages: stages === "" ? [] : stages.split(",") };
  });
}

/** Every version's stages once `changes` are applied, in the same notation. */
function after(before: readonly StagedVersion<string>[], changes: readonly StagedVersion<string>[]): string {
  return before.map((v) => `${v.versionId}:${(changes.find((c) => c.versionId === v.versionId) ?? v).stages.join(",")}`).join(" ");
}

function plan(spec: string, input: UpdateStageInput, rules = local): string {
  const before = versions(spec);
  return after(before, planStageMove("db", before, input, rules));
}

describe("stage moves (the store contract's rules, pure)", function () {
  describe("checkStageMove", function () {
    it("refuses a move that names no version, and removing ACSCurrent or ACSPrevious, with InvalidInput naming moveToVersionId", async function () {
      await expectError(() => checkStageMove("db", { stage: "ACSPending" }), "InvalidInput", { property: "moveToVersionId", message: /give moveToVersionId/ });
      await expectError(() => checkStageMove("db", { stage: "ACSCurrent", removeFromVersionId: "v1" }), "InvalidInput", {
        property: "moveToVersionId",
        message: /^ACSCurrent cannot be removed/,
      });
      await expectError(() => checkStageMove("db", { stage: "ACSPrevious", removeFromVersionId: "v1" }), "InvalidInput", { property: "moveToVersionId" });
      checkStageMove("db", { stage: "ACSPending", removeFromVersionId: "v1" });
    });

    it("checks the stage first, then each version id under its own property", async function () {
      await expectError(() => checkStageMove("db", { stage: "ACSLatest" as "ACSPending" }), "InvalidInput", { property: "stage" });
      await expectError(() => checkStageMove("db", { stage: "ACSPending", moveToVersionId: "bad id" }), "InvalidInput", { property: "moveToVersionId" });
      await expectError(() => checkStageMove("db", { stage: "ACSPending", moveToVersionId: "v1", removeFromVersionId: "" }), "InvalidInput", {
        property: "removeFromVersionId",
      });
    });
  });

  describe("planStageMove", function () {
    it("moves a stage off its holder onto the version named, and only removes ACSPending when no target is named", function () {
      assert.equal(plan("v1:ACSCurrent v2:ACSPending", { stage: "ACSCurrent", moveToVersionId: "v2", removeFromVersionId: "v1" }), "v1: v2:ACSCurrent,ACSPending");
      assert.equal(plan("v1:ACSCurrent v2:ACSPending", { stage: "ACSPending", removeFromVersionId: "v2" }), "v1:ACSCurrent v2:");
      assert.equal(plan("v1:ACSCurrent v2:ACSPending", { stage: "ACSPrevious", moveToVersionId: "v1" }), "v1:ACSCurrent,ACSPrevious v2:ACSPending");
    });

    it("changes nothing for a stage already on the version named", function () {
      const before = versions("v1:ACSCurrent v2:ACSPending");
      assert.deepEqual(planStageMove("db", before, { stage: "ACSCurrent", moveToVersionId: "v1" }, local), []);
      assert.deepEqual(planStageMove("db", before, { stage: "ACSCurrent", moveToVersionId: "v1", removeFromVersionId: "v1" }, kms), []);
    });

    it("refuses moving an attached stage without naming its holder, and a removeFromVersionId that does not hold it", async function () {
      const before = versions("v1:ACSCurrent v2:ACSPending");
      await expectError(() => planStageMove("db", before, { stage: "ACSCurrent", moveToVersionId: "v2" }, kms), "InvalidInput", {
        property: "removeFromVersionId",
        message: /is on version "v1"; give removeFromVersionId "v1" to move it/,
      });
      await expectError(() => planStageMove("db", before, { stage: "ACSCurrent", moveToVersionId: "v2", removeFromVersionId: "v2" }, local), "InvalidInput", {
        property: "removeFromVersionId",
        message: /stage ACSCurrent of secret "db" is on version "v1", not on "v2"/,
      });
      await expectError(() => planStageMove("db", before, { stage: "ACSPrevious", moveToVersionId: "v2", removeFromVersionId: "v1" }, local), "InvalidInput", {
        message: /is not attached to any version, not on "v1"/,
      });
    });

    it("fails with VersionNotFound for a version the secret does not have, the removeFromVersionId looked up first", async function () {
      const before = versions("v1:ACSCurrent v2:ACSPending");
      await expectError(() => planStageMove("db", before, { stage: "ACSPending", moveToVersionId: "v404", removeFromVersionId: "v2" }, local), "VersionNotFound", {
        message: /has no version "v404"/,
      });
      await expectError(() => planStageMove("db", before, { stage: "ACSPending", moveToVersionId: "v404", removeFromVersionId: "v405" }, kms), "VersionNotFound", {
        message: /has no version "v405"/,
      });
    });

    it("with KMS's rule, gives ACSPrevious to the version ACSCurrent leaves, and takes the rotation's own move of ACSPrevious there as done", function () {
      const rotated = plan("v1:ACSPrevious v2:ACSCurrent v3:ACSPending", { stage: "ACSCurrent", moveToVersionId: "v3", removeFromVersionId: "v2" }, kms);
      assert.equal(rotated, "v1: v2:ACSPrevious v3:ACSCurrent,ACSPending");
      // The finish step names ACSPrevious's old holder; KMS moved it already, so the move is not refused.
      assert.equal(plan(rotated, { stage: "ACSPrevious", moveToVersionId: "v2", removeFromVersionId: "v1" }, kms), rotated);
    });

    it("without it (the local store), ACSPrevious stays where it was and naming a version that does not hold it is refused", async function () {
      const rotated = plan("v1:ACSPrevious v2:ACSCurrent v3:ACSPending", { stage: "ACSCurrent", moveToVersionId: "v3", removeFromVersionId: "v2" }, local);
      assert.equal(rotated, "v1:ACSPrevious v2: v3:ACSCurrent,ACSPending");
      assert.equal(plan(rotated, { stage: "ACSPrevious", moveToVersionId: "v2", removeFromVersionId: "v1" }, local), "v1: v2:ACSPrevious v3:ACSCurrent,ACSPending");
      await expectError(
        () => planStageMove("db", versions("v1: v2:ACSPrevious v3:ACSCurrent"), { stage: "ACSPrevious", moveToVersionId: "v2", removeFromVersionId: "v1" }, local),
        "InvalidInput",
        { property: "removeFromVersionId" },
      );
    });
  });

  describe("moveStage and attachStages (applying what the store accepted)", function () {
    it("a put's stages move to the new version one after another; with KMS's rule the old ACSCurrent is ACSPrevious unless the put takes that too", function () {
      const before = versions("v1:ACSCurrent v2:ACSPending v3:");
      assert.equal(after(before, attachStages(before, "v3", ["ACSCurrent"], local)), "v1: v2:ACSPending v3:ACSCurrent");
      assert.equal(after(before, attachStages(before, "v3", ["ACSCurrent"], kms)), "v1:ACSPrevious v2:ACSPending v3:ACSCurrent");
      assert.equal(after(before, attachStages(before, "v3", ["ACSCurrent", "ACSPrevious"], kms)), "v1: v2:ACSPending v3:ACSCurrent,ACSPrevious");
      assert.equal(after(before, attachStages(before, "v3", ["ACSPending", "ACSCurrent"], local)), "v1: v2: v3:ACSCurrent,ACSPending");
    });

    it("keeps the contract's stages in their canonical order and carries other stages along", function () {
      const before = versions("v1:ACSPending,ACSInternal v2:ACSCurrent");
      assert.equal(after(before, moveStage(before, "ACSCurrent", "v1", "v2", kms)), "v1:ACSCurrent,ACSPending,ACSInternal v2:ACSPrevious");
      assert.equal(after(before, moveStage(before, "ACSPending", undefined, "v1", kms)), "v1:ACSInternal v2:ACSCurrent");
    });

    it("reports only the versions that change, and nothing for a version it does not know", function () {
      const before = versions("v1:ACSCurrent v2:ACSPending v3:");
      assert.deepEqual(
        moveStage(before, "ACSPending", "v3", undefined, local).map((c) => c.versionId),
        ["v2", "v3"],
      );
      assert.deepEqual(moveStage(before, "ACSCurrent", "v9", undefined, kms), []);
      assert.deepEqual(attachStages(before, "v1", ["ACSCurrent"], kms), []);
      assert.equal(holderOf(before, "ACSPending")?.versionId, "v2");
      assert.equal(holderOf(before, "ACSPrevious"), undefined);
    });

    it("requireVersion finds a version by id, or fails with VersionNotFound naming it", async function () {
      const before = versions("v1:ACSCurrent v2:");
      assert.equal(requireVersion("db", before, "v2"), before[1]);
      await expectError(() => requireVersion("db", before, "v3"), "VersionNotFound", { message: /^secret "db" has no version "v3"$/ });
    });
  });
});
