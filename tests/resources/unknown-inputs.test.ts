import { strict as assert } from "node:assert";
import * as ecs from "../../provider/resources/ecs-secret/ecs-secret-handler";
import * as ram from "../../provider/resources/ram-secret/ram-secret-handler";
import { isManagedSecretsError } from "../../provider/core/errors";
import { createTestStore } from "../../testkit/store/test-store";

/**
 * An input the schema does not know is a mistake, never something to drop:
 * `rotationPeriodd: "30d"` passed from JavaScript (or a spread object, or
 * another language's SDK) would otherwise leave automatic rotation off while
 * the program reads as if it were on. check() names it and the nearest
 * known input; create() refuses it before anything is stored.
 */
const FINGERPRINT = `SHA256:${"A".repeat(43)}`;
const ecsInputs = {
  instanceId: "i-unknown1",
  managedUser: "root",
  credentialType: "password",
  initialValue: "Initial-Pw-1",
  connection: { host: "127.0.0.1", port: 22, hostKeyFingerprint: FINGERPRINT },
};
const ramInputs = { userName: "app", initialAccessKeyId: "LTAI0000000000000000", initialAccessKeySecret: "s".repeat(30) };

describe("unknown inputs are refused, naming them and the nearest known input", function () {
  it("EcsSecret: a misspelled top-level input", async () => {
    const { failures } = await ecs.check({}, { ...ecsInputs, rotationPeriodd: "30d" });
    assert.equal(failures?.length, 1);
    assert.equal(failures![0]!.property, "rotationPeriodd");
    assert.match(failures![0]!.reason, /did you mean "rotationPeriod"\?/);
  });

  it("EcsSecret: a misspelled connection field, and one nothing resembles", async () => {
    const { failures } = await ecs.check({}, { ...ecsInputs, connection: { ...ecsInputs.connection, hostKeyFingerprnt: FINGERPRINT }, frobnicate: 1 });
    const byProperty = Object.fromEntries((failures ?? []).map((f) => [f.property, f.reason]));
    assert.match(byProperty["connection.hostKeyFingerprnt"] ?? "", /did you mean "hostKeyFingerprint"\?/);
    assert.match(byProperty.frobnicate ?? "", /is not an input here \(allowed: instanceId, managedUser,/);
    assert.doesNotMatch(byProperty.frobnicate ?? "", /did you mean/);
  });

  it("RamSecret: a misspelled input", async () => {
    const { failures } = await ram.check({}, { ...ramInputs, previousKeyActoin: "delete" });
    assert.deepEqual(
      failures?.map((f) => f.property),
      ["previousKeyActoin"],
    );
    assert.match(failures![0]!.reason, /did you mean "previousKeyAction"\?/);
  });

  it("the engine's own __provider key is not an input and is not refused", async () => {
    assert.deepEqual((await ecs.check({}, { ...ecsInputs, __provider: "exports.handler = ..." })).failures, []);
  });

  it("create refuses it before anything is stored", async () => {
    await using t = await createTestStore();
    await assert.rejects(
      () => ecs.create({ ...ecsInputs, rotationPeriodd: "30d" }, t.context()),
      (e: unknown) => isManagedSecretsError(e, "InvalidInput") && e.details.property === "rotationPeriodd",
    );
    assert.deepEqual(await t.store.listSecrets(), []);
  });
});
