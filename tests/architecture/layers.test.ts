import { strict as assert } from "node:assert";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { allows, crossLayerImports, fileCycles, fileImports, layersFromReadme, layerViolations, type ImportEdge, type Layer } from "./import-graph";
import { misplacedTestFolders, namedTestFolders } from "./test-folders";

const REPO = join(__dirname, "..", "..");
const HEADING = "## Architecture";
const ROOTS = ["index.ts", "provider", "sdk", "emulator", "testkit", "bench", "examples", "runner-stack", "tests"];
/** Where no file may import itself round a circle: the shipped code and the kit every suite stands on. */
const CYCLE_ROOTS = ["index.ts", "provider", "emulator", "sdk", "testkit"];

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

  it("tests/ mirrors the folders it tests: each folder of suites is a provider/, emulator/, testkit/ or sdk/ folder's, or one the tests/ row names", () => {
    const named = namedTestFolders(readFileSync(join(REPO, "README.md"), "utf8"));
    assert.deepEqual(named.filter((n) => !existsSync(join(REPO, n))), [], "folders the tests/ row names that do not exist");
    const code = ["provider", "emulator", "testkit", "sdk"].flatMap(sourceDirs);
    assert.deepEqual(misplacedTestFolders(sourceDirs("tests"), code, named), [], "test folders that mirror no code folder and the tests/ row does not name");
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

describe("architecture: no import circles between files", () => {
  it("no set of files under provider/, emulator/, sdk/, testkit/ and index.ts imports itself round a circle", () => {
    const { edges, unresolved } = fileImports(REPO, CYCLE_ROOTS);
    assert.deepEqual(unresolved, [], "imports that resolve to no source file");
    assert.ok(edges.length > 500, `only ${edges.length} file imports found: the scan is not reading the sources`);
    assert.deepEqual(fileCycles(edges), []);
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

  it("reports a test folder that mirrors no code folder and is not named, and reads the folders the tests/ row names", () => {
    const named = namedTestFolders(["| `sdk/` | `tests/elsewhere` |", "| `tests/` | suites; `tests/<folder>` mirrors its folder; `tests/engine-cli`, helpers in `tests/support/` |"].join("\n"));
    assert.deepEqual(named, ["tests/engine-cli", "tests/support"]);
    const tests = ["tests/store", "tests/store/kms", "tests/ecs", "tests/engine-cli", "tests/support", "tests/emulator"];
    assert.deepEqual(misplacedTestFolders(tests, ["provider/store", "provider/store/kms", "emulator"], named), ["tests/ecs"]);
  });

  it("reads the table: folder, holds, may import", () => {
    const readme = ["# x", "## Architecture", "", "| folder | holds | may import |", "|---|---|---|", "| `p/core/` | basics | nothing |", "| `p/store/` | stores | `p/core/` |", "## Next", "| `p/zzz/` | not in the section | |"].join("\n");
    assert.deepEqual(layersFromReadme(readme, "## Architecture"), [
      { folder: "p/core", mayImport: [] },
      { folder: "p/store", mayImport: ["p/core"] },
    ]);
  });
});

describe("import circle check: it fails when it should", () => {
  const graph = (...pairs: [string, string][]) => pairs.map(([file, to]) => ({ file, to }));

  it("finds none where imports flow one way, however they branch and join", () => {
    assert.deepEqual(fileCycles(graph(["a", "b"], ["b", "c"], ["a", "c"], ["d", "c"])), []);
  });

  it("finds two files that import each other, and not the files that only import them or that they import", () => {
    assert.deepEqual(fileCycles(graph(["x", "a"], ["a", "b"], ["b", "a"], ["b", "c"])), [["a", "b"]]);
  });

  it("finds a longer circle as one set, each separate circle apart, and no circle in a file alone", () => {
    const edges = graph(["c", "a"], ["a", "b"], ["b", "c"], ["c", "d"], ["d", "e"], ["e", "d"], ["f", "f"]);
    assert.deepEqual(fileCycles(edges), [["a", "b", "c"], ["d", "e"]]);
  });

  it("reads a made-up tree's imports as Node resolves them: x.ts, a folder's index.ts, type-only imports, require(); and names what resolves to nothing", () => {
    const dir = mkdtempSync(join(tmpdir(), "import-cycles-"));
    try {
      const files: Record<string, string> = {
        "a.ts": 'import type { D } from "./d";\nexport const a = 1;\n',
        "d/index.ts": 'export type D = number;\nexport const d = () => (require("../b") as typeof import("../b")).b;\n',
        "b.ts": 'import { a } from "./a";\nimport "./missing";\nexport const b = a;\n',
        "c.ts": 'export { b } from "./b";\n',
      };
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
      const { edges, unresolved } = fileImports(dir, ["."]);
      assert.deepEqual(unresolved, ["b.ts imports ./missing"]);
      assert.deepEqual(
        [...new Set(edges.map((e) => `${e.file} -> ${e.to}`))].sort(),
        ["a.ts -> d/index.ts", "b.ts -> a.ts", "c.ts -> b.ts", "d/index.ts -> b.ts"],
      );
      assert.deepEqual(fileCycles(edges), [["a.ts", "b.ts", "d/index.ts"]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
