import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../../testkit/pulumi/pulumi-cli";

/**
 * One supported Node.js range, said the same way everywhere: package.json
 * engines (and the lock's copy of it), the README, the CI example's runner.
 * Its floor may not be below what any package installed with this one
 * declares (npm only warns, and the user finds out at run time).
 */

interface Locked {
  version?: string;
  dev?: boolean;
  engines?: { node?: string } | string[];
}

const read = (path: string) => readFileSync(join(REPO_ROOT, path), "utf8");
const major = (range: string) => Number(/>=\s*v?(\d+)/.exec(range)?.[1] ?? NaN);

describe("supported Node.js versions", () => {
  const pkg = JSON.parse(read("package.json")) as { engines: { node: string }; peerDependencies: Record<string, string> };
  const lock = JSON.parse(read("package-lock.json")) as { packages: Record<string, Locked> };
  const floor = major(pkg.engines.node);

  it("package.json and package-lock agree on a floor of Node.js 22 (20 is past its end of life)", () => {
    assert.equal(pkg.engines.node, ">=22");
    assert.deepEqual(lock.packages[""]?.engines, pkg.engines);
  });

  it("no runtime dependency or peer in the lock needs a newer Node.js than the floor", () => {
    const peers = new Set(Object.keys(pkg.peerDependencies).map((name) => `node_modules/${name}`));
    const tooNew: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (path === "" || (entry.dev && !peers.has(path))) continue;
      const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      if (range && major(range) > floor) tooNew.push(`${path}@${entry.version} needs ${range}`);
    }
    assert.deepEqual(tooNew, []);
  });

  it("the README and the CI drift-check workflow name the same floor", () => {
    assert.match(read("README.md"), /with Node\.js 22\+/);
    assert.match(read("examples/managed-secrets/README.md"), /Node\.js 22\+/);
    assert.match(read("examples/ci-drift-check/drift-check.yml"), /^ +node-version: 22$/m);
  });
});
