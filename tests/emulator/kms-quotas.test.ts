import assert from "node:assert/strict";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { KMS_DOCUMENTED_QPS } from "../../emulator/products/kms/kms-quotas";
import { KMS_LIST_SECRETS_TAG_FILTER_MAX } from "../../emulator/products/kms/kms-errors";
import { expectApiError, kmsCall } from "../support/emulator-helpers";

const throttled = { code: "Rejected.Throttling", statusCode: 429, message: "QPS Limit Exceeded" };

describe("emulator: KMS request quotas and ListSecrets' tag-filter limit", function () {
  this.timeout(120_000);
  let emu: EmulatorHandle;
  let rateNow: number;
  const kms = (action: string, query: Record<string, string | number | boolean>) => kmsCall(emu, action, query);

  beforeEach(async function () {
    rateNow = 0;
    emu = await startEmulator({ kmsQps: "documented", rateClock: () => rateNow });
  });
  afterEach(async function () {
    await emu.stop();
  });

  it(`refuses the ${KMS_DOCUMENTED_QPS.secretCreateDelete + 1}th CreateSecret/DeleteSecret within a second with 429 Rejected.Throttling, and admits it once the second has passed`, async function () {
    for (let i = 0; i < KMS_DOCUMENTED_QPS.secretCreateDelete - 1; i++) await kms("CreateSecret", { SecretName: `s-${i}`, SecretData: "x", VersionId: "v1" });
    // DeleteSecret shares the quota with CreateSecret.
    await kms("DeleteSecret", { SecretName: "s-0", ForceDeleteWithoutRecovery: true });
    await expectApiError(kms("CreateSecret", { SecretName: "one-too-many", SecretData: "x", VersionId: "v1" }), throttled);
    // Another group's quota is untouched, and the refused call changed nothing.
    const listed = await kms("ListSecrets", { PageSize: 100 });
    assert.equal(listed.TotalCount, KMS_DOCUMENTED_QPS.secretCreateDelete - 2);
    rateNow += 1000;
    await kms("CreateSecret", { SecretName: "one-too-many", SecretData: "x", VersionId: "v1" });
  });

  it("control.setKmsQps lowers one group, validates its input, and switches quotas off", async function () {
    emu.control.setKmsQps({ secretRead: 2 });
    await kms("CreateSecret", { SecretName: "r", SecretData: "x", VersionId: "v1" });
    await kms("GetSecretValue", { SecretName: "r" });
    await kms("DescribeSecret", { SecretName: "r" });
    await expectApiError(kms("GetSecretValue", { SecretName: "r" }), throttled);
    rateNow += 999;
    await expectApiError(kms("GetSecretValue", { SecretName: "r" }), throttled);
    rateNow += 1;
    await kms("GetSecretValue", { SecretName: "r" });
    assert.throws(() => emu.control.setKmsQps({ secretRead: 0 }), /kmsQps\.secretRead must be a whole number of calls per second, at least 1/);
    assert.throws(() => emu.control.setKmsQps({ reads: 5 } as never), /kmsQps\.reads is not a KMS quota group; the groups are secretCreateDelete, secretRead, secretLowFrequency, tagWrite/);
    emu.control.setKmsQps(undefined);
    for (let i = 0; i < 5; i++) await kms("GetSecretValue", { SecretName: "r" });
  });

  it(`lists at most ${KMS_LIST_SECRETS_TAG_FILTER_MAX} secrets when filtering by tag, all of them without a filter`, async function () {
    emu.control.setKmsQps(undefined);
    const total = KMS_LIST_SECRETS_TAG_FILTER_MAX + 50;
    const tags = JSON.stringify([{ TagKey: "team", TagValue: "a" }]);
    for (let i = 0; i < total; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, total - i) }, (_, j) => kms("CreateSecret", { SecretName: `t-${String(i + j).padStart(5, "0")}`, SecretData: "x", VersionId: "v1", Tags: tags })),
      );
    }
    const byTag = await kms("ListSecrets", { PageSize: 100, PageNumber: 41, Filters: JSON.stringify([{ Key: "TagKey", Values: ["team"] }]) });
    assert.equal(byTag.TotalCount, KMS_LIST_SECRETS_TAG_FILTER_MAX);
    assert.deepEqual((byTag.SecretList as { Secret: unknown[] }).Secret, []);
    const all = await kms("ListSecrets", { PageSize: 100, PageNumber: 41 });
    assert.equal(all.TotalCount, total);
    assert.equal((all.SecretList as { Secret: unknown[] }).Secret.length, 50);
  });
});
