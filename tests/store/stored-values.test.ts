import { strict as assert } from "node:assert";
import { isManagedSecretsError } from "../../provider/core/errors";
import { decodeEcsValue } from "../../provider/targets/ecs-host/ecs-value";
import { decodeRamValue } from "../../provider/targets/ram-access-key/ram-value";

/** A damaged stored value is StoreUnreadable for either target, whatever JSON it is, and the error never quotes it. */
describe("stored ECS and RAM values that are damaged", () => {
  const damaged = ["not json Pa55word!", "null", "[]", "42", '"just a string"', "{}"];

  for (const [kind, decode] of [
    ["ECS", decodeEcsValue],
    ["RAM", decodeRamValue],
  ] as const) {
    for (const text of damaged) {
      it(`${kind}: ${text} is refused as StoreUnreadable, without its text`, () => {
        assert.throws(
          () => decode(text),
          (e: unknown) => isManagedSecretsError(e, "StoreUnreadable") && e.message.startsWith(`a stored ${kind} secret value`) && !e.message.includes(text),
        );
      });
    }
  }

  it("a whole value still decodes", () => {
    assert.deepEqual(decodeEcsValue('{"UserName":"root","Password":"x"}'), { UserName: "root", Password: "x" });
    assert.equal(decodeRamValue('{"AccessKeyId":"id","AccessKeySecret":"s"}').AccessKeyId, "id");
  });
});
