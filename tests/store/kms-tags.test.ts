import assert from "node:assert/strict";
import {
  FORMAT_TAG,
  KMS_MAX_TAGS,
  KMS_TAG_VALUE_MAX,
  MAX_METADATA_TAGS,
  UPDATED_AT_TAG,
  checkMetadataKeys,
  entryTags,
  readTags,
  storeTags,
  tagChanges,
} from "../../provider/store/kms/kms-tags";
import { expectError } from "../support/expect-error";

const AT = "2025-03-01T00:00:00.000Z";
/** What KMS accepts in a tag value (TagResources): letters, digits and / \ _ - . + = : @, at most 128. */
const TAG_VALUE = /^[A-Za-z0-9/\\_.+=:@-]{0,128}$/;

describe("kms store: metadata as KMS tags", function () {
  it("keeps ids, times, hosts and fingerprints readable as they are", function () {
    const metadata = {
      kind: "ecs",
      instanceId: "i-bp1abc",
      host: "10.0.0.7",
      hostKeyFingerprint: "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s=",
      nextRotationAt: "2025-03-31T00:00:00.000Z",
    };
    const tags = storeTags(metadata, AT);
    assert.deepEqual(tags, [
      { key: FORMAT_TAG, value: "1" },
      { key: UPDATED_AT_TAG, value: AT },
      { key: "managed-secrets/host", value: "10.0.0.7" },
      { key: "managed-secrets/hostKeyFingerprint", value: "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s=" },
      { key: "managed-secrets/instanceId", value: "i-bp1abc" },
      { key: "managed-secrets/kind", value: "ecs" },
      { key: "managed-secrets/nextRotationAt", value: "2025-03-31T00:00:00.000Z" },
    ]);
    assert.deepEqual(readTags("s", tags), { managed: true, metadata, updatedAt: AT, pending: false, foreign: 0 });
  });

  it("stores values outside the tag alphabet, empty values and look-alikes as base64, and reads them back", function () {
    for (const value of ["deploy #4 (hotfix)", "", "b64.1:aGk=", "日本語", "a,b"]) {
      const tags = entryTags("rotationTrigger", value);
      assert.equal(tags.length, 1);
      assert.match(tags[0]!.value, /^b64\.1:/);
      assert.match(tags[0]!.value, TAG_VALUE);
      assert.equal(readTags("s", tags).metadata.rotationTrigger, value);
    }
    assert.deepEqual(entryTags("rotationTrigger", "deploy #4"), [{ key: "managed-secrets/rotationTrigger", value: "b64.1:ZGVwbG95ICM0" }]);
  });

  it("splits a long value over continuation tags that each fit KMS's limits", function () {
    const value = `ssh-ed25519 ${"A".repeat(300)} ops@bastion`;
    const tags = entryTags("publicKey", value);
    assert.deepEqual(tags.map((t) => t.key), ["managed-secrets/publicKey", "managed-secrets/publicKey/2", "managed-secrets/publicKey/3", "managed-secrets/publicKey/4"]);
    for (const t of tags) assert.match(t.value, TAG_VALUE);
    assert.equal(tags[0]!.value.length, KMS_TAG_VALUE_MAX);
    assert.equal(readTags("s", tags).metadata.publicKey, value);
    // A plain value of exactly 128 characters still fits one tag; 129 does not.
    assert.equal(entryTags("k", "x".repeat(128)).length, 1);
    assert.equal(entryTags("k", "x".repeat(129))[0]!.value.startsWith("b64.2:"), true);
  });

  it("ignores stale continuation parts left by an interrupted rewrite", function () {
    const long = entryTags("k", "é".repeat(150));
    const short = entryTags("k", "é");
    assert.equal(readTags("s", [...short, ...long.slice(1)]).metadata.k, "é");
  });

  it("reports a missing part or bad base64 as StoreUnreadable naming the tag", async function () {
    const tags = entryTags("k", "é".repeat(150));
    await expectError(() => readTags("db", tags.slice(0, 1)), "StoreUnreadable", { message: /^the KMS tag managed-secrets\/k of secret "db" is damaged/ });
    await expectError(() => readTags("db", [{ key: "managed-secrets/k", value: "b64.1:***" }]), "StoreUnreadable");
  });

  it("refuses metadata that needs more than the 17 tags left by the store, counting others' tags", async function () {
    assert.equal(KMS_MAX_TAGS, 20);
    assert.equal(MAX_METADATA_TAGS, 17);
    const seventeen = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"]));
    assert.equal(storeTags(seventeen, AT).length, 19, "the 20th is kept for the binding tag");
    await expectError(() => storeTags({ ...seventeen, k17: "v" }, AT), "InvalidInput", {
      property: "metadata",
      message: /^metadata needs 18 KMS tags, but a secret holds at most 20 \(3 used by the store\)/,
    });
    await expectError(() => storeTags(seventeen, AT, 1), "InvalidInput", { message: /3 used by the store, 1 by others/ });
  });

  it("refuses metadata keys that cannot be KMS tag keys", async function () {
    checkMetadataKeys({ "rotation.period_s-1": "x" });
    for (const key of ["a/b", "has space", "", "k".repeat(97), "a:b"]) {
      await expectError(() => checkMetadataKeys({ [key]: "x" }), "InvalidInput", { property: `metadata.${key}` });
    }
  });

  it("counts tags it does not own as foreign and never removes them", function () {
    const current = [...storeTags({ a: "1", b: "x".repeat(200) }, AT), { key: "cost-center", value: "42" }];
    const read = readTags("s", current);
    assert.equal(read.foreign, 1);
    const next = storeTags({ a: "2" }, "2025-03-02T00:00:00.000Z", read.foreign);
    assert.deepEqual(tagChanges(current, next), {
      set: [
        { key: UPDATED_AT_TAG, value: "2025-03-02T00:00:00.000Z" },
        { key: "managed-secrets/a", value: "2" },
      ],
      remove: ["managed-secrets/b", "managed-secrets/b/2", "managed-secrets/b/3"],
    });
  });

  it("keeps a metadata key named __proto__ as data", function () {
    const own = readTags("s", [{ key: "managed-secrets/__proto__", value: "x" }]);
    assert.equal(Object.getPrototypeOf(own.metadata), Object.prototype);
    assert.deepEqual(Object.entries(own.metadata), [["__proto__", "x"]]);
  });

  it("reads a secret without the format tag as not managed by this product", function () {
    assert.deepEqual(readTags("s", [{ key: "owner", value: "team-a" }]), { managed: false, metadata: {}, pending: false, foreign: 1 });
  });
});
