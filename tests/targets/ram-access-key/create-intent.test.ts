import { strict as assert } from "node:assert";
import {
  CREATE_CALL_BUDGET_MS, INTENT_META, ORPHAN_CLOCK_SKEW_MS, intentMetadata, isOpen, orphanCandidates, readIntent,
} from "../../../provider/targets/ram-access-key/create-intent";

const AT = "2030-01-02T03:04:05.678Z";
const key = (accessKeyId: string, offsetMs: number) => ({
  accessKeyId,
  status: "Active" as const,
  createDate: new Date(Date.parse(AT) + offsetMs).toISOString().replace(/\.\d{3}Z$/, "Z"),
});

describe("RAM create intent: what marks a key as made by this secret", () => {
  it("round-trips through flat metadata, with a word for an empty key list", () => {
    const none = intentMetadata({ versionId: "v2", keysBefore: [], at: AT });
    assert.deepEqual(none, { [INTENT_META.versionId]: "v2", [INTENT_META.keysBefore]: "none", [INTENT_META.at]: AT });
    assert.deepEqual(readIntent(none), { versionId: "v2", keysBefore: [], at: AT });
    const two = intentMetadata({ versionId: "v7", keysBefore: ["LTAIa", "LTAIb"], at: AT });
    assert.equal(two[INTENT_META.keysBefore], "LTAIa/LTAIb");
    assert.deepEqual(readIntent(two)?.keysBefore, ["LTAIa", "LTAIb"]);
    assert.equal(readIntent({ [INTENT_META.versionId]: "v2", [INTENT_META.keysBefore]: "none", [INTENT_META.at]: "yesterday" }), undefined);
  });

  it("is open only while its version is missing from the store", () => {
    const intent = { versionId: "v2", keysBefore: [], at: AT };
    assert.equal(isOpen(intent, [{ versionId: "v1", stages: ["ACSCurrent"], createdAt: AT }]), true);
    assert.equal(isOpen(intent, [{ versionId: "v1", stages: ["ACSPrevious"], createdAt: AT }, { versionId: "v2", stages: ["ACSCurrent"], createdAt: AT }]), false);
    assert.equal(isOpen(undefined, []), false);
  });

  it("a candidate is new since the intent, not held, and created inside the call's window (with clock skew)", () => {
    const intent = { versionId: "v2", keysBefore: ["LTAIold"], at: AT };
    const keys = [
      key("LTAIold", 0),
      key("LTAIheld", 1000),
      key("LTAIlost", 2000),
      key("LTAItooEarly", -ORPHAN_CLOCK_SKEW_MS - 2000),
      key("LTAItooLate", CREATE_CALL_BUDGET_MS + ORPHAN_CLOCK_SKEW_MS + 2000),
    ];
    assert.deepEqual(orphanCandidates(intent, keys, new Set(["LTAIheld"])).map((k) => k.accessKeyId), ["LTAIlost"]);
  });
});
