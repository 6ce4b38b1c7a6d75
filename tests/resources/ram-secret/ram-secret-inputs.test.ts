import { strict as assert } from "node:assert";
import * as ram from "../../../provider/resources/ram-secret/ram-secret-handler";
import { createTestStore } from "../../../testkit/store/test-store";
import { expectError } from "../../support/expect-error";

const SECRET = "Adopted-Secret-Value-0123456789";

const valid = {
  userName: "app-user",
  initialAccessKeyId: "LTAI5tAbCdEfGhIjKlMnOpQr",
  initialAccessKeySecret: SECRET,
};

const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
  ["missing userName", { userName: undefined }, "userName", /must be a RAM user name/],
  ["userName with a space", { userName: "app user" }, "userName", /letters, digits, periods, hyphens or underscores/],
  ["userName of 65 characters", { userName: "u".repeat(65) }, "userName", /1\.\.64/],
  ["secret name reserved by KMS", { secretName: "acs/ram/app" }, "secretName", /must not start with acs\//],
  ["missing initialAccessKeyId", { initialAccessKeyId: undefined }, "initialAccessKeyId", /the id of an AccessKey the user has today/],
  ["initialAccessKeyId with a dot (an STS id)", { initialAccessKeyId: "STS.NUgYrLnoC37mZZCNnAbez2ddd" }, "initialAccessKeyId", /16\.\.128 letters and digits/],
  ["missing initialAccessKeySecret", { initialAccessKeySecret: undefined }, "initialAccessKeySecret", /the secret of initialAccessKeyId/],
  ["initialAccessKeySecret with a line break", { initialAccessKeySecret: `${SECRET}\nx` }, "initialAccessKeySecret", /printable characters, no spaces/],
  ["rotationPeriod 5h", { rotationPeriod: "5h" }, "rotationPeriod", /between 6h and 8760h/],
  ["rotationPeriod 1y", { rotationPeriod: "1y" }, "rotationPeriod", /unit d, h, m or s/],
  ["rotationTrigger object", { rotationTrigger: { at: 1 } }, "rotationTrigger", /a string or a number/],
  ["previousKeyAction", { previousKeyAction: "disable" }, "previousKeyAction", /"keep" .*"deactivate" or "delete"/],
  ["recoveryWindowDays 6", { recoveryWindowDays: 6 }, "recoveryWindowDays", /integer 7\.\.30/],
  ["recoveryWindowDays 31", { recoveryWindowDays: 31 }, "recoveryWindowDays", /integer 7\.\.30/],
  ["forceDeleteWithoutRecovery as text", { forceDeleteWithoutRecovery: "yes" }, "forceDeleteWithoutRecovery", /true or false/],
  ["description too long", { description: "d".repeat(1025) }, "description", /at most 1024/],
];

describe("RamSecret input validation", () => {
  for (const [label, patch, property, reason] of cases) {
    it(`check names ${property} and what is allowed: ${label}`, async () => {
      const result = await ram.check({}, { ...valid, ...patch });
      const failure = result.failures?.find((f) => f.property === property);
      assert.ok(failure, `expected a failure for ${property}, got ${JSON.stringify(result.failures)}`);
      assert.match(failure.reason, reason);
    });
  }

  it("check accepts a valid declaration and passes the inputs through unchanged", async () => {
    const news = { ...valid, rotationPeriod: "604800s", previousKeyAction: "deactivate", rotationTrigger: 3, __provider: "serialized" };
    assert.deepEqual(await ram.check({}, news), { inputs: news, failures: [] });
  });

  it("failure reasons never echo the offending value", async () => {
    const leaky = `${SECRET} with spaces`;
    const result = await ram.check({}, { ...valid, initialAccessKeySecret: leaky, initialAccessKeyId: leaky, userName: leaky });
    assert.equal(result.failures?.length, 3);
    for (const f of result.failures!) assert.ok(!f.reason.includes(SECRET), f.reason);
  });

  it("create refuses a bad input before asking for cloud settings or touching the store", async () => {
    await using t = await createTestStore();
    let cloudAsked = false;
    const ctx = { ...t.context(), cloud: () => ((cloudAsked = true), { regionId: "cn-hangzhou", protocol: "https" as const }) };
    const e = await expectError(ram.create({ ...valid, initialAccessKeySecret: "short" }, ctx), "InvalidInput", { property: "initialAccessKeySecret" });
    assert.ok(!e.message.includes("short"));
    assert.equal(cloudAsked, false);
    assert.deepEqual(await t.store.listSecrets({ includePendingDeletion: true }), []);
  });

  it("diff of inputs that no longer validate asks for an update, so check's failure is what the user sees", async () => {
    assert.deepEqual(await ram.diff("ram/app-user", {} as ram.RamSecretOutputs, { ...valid, recoveryWindowDays: 3 }), { changes: true });
  });
});
