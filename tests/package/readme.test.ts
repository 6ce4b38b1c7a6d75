import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../../testkit/pulumi/pulumi-cli";

/**
 * The README is what a new user reads first: it says how long the tests take
 * and keeps one current benchmark table; the dated history of runs lives in
 * docs/benchmarks.md, where it does not push the rest of the README down.
 */
describe("README", () => {
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  const section = (text: string, heading: string) => {
    const start = text.indexOf(`\n## ${heading}\n`);
    assert.ok(start >= 0, `no ## ${heading}`);
    const end = text.indexOf("\n## ", start + 1);
    return text.slice(start, end < 0 ? undefined : end);
  };

  it("says how long the test run takes", () => {
    assert.match(readme, /^Test run: /m);
  });

  it("keeps one current benchmark table and no dated runs; the history is in docs/benchmarks.md", () => {
    const bench = section(readme, "Benchmarks");
    assert.doesNotMatch(bench, /\b20\d\d-\d\d-\d\d\b/, "a dated run in the README's Benchmarks");
    assert.doesNotMatch(bench, /\b(earlier|a later run|an earlier run)\b/i, "run history in the README's Benchmarks");
    assert.equal(bench.match(/^\|---/gm)?.length, 1, "one table");
    assert.match(bench, /\(docs\/benchmarks\.md\)/);
    const history = readFileSync(join(REPO_ROOT, "docs", "benchmarks.md"), "utf8");
    assert.match(history, /2026-11-22/);
  });
});
