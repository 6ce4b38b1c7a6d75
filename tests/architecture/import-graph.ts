import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/**
 * The folder-to-folder imports of a source tree, and the README's map of
 * which folder may import which, so the map is checked against the code and
 * cannot drift from it.
 */

export interface Layer {
  readonly folder: string;
  /** Folders this one may import; each must be a layer listed before it. */
  readonly mayImport: readonly string[];
}

export interface ImportEdge {
  readonly file: string;
  readonly specifier: string;
  readonly from: string;
  readonly to: string;
}

// Static and dynamic imports, re-exports, require() and bare side-effect imports: every way a file can load another.
const SPECIFIER = /(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']+)["']/gm;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "fixtures") continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|mts)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

/** The layer a path belongs to: the longest listed folder that contains it. */
export function layerOf(path: string, layers: readonly Layer[]): string | undefined {
  let best: string | undefined;
  for (const { folder } of layers) {
    if ((path === folder || path.startsWith(`${folder}/`)) && (best === undefined || folder.length > best.length)) best = folder;
  }
  return best;
}

/** Every relative import in `roots` (repository-relative) that crosses from one layer into another. */
export function crossLayerImports(repo: string, roots: readonly string[], layers: readonly Layer[]): { edges: ImportEdge[]; unlisted: string[] } {
  const edges: ImportEdge[] = [];
  const unlisted = new Set<string>();
  for (const root of roots) {
    const top = join(repo, root);
    for (const abs of statSync(top).isFile() ? [top] : sourceFiles(top)) {
      const file = relative(repo, abs);
      const from = layerOf(dirname(file), layers) ?? layerOf(file, layers);
      if (from === undefined) {
        unlisted.add(dirname(file));
        continue;
      }
      for (const m of readFileSync(abs, "utf8").matchAll(SPECIFIER)) {
        // Data, not code: package.json (the plugin's version, inlined by its bundle) is in no layer.
        if (m[1]!.endsWith(".json")) continue;
        // A directory import loads its index.ts: "../.." from tests/x is the package entry.
        const target = relative(repo, resolve(dirname(abs), m[1]!)) || "index.ts";
        const to = layerOf(dirname(target), layers) ?? layerOf(target, layers);
        if (to === undefined) unlisted.add(dirname(target));
        else if (to !== from) edges.push({ file, specifier: m[1]!, from, to });
      }
    }
  }
  return { edges, unlisted: [...unlisted].sort() };
}

/** Whether a row's entry allows `folder`: the folder itself, or with `/*`, it and every folder under it. */
export function allows(entry: string, folder: string): boolean {
  return entry.endsWith("/*") ? folder === entry.slice(0, -2) || folder.startsWith(entry.slice(0, -1)) : folder === entry;
}

/** What breaks the map: an import the map does not allow, or a layer allowed to import one listed after it. */
export function layerViolations(layers: readonly Layer[], edges: readonly ImportEdge[]): string[] {
  const out: string[] = [];
  for (const [i, layer] of layers.entries()) {
    for (const entry of layer.mayImport) {
      const matched = layers.map((l, j) => ({ folder: l.folder, j })).filter(({ folder }) => folder !== layer.folder && allows(entry, folder));
      if (matched.length === 0) out.push(`${layer.folder} may import ${entry}, which the map does not list`);
      for (const { folder, j } of matched) {
        if (j >= i) out.push(`${layer.folder} may import ${folder}, which the map lists at or after it (imports must only flow down)`);
      }
    }
  }
  const byFolder = new Map(layers.map((l) => [l.folder, l.mayImport]));
  for (const e of edges) {
    if (!(byFolder.get(e.from) ?? []).some((entry) => allows(entry, e.to))) out.push(`${e.file} imports ${e.specifier} (${e.to}), which ${e.from} may not import`);
  }
  return out;
}

/**
 * The map as the README's architecture table gives it: rows of
 * | `folder/` | holds | `a/`, `b/*` (or "nothing") |, bottom layer first;
 * `b/*` is b and every folder under it.
 */
export function layersFromReadme(readme: string, heading: string): Layer[] {
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README has no "${heading}" section`);
  const end = readme.indexOf("\n## ", start + heading.length + 2);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const layers: Layer[] = [];
  for (const line of section.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    if (cells.length < 5 || !cells[1]!.startsWith("`")) continue;
    const folder = cells[1]!.replace(/`/g, "").replace(/\/$/, "");
    const mayImport = [...cells[3]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!.replace(/\/$/, ""));
    layers.push({ folder, mayImport });
  }
  return layers;
}
