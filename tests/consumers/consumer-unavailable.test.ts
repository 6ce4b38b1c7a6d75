import { strict as assert } from "node:assert";
import { ConsumerUnavailable, skipUnlessCi } from "./consumer-setup";

/**
 * A consumer client that cannot be installed skips its test on a developer's
 * machine (saying why), but fails it in CI: a CI run that passes without
 * having checked any client would read as proof it did.
 */
describe("consumers: a client that cannot be installed", () => {
  function skipRecorder(): { ctx: Mocha.Context; skipped: () => boolean } {
    let skipped = false;
    const ctx = {
      skip: () => {
        skipped = true;
        throw new Error("skipped");
      },
    } as unknown as Mocha.Context;
    return { ctx, skipped: () => skipped };
  }

  it("in CI (CI set) fails, saying what could not be installed", () => {
    for (const ci of ["true", "1", "yes"]) {
      const r = skipRecorder();
      assert.throws(() => skipUnlessCi(r.ctx, new ConsumerUnavailable("python3 is not installed"), { CI: ci }), /CI is set.*python3 is not installed/s);
      assert.equal(r.skipped(), false, `CI=${ci}`);
    }
  });

  it("outside CI skips (the reason printed), and any other error fails anywhere", () => {
    for (const env of [{}, { CI: "" }, { CI: "false" }, { CI: "0" }]) {
      const r = skipRecorder();
      const said: string[] = [];
      assert.throws(() => skipUnlessCi(r.ctx, new ConsumerUnavailable("the go toolchain is not installed"), env, (line) => said.push(line)), /skipped/);
      assert.equal(r.skipped(), true, JSON.stringify(env));
      assert.deepEqual(said, ["      SKIPPED (not a pass): the go toolchain is not installed"]);
    }
    const r = skipRecorder();
    assert.throws(() => skipUnlessCi(r.ctx, new Error("go build failed"), {}), /go build failed/);
    assert.equal(r.skipped(), false);
  });
});
