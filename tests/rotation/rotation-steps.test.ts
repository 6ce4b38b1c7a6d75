import { strict as assert } from "node:assert";
import { rotateSecret, type RotationStep } from "../../provider/rotation/rotate-secret";
import type { SecretChange, SecretStore, UpdateStageInput } from "../../provider/store/secret-store";
import { isManagedSecretsError } from "../../provider/core/errors";
import { BACKENDS, createTestStore, type TestStore } from "../../testkit/store/test-store";
import { FakeTarget } from "../../testkit/rotation/fake-target";

/**
 * Each named step of the protocol first asks "already done?": these put a
 * real store in the state a crash after each step leaves, and check that a
 * re-run skips exactly what was done, with exactly the store calls that
 * remain. The store is real; the target is the fake one, since the protocol,
 * not a host, is under test here (the crash suites do it with real hosts).
 */

const NAME = "ecs/i-steps/root";
const INITIAL = JSON.stringify({ UserName: "root", Password: "Initial-Pw-1" });
const PENDING = JSON.stringify({ UserName: "root", Password: "Pending-Pw-2" });

/** A FakeTarget that says which of its methods the protocol called, in order. */
class CallingTarget extends FakeTarget {
  readonly calls: string[] = [];
  /** Set: the test step finds the value rejected (a host that has not taken it yet). */
  rejectTests = false;
  override async accepts(value: string) {
    this.calls.push("accepts");
    return super.accepts(value);
  }
  override async apply(current: string, pending: string) {
    this.calls.push("apply");
    return super.apply(current, pending);
  }
  override async test(value: string) {
    this.calls.push("test");
    return this.rejectTests ? undefined : super.test(value);
  }
  override async retire(current: string, versionId: string, older: () => Promise<readonly string[]>) {
    this.calls.push("retire");
    return super.retire(current, versionId, older);
  }
  override async generate() {
    this.calls.push("generate");
    return super.generate();
  }
}

const stageMove = (s: UpdateStageInput) => `updateVersionStage ${s.stage} ${s.removeFromVersionId ?? "-"}->${s.moveToVersionId ?? "-"}`;

/** The real store, saying which calls the protocol made (the stage moves in full; changes made in one write joined by " + "). */
function recording(store: SecretStore): { store: SecretStore; calls: string[] } {
  const calls: string[] = [];
  const recorded = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const [, second] = args;
        if (prop === "updateVersionStage") {
          calls.push(stageMove(second as UpdateStageInput));
        } else if (prop === "updateAtOnce") {
          calls.push((second as SecretChange[]).map((c) => ("stage" in c ? stageMove(c.stage) : "updateSecret")).join(" + "));
        } else if (prop === "getValue") {
          calls.push(`getValue ${(second as { versionId?: string } | undefined)?.versionId ?? "ACSCurrent"}`);
        } else if (prop === "putValue") {
          const p = second as { versionId: string; stages: string[] };
          calls.push(`putValue ${p.versionId} ${p.stages.join(",")}`);
        } else {
          calls.push(String(prop));
        }
        return value.apply(target, args);
      };
    },
  });
  return { store: recorded, calls };
}

/** The stage moves among `calls`, whether made one by one or in one write. */
const stageMoves = (calls: readonly string[]) => calls.flatMap((c) => c.split(" + ")).filter((c) => c.startsWith("updateVersionStage"));

/** The finish step's store calls: one write where the store can make it (the local store), else one call each (KMS). */
const finishCalls = (store: SecretStore, calls: readonly string[]) => (store.updateAtOnce !== undefined ? [calls.join(" + ")] : [...calls]);

const stagesOf = async (store: SecretStore) =>
  Object.fromEntries((await store.describeSecret(NAME))!.versions.filter((v) => v.stages.length > 0).map((v) => [v.versionId, [...v.stages].sort()]));

for (const backend of BACKENDS) {
  describe(`rotation steps: each asks "already done?" first (fake target) [${backend} store]`, function () {
    let t: TestStore;
    let target: CallingTarget;

    beforeEach(async () => {
      t = await createTestStore({ backend });
      await t.store.createSecret({ name: NAME, description: "", metadata: { kind: "ecs" }, versionId: "v1", value: INITIAL });
      target = new CallingTarget(INITIAL);
      t.clock.advance(60_000);
    });
    afterEach(async () => t[Symbol.asyncDispose]());

    const rotate = (store: SecretStore, afterStep?: (step: RotationStep) => void) =>
      rotateSecret({ store, name: NAME, target, owner: "steps-test", clock: t.clock, ...(afterStep ? { afterStep } : {}) });

    it("nothing done yet: every step runs, the new value is never probed before apply, and the store sees exactly these calls", async () => {
      const { store, calls } = recording(t.store);
      const outcome = await rotate(store);
      assert.deepEqual([outcome.versionId, outcome.previousVersionId, outcome.resumed, outcome.skipped], ["v2", "v1", false, []]);
      assert.deepEqual(target.calls, ["generate", "apply", "test", "retire"]);
      assert.deepEqual(calls, [
        "acquireLease",
        "describeSecret",
        "getValue v1",
        "putValue v2 ACSPending",
        ...finishCalls(t.store, ["updateVersionStage ACSPrevious -->v1", "updateVersionStage ACSCurrent v1->v2", "updateSecret", "updateVersionStage ACSPending v2->-"]),
        "describeSecret",
        "getValue v1",
        "releaseLease",
      ]);
      assert.deepEqual(await stagesOf(t.store), { v1: ["ACSPrevious"], v2: ["ACSCurrent"] });
    });

    it("createPending done (an ACSPending version is stored): it is reused, nothing is generated or put", async () => {
      await t.store.putValue(NAME, { versionId: "v2", value: PENDING, stages: ["ACSPending"] });
      const { store, calls } = recording(t.store);
      const outcome = await rotate(store);
      assert.deepEqual([outcome.versionId, outcome.resumed, outcome.skipped], ["v2", true, ["createPending"]]);
      assert.deepEqual(target.calls, ["accepts", "apply", "test", "retire"], "the pending value is probed, found not applied, and applied");
      assert.ok(!calls.some((c) => c.startsWith("putValue")), calls.join("; "));
      assert.deepEqual(calls.slice(0, 4), ["acquireLease", "describeSecret", "getValue v1", "getValue v2"]);
      assert.equal((await t.store.getValue(NAME)).value, PENDING, "the stored pending value became current, not a new one");
    });

    it("apply done (the target already takes the pending value): apply is skipped", async () => {
      await t.store.putValue(NAME, { versionId: "v2", value: PENDING, stages: ["ACSPending"] });
      target.accepted.add(PENDING);
      const outcome = await rotate(t.store);
      assert.deepEqual([outcome.versionId, outcome.resumed, outcome.skipped], ["v2", true, ["createPending", "apply"]]);
      assert.deepEqual(target.calls, ["accepts", "test", "retire"]);
      assert.deepEqual(await stagesOf(t.store), { v1: ["ACSPrevious"], v2: ["ACSCurrent"] });
    });

    it("test has no 'already done': a failed test leaves the version ACSPending, and the re-run tests afresh and completes it", async () => {
      const { store, calls } = recording(t.store);
      target.rejectTests = true;
      await assert.rejects(rotate(store), (e: unknown) => isManagedSecretsError(e, "RotationTestFailed"));
      target.rejectTests = false;
      assert.deepEqual(stageMoves(calls), [], "nothing moved before a test passed");
      assert.deepEqual(await stagesOf(t.store), { v1: ["ACSCurrent"], v2: ["ACSPending"] });
      target.calls.length = 0;
      const outcome = await rotate(t.store);
      assert.deepEqual([outcome.versionId, outcome.skipped], ["v2", ["createPending", "apply"]]);
      assert.deepEqual(target.calls, ["accepts", "test", "retire"]);
    });

    it("finish half done (old current already ACSPrevious): that move is not made again", async () => {
      await t.store.putValue(NAME, { versionId: "v2", value: PENDING, stages: ["ACSPending"] });
      await t.store.updateVersionStage(NAME, { stage: "ACSPrevious", moveToVersionId: "v1" });
      target.accepted.add(PENDING);
      const { store, calls } = recording(t.store);
      const outcome = await rotate(store);
      assert.deepEqual([outcome.versionId, outcome.previousVersionId, outcome.skipped], ["v2", "v1", ["createPending", "apply"]]);
      assert.deepEqual(stageMoves(calls), ["updateVersionStage ACSCurrent v1->v2", "updateVersionStage ACSPending v2->-"]);
      assert.deepEqual(await stagesOf(t.store), { v1: ["ACSPrevious"], v2: ["ACSCurrent"] });
    });

    it("finish done but for ACSPending (the pending version is already ACSCurrent): apply is skipped unprobed and only ACSPending is dropped", async () => {
      await t.store.putValue(NAME, { versionId: "v2", value: PENDING, stages: ["ACSPending"] });
      await t.store.updateVersionStage(NAME, { stage: "ACSPrevious", moveToVersionId: "v1" });
      await t.store.updateVersionStage(NAME, { stage: "ACSCurrent", moveToVersionId: "v2", removeFromVersionId: "v1" });
      target.accepted.add(PENDING);
      const { store, calls } = recording(t.store);
      const outcome = await rotate(store);
      assert.deepEqual([outcome.versionId, outcome.previousVersionId, outcome.resumed, outcome.skipped], ["v2", "v1", true, ["createPending", "apply"]]);
      assert.deepEqual(target.calls, ["test", "retire"], "no probe: being ACSCurrent already says it was applied");
      assert.deepEqual(stageMoves(calls), ["updateVersionStage ACSPending v2->-"]);
      assert.deepEqual(await stagesOf(t.store), { v1: ["ACSPrevious"], v2: ["ACSCurrent"] });
    });

    it("a crash at finish's metadata write: the re-run finishes the same version and records it, nothing rotates twice", async () => {
      let crash = true;
      // The write that carries the metadata: its own call (after the stage moves), or the one write of the whole finish.
      const write = t.store.updateAtOnce !== undefined ? "updateAtOnce" : "updateSecret";
      const crashing = new Proxy(t.store, {
        get(target, prop, receiver) {
          const value = Reflect.get(target, prop, receiver);
          if (prop !== write || typeof value !== "function") return typeof value === "function" ? value.bind(target) : value;
          return async (...args: unknown[]) => {
            if (crash) {
              crash = false;
              throw new Error("crash at the finish metadata write");
            }
            return value.apply(target, args);
          };
        },
      });
      await assert.rejects(rotate(crashing), /crash at the finish metadata write/);
      assert.deepEqual(
        await stagesOf(t.store),
        write === "updateAtOnce" ? { v1: ["ACSCurrent"], v2: ["ACSPending"] } : { v1: ["ACSPrevious"], v2: ["ACSCurrent", "ACSPending"] },
        "the rotation is still marked unfinished (in one write: none of finish landed)",
      );
      target.calls.length = 0;
      const outcome = await rotate(t.store);
      assert.deepEqual([outcome.versionId, outcome.previousVersionId, outcome.resumed], ["v2", "v1", true]);
      assert.ok(!target.calls.includes("generate"), "no second value");
      assert.deepEqual(await stagesOf(t.store), { v1: ["ACSPrevious"], v2: ["ACSCurrent"] });
      assert.ok((await t.store.describeSecret(NAME))!.metadata.lastRotatedAt, "the finished rotation is recorded");
    });

    it("a crash after each step, then a re-run: the same version completes, skipping what was done", async () => {
      const expected: Record<RotationStep, readonly RotationStep[]> = {
        createPending: ["createPending"],
        apply: ["createPending", "apply"],
        test: ["createPending", "apply"],
        finish: [],
        retire: [],
      };
      for (const step of Object.keys(expected) as RotationStep[]) {
        const before = (await t.store.getValue(NAME)).versionId;
        await assert.rejects(
          rotate(t.store, (s) => {
            if (s === step) throw new Error(`crash after ${s}`);
          }),
          /crash after/,
        );
        const outcome = await rotate(t.store);
        const finished = step === "finish" || step === "retire";
        assert.deepEqual([step, outcome.skipped, outcome.resumed], [step, expected[step], !finished], `re-run after ${step}`);
        if (!finished) assert.equal(outcome.previousVersionId, before, `after ${step}, the same rotation completes`);
        assert.ok(target.accepted.has((await t.store.getValue(NAME)).value), `after ${step}, ACSCurrent works`);
      }
    });
  });
}
