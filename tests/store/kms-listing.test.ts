import assert from "node:assert/strict";
import { KMS_PAGE_SIZE, KMS_TAG_FILTER_MAX } from "../../provider/store/kms/kms-listing";
import { mapBounded } from "../../provider/core/map-bounded";
import { kmsCall } from "../support/emulator-helpers";
import { startKmsEmulatorStore, type KmsEmulatorStore } from "../../testkit/store/kms-emulator-store";

describe("kms store listing past the tag filter's 4,000 secrets (emulator)", function () {
  this.timeout(300_000);
  let kms: KmsEmulatorStore;
  const total = KMS_TAG_FILTER_MAX + 30;

  before(async function () {
    kms = await startKmsEmulatorStore();
    const names = Array.from({ length: total }, (_, i) => `many/${String(i).padStart(5, "0")}`);
    await mapBounded(names, 16, (name) => kms.store.createSecret({ name, description: "", metadata: { kind: "ecs" }, versionId: "v1", value: "{}" }));
    // Secrets that are not this product's (no format tag) are listed by KMS and left out by the store.
    await kmsCall(kms.emulator, "CreateSecret", { SecretName: "someone-else", SecretData: "x", VersionId: "v1" });
  });
  after(async function () {
    await kms.dispose();
  });

  it(`finds every secret: the filtered first page says ${KMS_TAG_FILTER_MAX}, so it lists unfiltered (1 + ceil(N / ${KMS_PAGE_SIZE}) ListSecrets calls)`, async function () {
    kms.calls.length = 0;
    const listed = await kms.another().listSecrets({ detail: "schedule" });
    assert.equal(listed.length, total);
    assert.deepEqual(listed.slice(0, 2).map((m) => m.name), ["many/00000", "many/00001"]);
    assert.ok(!listed.some((m) => m.name === "someone-else"));
    assert.deepEqual(kms.actions(), Array(1 + Math.ceil((total + 1) / KMS_PAGE_SIZE)).fill("ListSecrets"));
  });
});
