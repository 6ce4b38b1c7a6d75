import assert from "node:assert/strict";
import { rotateSecret } from "../../provider/rotation/rotate-secret";
import { LOW_CAPACITY_FRACTION, lowCapacityWarning } from "../../provider/store/store-capacity";
import { kmsCall } from "../support/emulator-helpers";
import { expectError } from "../support/expect-error";
import { startKmsEmulatorStore, type KmsEmulatorStore } from "../../testkit/store/kms-emulator-store";
import { createTestClock, type TestClock } from "../../testkit/clock/test-clock";
import { FakeTarget } from "../../testkit/rotation/fake-target";

/**
 * Issue 26 item 4: a KMS 3.0 instance's secret quota shows at create, not at
 * the first 3 a.m. rotation. A create reads the quota (GetKmsInstanceQuotaInfos),
 * refuses what does not fit before anything is created, makes the lease table
 * with the store's first secret, and warns when fewer than 10% remain.
 */

const INSTANCE = "kst-hzz65f176a0quota1234";
const value = (i: number | string) => JSON.stringify({ UserName: "root", Password: `Quota-Pw-${i}` });

describe("a KMS instance's secret quota (emulator, real signing)", function () {
  let clock: TestClock;
  let kms: KmsEmulatorStore;
  let warnings: string[];
  const start = async (secretQuota: number) => {
    clock = createTestClock();
    warnings = [];
    kms = await startKmsEmulatorStore({ clock, emulator: { kmsInstances: [{ instanceId: INSTANCE, secretQuota }] }, dkmsInstanceId: INSTANCE, warn: (m) => void warnings.push(m) });
  };
  const create = (name: string) => kms.store.createSecret({ name, description: "", metadata: { kind: "ecs" }, versionId: "v1", value: value(name) });
  const secretsInKms = async () => ((await kmsCall(kms.emulator, "ListSecrets", { PageSize: 100 })).SecretList as { Secret: { SecretName: string }[] }).Secret.map((s) => s.SecretName).sort();

  afterEach(async function () {
    await kms?.dispose();
  });

  it("an instance with room for one secret only: the first create fails naming the instance and its quota, and nothing is created", async function () {
    await start(1);
    await expectError(create("ecs/i-1/root"), "CloudRejected", {
      property: "managed-secrets:dkmsInstanceId",
      message: new RegExp(`^KMS instance ${INSTANCE} is full: it holds 0 of its 1 secrets \\(its secret quota\\); secret "ecs/i-1/root" and the store's lease table need 2 more, so nothing was created\\. Delete secrets .*raise its secret quota`),
    });
    assert.deepEqual(await secretsInKms(), []);
  });

  it("with room for two, the secret and the lease table fit and it rotates; the next create fails before anything is created", async function () {
    await start(2);
    await create("ecs/i-1/root");
    assert.deepEqual(await secretsInKms(), ["ecs/i-1/root", "managed-secrets-leases"]);
    clock.advance(60_000);
    const outcome = await rotateSecret({ store: kms.store, name: "ecs/i-1/root", target: new FakeTarget(value("ecs/i-1/root")), owner: "runner", clock });
    assert.equal(outcome.versionId, "v2", "a rotation needs no new secret");
    kms.calls.length = 0;
    await expectError(create("ecs/i-2/root"), "CloudRejected", {
      message: new RegExp(`^KMS instance ${INSTANCE} is full: it holds 2 of its 2 secrets \\(its secret quota\\); secret "ecs/i-2/root" needs one more, so nothing was created`),
    });
    assert.ok(!kms.actions().includes("CreateSecret"), kms.actions().join(" "));
    assert.deepEqual(await secretsInKms(), ["ecs/i-1/root", "managed-secrets-leases"]);
    assert.deepEqual(await kms.store.capacity(), { where: `KMS instance ${INSTANCE}`, property: "managed-secrets:dkmsInstanceId", limit: 2, used: 2 });
  });

  it("a CreateSecret KMS refuses for the quota anyway (another creator got there first) says the same, with KMS's code", async function () {
    await start(10);
    await create("ecs/i-1/root");
    kms.emulator.control.injectFault({ action: "CreateSecret", code: "Rejected.LimitExceeded", httpStatus: 400, message: "The secret quota is exceeded." });
    await expectError(create("ecs/i-2/root"), "CloudRejected", {
      message: new RegExp(`^KMS instance ${INSTANCE} is full: it holds 2 of its 10 secrets .*\\(KMS CreateSecret: Rejected\\.LimitExceeded, request id `),
    });
    assert.deepEqual(await secretsInKms(), ["ecs/i-1/root", "managed-secrets-leases"]);
  });

  it(`warns at create once fewer than ${LOW_CAPACITY_FRACTION * 100}% of the quota remain, and not before`, async function () {
    await start(20);
    for (let i = 1; i <= 17; i++) await create(`ecs/i-${i}/root`);
    assert.deepEqual(warnings, [], "18 of 20 used: 2 left is 10%, not under it");
    await create("ecs/i-18/root");
    assert.deepEqual(warnings, [
      `KMS instance ${INSTANCE} holds 19 of its 20 secrets (1 left, under 10%): raise its secret quota or delete secrets it no longer needs before a create fails (managed-secrets:dkmsInstanceId)`,
    ]);
    assert.equal(lowCapacityWarning({ where: "x", property: "p", limit: 1000, used: 900 }), undefined);
    assert.match(lowCapacityWarning({ where: "x", property: "p", limit: 1000, used: 901 }) ?? "", /99 left, under 10%/);
  });

  it("a store without a KMS instance reports no capacity and makes no quota call", async function () {
    clock = createTestClock();
    kms = await startKmsEmulatorStore({ clock });
    await kms.store.createSecret({ name: "ecs/i-1/root", description: "", metadata: {}, versionId: "v1", value: value(1) });
    assert.equal(await kms.store.capacity(), undefined);
    assert.ok(!kms.actions().includes("GetKmsInstanceQuotaInfos"));
  });
});
