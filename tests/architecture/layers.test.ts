import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { allows, crossLayerImports, layersFromReadme, layerViolations, type ImportEdge, type Layer } from "./import-graph";

const REPO = join(__dirname, "..", "..");
const HEADING = "## Architecture";
const ROOTS = ["index.ts", "provider", "sdk", "emulator", "testkit", "bench", "examples", "runner-stack", "tests"];

/** Directories under `dir` that hold TypeScript sources (fixtures are data, not layers). */
function sourceDirs(dir: string): string[] {
  const entries = readdirSync(join(REPO, dir), { withFileTypes: true });
  const here = entries.some((e) => e.isFile() && e.name.endsWith(".ts")) ? [dir] : [];
  return [...here, ...entries.filter((e) => e.isDirectory() && e.name !== "fixtures").flatMap((e) => sourceDirs(join(dir, e.name)))];
}

describe("architecture: the README's map of folders is the code's", () => {
  const layers = layersFromReadme(readFileSync(join(REPO, "README.md"), "utf8"), HEADING);

  it("lists every provider and emulator folder that holds code, each once", () => {
    const listed = layers.map((l) => l.folder);
    assert.deepEqual(listed.filter((f, i) => listed.indexOf(f) !== i), [], "listed twice");
    const dirs = [...sourceDirs("provider"), ...sourceDirs("emulator")];
    assert.deepEqual(dirs.filter((d) => !listed.includes(d)), [], "folders the map does not list");
  });

  it("no folder imports one the map does not allow, and the map only lets a folder import those listed before it", () => {
    const { edges, unlisted } = crossLayerImports(REPO, ROOTS, layers);
    assert.deepEqual(unlisted, [], "imports from or into folders the map does not list");
    assert.ok(edges.length > 100, `only ${edges.length} cross-folder imports found: the scan is not reading the sources`);
    assert.deepEqual(layerViolations(layers, edges), []);
  });

  it("every folder a row allows is one it imports (the map says no more than the code does)", () => {
    const { edges } = crossLayerImports(REPO, ROOTS, layers);
    const unused = layers.flatMap((l) => l.mayImport.filter((entry) => !edges.some((e) => e.from === l.folder && allows(entry, e.to))).map((entry) => `${l.folder} -> ${entry}`));
    assert.deepEqual(unused, []);
  });
});

describe("architecture check: it fails when it should", () => {
  const layers: Layer[] = [
    { folder: "p/core", mayImport: [] },
    { folder: "p/store", mayImport: ["p/core"] },
    { folder: "p/cli", mayImport: ["p/core", "p/store"] },
  ];
  const edge = (from: string, to: string): ImportEdge => ({ file: `${from}/x.ts`, specifier: `../${to.split("/")[1]}/y`, from, to });

  it("reports an import that goes up", () => {
    assert.deepEqual(layerViolations(layers, [edge("p/store", "p/core"), edge("p/cli", "p/store")]), []);
    assert.deepEqual(layerViolations(layers, [edge("p/core", "p/store")]), ["p/core/x.ts imports ../store/y (p/store), which p/core may not import"]);
  });

  it("reports a map that lets a folder import one listed after it", () => {
    const upward: Layer[] = [{ folder: "p/core", mayImport: ["p/cli"] }, ...layers.slice(1)];
    assert.match(layerViolations(upward, [])[0]!, /p\/core may import p\/cli, which the map lists at or after it/);
  });

  it("a wildcard allows a folder and those under it, and still only those listed before", () => {
    const wild: Layer[] = [...layers, { folder: "t", mayImport: ["p/*"] }];
    assert.deepEqual(layerViolations(wild, [edge("t", "p/cli"), edge("t", "p/core")]), []);
    assert.deepEqual(layerViolations([{ folder: "t", mayImport: ["p/*"] }, ...layers], []).length, 3);
    assert.equal(allows("p/*", "pq/core"), false);
  });

  it("reads the table: folder, holds, may import", () => {
    const readme = ["# x", "## Architecture", "", "| folder | holds | may import |", "|---|---|---|", "| `p/core/` | basics | nothing |", "| `p/store/` | stores | `p/core/` |", "## Next", "| `p/zzz/` | not in the section | |"].join("\n");
    assert.deepEqual(layersFromReadme(readme, "## Architecture"), [
      { folder: "p/core", mayImport: [] },
      { folder: "p/store", mayImport: ["p/core"] },
    ]);
  });
});
