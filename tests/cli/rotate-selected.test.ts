import { strict as assert } from "node:assert";
import { rotateNow } from "../../provider/cli/rotate-selected";
import type { SecretMeta } from "../../provider/store/secret-store";
import { createTestClock } from "../../testkit/clock/test-clock";

/** `rotate --select` calls every selected secret due, as of the time the pass judges at: the context's clock, as `run` does. */
describe("rotate --select: due now, by the context's clock", () => {
  it("the verdict is due at the time the pass judges at, not at the machine's own time", () => {
    const clock = createTestClock(new Date("2031-06-01T12:00:00.000Z"));
    const meta: SecretMeta = { name: "app/x", description: "", metadata: {}, createdAt: "", updatedAt: "", versions: [] };
    const verdict = rotateNow(meta, clock());
    assert.deepEqual(verdict, { due: true, reason: "rotate now", dueAt: "2031-06-01T12:00:00.000Z" });
  });
});
