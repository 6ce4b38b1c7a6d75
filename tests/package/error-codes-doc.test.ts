import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ERROR_CODES, TRANSIENT_CODES, type ErrorCode } from "../../provider/core/errors";

/** README's table of error codes, row by row: `Code` | meaning | transient. */
function readmeCodes(): Map<string, { meaning: string; transient: string }> {
  const readme = readFileSync(join(__dirname, "..", "..", "README.md"), "utf8");
  const start = readme.indexOf("\n## Error codes\n");
  assert.ok(start >= 0, "README has no ## Error codes section");
  const end = readme.indexOf("\n## ", start + 1);
  const rows = new Map<string, { meaning: string; transient: string }>();
  for (const m of readme.slice(start, end < 0 ? undefined : end).matchAll(/^\| `(\w+)` \| (.+?) \| (yes|no) \|$/gm)) {
    assert.ok(!rows.has(m[1]!), `README lists ${m[1]} twice`);
    rows.set(m[1]!, { meaning: m[2]!, transient: m[3]! });
  }
  return rows;
}

describe("README's table of error codes is provider/core/errors.ts's ERROR_CODES", () => {
  it("lists every code, and no code the product does not have", () => {
    const documented = [...readmeCodes().keys()];
    const defined = Object.keys(ERROR_CODES);
    assert.deepEqual(defined.filter((c) => !documented.includes(c)), [], "codes missing from README");
    assert.deepEqual(documented.filter((c) => !defined.includes(c)), [], "codes README lists that the product does not have");
  });

  it("gives each the code's own meaning and says whether it is transient", () => {
    for (const [code, row] of readmeCodes()) {
      assert.equal(row.meaning, ERROR_CODES[code as ErrorCode], code);
      assert.equal(row.transient, TRANSIENT_CODES.has(code as ErrorCode) ? "yes" : "no", code);
    }
  });
});
