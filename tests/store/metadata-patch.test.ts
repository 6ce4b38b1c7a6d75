import { strict as assert } from "node:assert";
import { patchMetadata, sameRecord } from "../../provider/store/metadata-patch";

describe("metadata patch (updateSecret's rule, both stores)", function () {
  it("sets the keys given a string, removes those given null, and keeps the rest; the input is not changed", function () {
    const before = { host: "10.0.0.1", port: "22", user: "root" };
    assert.deepEqual(patchMetadata(before, { port: "2222", user: null, kind: "ecs" }), { host: "10.0.0.1", port: "2222", kind: "ecs" });
    assert.deepEqual(before, { host: "10.0.0.1", port: "22", user: "root" });
    assert.deepEqual(patchMetadata(before, undefined), before);
  });

  it("treats a __proto__ key as data", function () {
    const patched = patchMetadata({}, JSON.parse('{"__proto__":"x"}') as Record<string, string>);
    assert.ok(Object.hasOwn(patched, "__proto__"));
    assert.equal(Object.getPrototypeOf(patched), Object.prototype);
  });

  it("sameRecord: the same keys and values in any order; a missing or inherited key differs", function () {
    assert.ok(sameRecord({ a: "1", b: "2" }, { b: "2", a: "1" }));
    assert.ok(!sameRecord({ a: "1" }, { a: "2" }));
    assert.ok(!sameRecord({ a: "1", b: "2" }, { a: "1" }));
    assert.ok(!sameRecord({ toString: "x" }, { other: "x" }));
  });
});
