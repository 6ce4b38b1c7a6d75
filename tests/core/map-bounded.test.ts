import { strict as assert } from "node:assert";
import { setImmediate as tick } from "node:timers/promises";
import { mapBounded } from "../../provider/core/map-bounded";

/** An fn that records how many of its calls run at once, each finishing after `ticks[i]` event-loop turns. */
function tracked(ticks: readonly number[]) {
  const seen = { inFlight: 0, most: 0, started: [] as number[] };
  const fn = async (item: string, index: number) => {
    seen.started.push(index);
    seen.inFlight++;
    seen.most = Math.max(seen.most, seen.inFlight);
    for (let i = 0; i < ticks[index]!; i++) await tick();
    seen.inFlight--;
    return `${item}@${index}`;
  };
  return { seen, fn };
}

describe("mapBounded", function () {
  it("keeps the items' order in its results whatever order the calls finish in, and passes each item's index", async function () {
    const { fn } = tracked([5, 1, 3, 0, 2]);
    assert.deepEqual(await mapBounded(["a", "b", "c", "d", "e"], 2, fn), ["a@0", "b@1", "c@2", "d@3", "e@4"]);
  });

  it("has at most `limit` calls in flight, and uses all of them when there is work", async function () {
    const { seen, fn } = tracked(Array.from({ length: 12 }, (_, i) => (i * 7) % 5));
    await mapBounded(Array.from({ length: 12 }, (_, i) => `s${i}`), 3, fn);
    assert.equal(seen.most, 3);
    assert.deepEqual([...seen.started].sort((a, b) => a - b), Array.from({ length: 12 }, (_, i) => i));
  });

  it("runs one call at a time for a limit below one, and returns [] for no items without calling fn", async function () {
    const { seen, fn } = tracked([1, 1, 1]);
    assert.deepEqual(await mapBounded(["a", "b", "c"], 0, fn), ["a@0", "b@1", "c@2"]);
    assert.equal(seen.most, 1);
    assert.deepEqual(await mapBounded([], 4, () => Promise.reject(new Error("never called"))), []);
  });

  it("rejects with the first failure", async function () {
    const failing = (item: string) => (item === "b" ? Promise.reject(new Error("b failed")) : Promise.resolve(item));
    await assert.rejects(mapBounded(["a", "b", "c"], 2, failing), /b failed/);
  });
});
