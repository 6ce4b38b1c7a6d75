import { strict as assert } from "node:assert";
import { runOnce, countOutcomes } from "../../provider/runner/run-once";
import { META } from "../../provider/schedule/rotation-metadata";
import { KMS_PAGE_SIZE } from "../../provider/store/kms/kms-listing";
import { NO_RETRY } from "../../provider/core/retry";
import type { KmsSecretStore } from "../../provider/store/kms/kms-store";
import { kmsCall } from "../support/emulator-helpers";
import { FakeTarget } from "../../testkit/rotation/fake-target";
import { startKmsEmulatorStore, type KmsEmulatorStore } from "../../testkit/store/kms-emulator-store";
import { createTestClock, type TestClock } from "../../testkit/clock/test-clock";

const DAY_MS = 86_400_000;
const noRetry = { attempts: 1, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => {} };

const valueOf = (name: string) => JSON.stringify({ UserName: "root", Password: `Initial-${name.replace(/\W/g, "-")}` });

/** `due` secrets past their rotation time, `later` ones ten days before it. */
async function seed(store: KmsSecretStore, clock: TestClock, due: number, later: number): Promise<Map<string, FakeTarget>> {
  const targets = new Map<string, FakeTarget>();
  const make = async (name: string, next: number) => {
    const value = valueOf(name);
    targets.set(name, new FakeTarget(value));
    await store.createSecret({
      name,
      description: "",
      metadata: { kind: "ecs", [META.rotationPeriodSeconds]: "86400", [META.nextRotationAt]: new Date(next).toISOString() },
      versionId: "v1",
      value,
    });
  };
  for (let i = 0; i < due; i++) await make(`fleet/due-${String(i).padStart(4, "0")}`, clock.ms() - DAY_MS);
  for (let i = 0; i < later; i++) await make(`fleet/later-${String(i).padStart(4, "0")}`, clock.ms() + 10 * DAY_MS);
  return targets;
}

describe("the runner over a kms-store fleet (emulator, fake targets)", function () {
  this.timeout(120_000);
  let clock: TestClock;
  let kms: KmsEmulatorStore;
  /** The emulator's QPS window moves only when the runner or the store waits: throttling without waiting. */
  let rateNow: number;
  const advance = async (ms: number) => {
    rateNow += ms;
  };

  beforeEach(async function () {
    clock = createTestClock();
    rateNow = 0;
    kms = await startKmsEmulatorStore({ clock, emulator: { rateClock: () => rateNow } });
  });
  afterEach(async function () {
    await kms.dispose();
  });

  it(`a pass with nothing due reads the schedules in ceil(N / ${KMS_PAGE_SIZE}) ListSecrets calls and nothing else`, async function () {
    const targets = await seed(kms.store, clock, 0, 250);
    kms.calls.length = 0;
    const store = kms.another();
    const report = await runOnce({ store, clock, owner: "runner", targetFor: (m) => targets.get(m.name)!, retry: noRetry });
    assert.equal(countOutcomes(report).skipped, 250);
    assert.deepEqual(kms.actions(), ["ListSecrets", "ListSecrets", "ListSecrets"]);
    assert.ok(kms.calls.every((l) => / 200 /.test(l)));
  });

  it("an interrupted rotation is due whatever its schedule: the listing alone shows it", async function () {
    const targets = await seed(kms.store, clock, 0, 3);
    const name = "fleet/later-0001";
    // A rotate-now that stopped after its pending version was stored (before apply).
    assert.equal(await kms.store.acquireLease(name, "crashed", 1000), true);
    await kms.store.putValue(name, { versionId: "v2", value: await targets.get(name)!.generate(), stages: ["ACSPending"] });
    clock.advance(2000);
    kms.calls.length = 0;
    const report = await runOnce({ store: kms.another(), clock, owner: "runner", targetFor: (m) => targets.get(m.name)!, retry: noRetry });
    assert.deepEqual(
      report.outcomes.filter((o) => o.status !== "skipped").map((o) => [o.name, o.status, o.versionId]),
      [[name, "rotated", "v2"]],
    );
    assert.equal(kms.actions().filter((a) => a === "ListSecrets").length, 1);
    const listed = await kms.another().listSecrets({ detail: "schedule" });
    assert.ok(listed.every((m) => m.versions.length === 0), "finish cleared the marker");
  });

  it("adapts its concurrency to KMS throttling: a pass over 40 due secrets fails none, and the emulator refused calls", async function () {
    const targets = await seed(kms.store, clock, 40, 10);
    kms.emulator.control.setKmsQps({ secretCreateDelete: 3, secretLowFrequency: 12, tagWrite: 6, secretRead: 30 });
    kms.calls.length = 0;
    // No store-level retries: every refusal reaches the runner's pool.
    const store = kms.another({ retry: { ...NO_RETRY, sleep: advance } });
    const report = await runOnce({
      store,
      clock,
      owner: "runner",
      targetFor: (m) => targets.get(m.name)!,
      retry: noRetry,
      concurrency: 8,
      throttling: { sleep: advance },
    });
    const counts = countOutcomes(report);
    assert.equal(counts.failed, 0, JSON.stringify(report.outcomes.filter((o) => o.status === "failed")));
    const throttled = kms.calls.filter((l) => / 429 Rejected\.Throttling /.test(l)).length;
    assert.ok(throttled > 0, "the emulator throttled some calls");
    assert.ok(report.throttling!.throttled > 0 && report.throttling!.lowestConcurrency < 8, JSON.stringify(report.throttling));
    kms.emulator.control.setKmsQps(undefined);
    // Every due secret has its new value current, whether this pass saw its finish answered or found it done on a retry.
    for (const [name] of [...targets].filter(([n]) => n.includes("/due-"))) {
      const meta = (await kms.another().describeSecret(name))!;
      assert.equal(meta.versions.find((v) => v.stages.includes("ACSCurrent"))?.versionId, "v2", name);
    }
    assert.equal(counts.rotated + counts.skipped, 50);
  });

  it("reports a damaged secret (unreadable metadata, a value in the wrong shape) and rotates the others", async function () {
    const targets = await seed(kms.store, clock, 3, 0);
    // Metadata whose continuation part is missing: the tag says two parts, one is there.
    await kmsCall(kms.emulator, "TagResource", {
      SecretName: "fleet/due-0000",
      Tags: JSON.stringify([{ TagKey: "managed-secrets/note", TagValue: "b64.2:aGVsbG8=" }]),
    });
    // A value that is not what an ECS secret holds.
    await kms.store.createSecret({
      name: "fleet/due-wrong-shape",
      description: "",
      metadata: { kind: "ecs", [META.rotationPeriodSeconds]: "86400", [META.nextRotationAt]: new Date(clock.ms() - DAY_MS).toISOString() },
      versionId: "v1",
      value: "not json",
    });
    targets.set("fleet/due-wrong-shape", new FakeTarget("not json"));

    const report = await runOnce({ store: kms.another(), clock, owner: "runner", targetFor: (m) => targets.get(m.name)!, retry: noRetry });
    const by = Object.fromEntries(report.outcomes.map((o) => [o.name, o]));
    assert.equal(by["fleet/due-0000"]?.status, "failed");
    assert.match(by["fleet/due-0000"]!.reason, /^StoreUnreadable: the KMS tag managed-secrets\/note of secret "fleet\/due-0000" is damaged/);
    assert.equal(by["fleet/due-wrong-shape"]?.status, "failed");
    assert.match(by["fleet/due-wrong-shape"]!.reason, /^StoreUnreadable: a stored ECS secret value is not JSON/);
    assert.deepEqual([by["fleet/due-0001"]?.status, by["fleet/due-0002"]?.status], ["rotated", "rotated"]);
    assert.ok(!by["fleet/due-wrong-shape"]!.reason.includes("not json"), "the value itself is never in the report");
  });
});
