import assert from "node:assert/strict";
import { rotateSecret, ROTATION_LEASE_TTL_MS } from "../../provider/rotation/rotate-secret";
import { MAX_VERSIONS } from "../../provider/store/secret-store";
import { kmsCall } from "../support/emulator-helpers";
import { expectError } from "../support/expect-error";
import { startKmsEmulatorStore, type KmsEmulatorStore } from "../../testkit/store/kms-emulator-store";
import { createTestClock, type TestClock } from "../../testkit/clock/test-clock";
import { FakeTarget } from "../../testkit/rotation/fake-target";

const NAME = "ecs/i-rot/root";
const INITIAL = JSON.stringify({ UserName: "root", Password: "Initial-Pw-1" });

function countBy(items: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of [...items].sort()) out[i] = (out[i] ?? 0) + 1;
  return out;
}

describe("rotation on the kms store (emulator, fake target)", function () {
  let clock: TestClock;
  let kms: KmsEmulatorStore;
  let target: FakeTarget;
  const rotate = () => rotateSecret({ store: kms.store, name: NAME, target, owner: "runner", clock });
  const kmsVersions = async () => {
    const body = await kmsCall(kms.emulator, "ListSecretVersionIds", { SecretName: NAME, IncludeDeprecated: true, PageSize: 100 });
    return (body.VersionIds as { VersionId: { VersionId: string; VersionStages: { VersionStage: string[] } }[] }).VersionId.map((v) => ({
      id: v.VersionId,
      stages: v.VersionStages.VersionStage,
    }));
  };

  beforeEach(async function () {
    clock = createTestClock();
    kms = await startKmsEmulatorStore({ clock });
    target = new FakeTarget(INITIAL);
    await kms.store.createSecret({ name: NAME, description: "", metadata: { kind: "ecs", rotationPeriodSeconds: "2592000" }, versionId: "v1", value: INITIAL });
    clock.advance(60_000);
    kms.calls.length = 0;
  });
  afterEach(async function () {
    await kms.dispose();
  });

  it("makes exactly 13 KMS calls for a first rotation", async function () {
    const outcome = await rotate();
    assert.deepEqual([outcome.versionId, outcome.previousVersionId, outcome.resumed], ["v2", "v1", false]);
    // lease 3 (is the secret live, write the lease table, read its ACSPrevious to check the write was not stale: it
    // built on this store's own last write, the table made with the secret, so it is not read first) + versions 1
    // (the description came with the lease) + current value 1 + pending 2 (the unfinished-rotation marker, then the
    // put) + 3 stage moves + metadata 1 (tags) + release 2 (write the table, check). Everything else (the versions
    // before each move, the values retire needs) is what the store already read or wrote under the lease
    // (kms-session.ts). The companion of the previous release took 12: one call less to take the lease (no check: a
    // companion is written seldom enough for no write to go stale), one more to create it, one less to release it.
    // In KMS's per-second quota groups the table's checks are reads (GetSecretValue, 450/s), not listings or puts
    // (40/s, shared with every put and stage move): those stay at 6, as with the companion.
    assert.deepEqual(countBy(kms.actions()), {
      DescribeSecret: 1,
      GetSecretValue: 3,
      ListSecretVersionIds: 1,
      PutSecretValue: 3,
      TagResource: 2,
      UpdateSecretVersionStage: 3,
    });
    assert.equal(kms.calls.length, 13);
    assert.ok(kms.calls.every((l) => / 200 /.test(l)), kms.calls.join("\n"));
    // What the store remembered is what KMS holds.
    const meta = (await kms.another().describeSecret(NAME))!;
    assert.deepEqual(meta.versions.map((v) => [v.versionId, v.stages]), [
      ["v1", ["ACSPrevious"]],
      ["v2", ["ACSCurrent"]],
    ]);
  });

  it("a second rotation makes exactly 14 KMS calls: retire reads the one older value; another store instance reads the lease table first", async function () {
    await rotate();
    clock.advance(60_000);
    kms.calls.length = 0;
    const outcome = await rotate();
    assert.equal(outcome.versionId, "v3");
    // This target's retire asks for every older value: v1 is the one this lease has not read yet.
    assert.deepEqual(countBy(kms.actions()), {
      DescribeSecret: 1,
      GetSecretValue: 4,
      ListSecretVersionIds: 1,
      PutSecretValue: 3,
      TagResource: 2,
      UpdateSecretVersionStage: 3,
    });
    assert.equal(kms.calls.length, 14);
    // The secret is described once the lease is won, so what the lease's session knows postdates any rotation finished before it.
    assert.deepEqual(kms.actions().slice(0, 3), ["PutSecretValue", "GetSecretValue", "DescribeSecret"], "the lease: built on this store's own last table write, checked by its ACSPrevious");
    // A store that has not written the table lately reads it before its write, and lists the table's versions to
    // check it (what it read could be someone's stale write): two calls more.
    clock.advance(60_000);
    kms.calls.length = 0;
    await rotateSecret({ store: kms.another(), name: NAME, target, owner: "runner-2", clock });
    assert.deepEqual(kms.actions().slice(0, 4), ["GetSecretValue", "PutSecretValue", "ListSecretVersionIds", "DescribeSecret"]);
  });

  it("a first rotation of a secret whose target is bound makes 16 KMS calls, authenticating the target first; the binding is signed for the new version before the target is touched", async function () {
    const name = "ecs/i-bound/root";
    const metadata = { kind: "ecs", instanceId: "i-bound", managedUser: "root", host: "127.0.0.1", port: "22", hostKeyFingerprint: "SHA256:bound" };
    await kms.store.createSecret({ name, description: "", metadata, versionId: "v1", value: INITIAL });
    kms.calls.length = 0;
    const order: string[] = [];
    const bound = new FakeTarget(INITIAL);
    const apply = bound.apply.bind(bound);
    Object.assign(bound, {
      // As targetFromMetadata does: nothing reaches the target before the store vouched for where it is.
      ready: async () => void (await kms.store.authenticateTarget(name, metadata), order.push("authenticated")),
      apply: async (current: string, pending: string) => void (order.push(`apply after ${kms.actions().join(",")}`), await apply(current, pending)),
    });
    const outcome = await rotateSecret({ store: kms.store, name, target: bound, owner: "runner", clock });
    assert.equal(outcome.versionId, "v2");
    assert.deepEqual(order.map((o) => o.replace(/ after .*/, "")), ["authenticated", "apply"]);
    // The 13 of an unbound secret, plus: the binding key's public key (read once per store; its versions were listed
    // when create signed), the signature for v2, and that binding's tag, written with the pending version.
    assert.equal(kms.calls.length, 16, kms.calls.join("\n"));
    assert.deepEqual(countBy(kms.actions()), {
      AsymmetricSign: 1,
      DescribeSecret: 1,
      GetPublicKey: 1,
      GetSecretValue: 3,
      ListSecretVersionIds: 1,
      PutSecretValue: 3,
      TagResource: 3,
      UpdateSecretVersionStage: 3,
    });
    // Signed before anything is written, tagged right after the pending put: all before apply, so a rotator that
    // may not sign never leaves a host holding a value ACSCurrent does not.
    const beforeApply = order[1]!.replace(/^apply after /, "").split(",");
    assert.deepEqual(
      beforeApply.filter((a) => ["AsymmetricSign", "TagResource", "PutSecretValue", "UpdateSecretVersionStage"].includes(a)),
      ["PutSecretValue", "AsymmetricSign", "TagResource", "PutSecretValue", "TagResource"],
      "the lease table's write, then signed, the unfinished-rotation marker, the pending put, the binding's tag for v2; no stage moved yet",
    );
    const fresh = kms.another();
    await fresh.authenticateTarget(name, metadata);
    await expectError(fresh.authenticateTarget(name, { ...metadata, host: "127.0.0.99" }), "TargetUnverified");
    const described = await kmsCall(kms.emulator, "DescribeSecret", { SecretName: name, FetchTags: true });
    const tags = (described.Tags as { Tag: { TagKey: string; TagValue: string }[] }).Tag;
    assert.match(tags.find((t) => t.TagKey === "managed-secrets:binding")!.TagValue, /:v2$/);
  });

  for (const nth of [1, 2, 3]) {
    it(`a failure at UpdateSecretVersionStage #${nth}, after PutSecretValue, leaves a working credential; a re-run completes the same version`, async function () {
      kms.emulator.control.injectFault({ action: "UpdateSecretVersionStage", nth, times: 5, code: "InternalFailure", httpStatus: 500, message: "injected" });
      await expectError(rotate(), "CloudUnavailable", { message: /\(KMS UpdateSecretVersionStage: InternalFailure, request id / });

      const meta = (await kms.store.describeSecret(NAME))!;
      const current = await kms.store.getValue(NAME);
      const pending = await kms.store.getValue(NAME, { stage: "ACSPending" });
      assert.equal(pending.versionId, "v2");
      assert.equal(target.accepted.has(current.value) || target.accepted.has(pending.value), true, "ACSCurrent or ACSPending works on the target");
      assert.deepEqual(meta.versions.map((v) => v.versionId), ["v1", "v2"]);
      assert.equal(await kms.another().acquireLease(NAME, "other", 1000), true, "the failed rotation released its lease");
      await kms.another().releaseLease(NAME, "other");

      const again = await rotate();
      assert.deepEqual([again.versionId, again.resumed], ["v2", true]);
      const after = (await kms.store.describeSecret(NAME))!;
      assert.deepEqual(after.versions.map((v) => [v.versionId, v.stages]), [
        ["v1", ["ACSPrevious"]],
        ["v2", ["ACSCurrent"]],
      ]);
      assert.equal((await kms.store.getValue(NAME, { stage: "ACSPrevious" })).value, INITIAL);
      assert.equal((await kms.store.getValue(NAME)).value, pending.value);
      assert.deepEqual([...target.accepted], [pending.value], "retire ran: only the new value works");
    });
  }

  it("25 failed rotations in a row, with KMS rolling out the earliest version whatever its stage: ACSCurrent is still readable and still works", async function () {
    // A host that takes the new value but never lets it log in: every test step fails, the pending version is kept.
    target.apply = async () => undefined;
    for (let i = 1; i <= 25; i++) {
      clock.advance(60_000);
      await expectError(rotate(), "RotationTestFailed");
    }
    const current = await kms.store.getValue(NAME);
    assert.deepEqual([current.versionId, current.value], ["v1", INITIAL]);
    assert.equal(await target.accepts(current.value), true, "the current credential still logs in");
    assert.equal((await kms.store.getValue(NAME, { stage: "ACSPending" })).versionId, "v2", "one pending version, reused by every run");
    assert.ok((await kmsVersions()).length <= MAX_VERSIONS);
  });

  it("a rotator killed while holding the lease blocks others until the lease expires, then the next run resumes", async function () {
    await kms.store.acquireLease(NAME, "dead-runner", ROTATION_LEASE_TTL_MS);
    await kms.store.putValue(NAME, { versionId: "v2", value: await target.generate(), stages: ["ACSPending"] });
    const other = kms.another();
    await expectError(rotateSecret({ store: other, name: NAME, target, owner: "runner-2", clock }), "LeaseHeld");
    clock.advance(ROTATION_LEASE_TTL_MS + 1000);
    const outcome = await rotateSecret({ store: other, name: NAME, target, owner: "runner-2", clock });
    assert.deepEqual([outcome.versionId, outcome.resumed], ["v2", true]);
  });

  it(`stays within KMS's ${MAX_VERSIONS} versions over many rotations and never loses a staged version`, async function () {
    const values: string[] = [INITIAL];
    for (let i = 2; i <= 14; i++) {
      clock.advance(60_000);
      const outcome = await rotate();
      assert.equal(outcome.versionId, `v${i}`);
      values.push((await kms.store.getValue(NAME)).value);
      const versions = await kmsVersions();
      assert.ok(versions.length <= MAX_VERSIONS, `${versions.length} versions after rotation ${i}`);
      const staged = Object.fromEntries(versions.flatMap((v) => v.stages.map((s) => [s, v.id])));
      assert.deepEqual(staged, { ACSCurrent: `v${i}`, ACSPrevious: `v${i - 1}` });
      assert.ok(versions.every((v) => /^v\d+$/.test(v.id)), "leases live in the lease table, not among the values");
      assert.equal((await kms.store.getValue(NAME, { stage: "ACSPrevious" })).value, values[i - 2]);
    }
    // Each rotation adds one value version; KMS rolled out the earliest ones.
    const meta = (await kms.store.describeSecret(NAME))!;
    assert.deepEqual(meta.versions.slice(-2).map((v) => [v.versionId, v.stages]), [
      ["v13", ["ACSPrevious"]],
      ["v14", ["ACSCurrent"]],
    ]);
    assert.equal(target.accepted.size, 1);
  });
});
