import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/**
 * The folder-to-folder imports of a source tree, and the README's map of
 * which folder may import which, so the map is checked against the code and
 * cannot drift from it; and the file-to-file imports, so no circle of files
 * hides inside a folder the map cannot see into.
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

/** A relative import resolved to the file it loads (both repository-relative). */
export interface FileImport {
  readonly file: string;
  readonly specifier: string;
  readonly to: string;
}

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

/** Every source file under `roots` (repository-relative), with its absolute path. */
function sourcesIn(repo: string, roots: readonly string[]): { file: string; abs: string }[] {
  return roots.flatMap((root) => {
    const top = join(repo, root);
    return (statSync(top).isFile() ? [top] : sourceFiles(top)).map((abs) => ({ file: relative(repo, abs), abs }));
  });
}

/** The relative specifiers a file loads code from: data (package.json, the plugin's version, inlined by its bundle) is left out. */
function codeSpecifiers(abs: string): string[] {
  return [...readFileSync(abs, "utf8").matchAll(SPECIFIER)].map((m) => m[1]!).filter((specifier) => !specifier.endsWith(".json"));
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
  for (const { file, abs } of sourcesIn(repo, roots)) {
    const from = layerOf(dirname(file), layers) ?? layerOf(file, layers);
    if (from === undefined) {
      unlisted.add(dirname(file));
      continue;
    }
    for (const specifier of codeSpecifiers(abs)) {
      // A directory import loads its index.ts: "../.." from tests/x is the package entry.
      const target = relative(repo, resolve(dirname(abs), specifier)) || "index.ts";
      const to = layerOf(dirname(target), layers) ?? layerOf(target, layers);
      if (to === undefined) unlisted.add(dirname(target));
      else if (to !== from) edges.push({ file, specifier, from, to });
    }
  }
  return { edges, unlisted: [...unlisted].sort() };
}

/**
 * Every relative import in `roots` as an edge from file to file, the way
 * Node and tsx resolve it (x.ts, x.mts, x/index.ts); a specifier that
 * resolves to no source file is `unresolved`, so a scan that misreads the
 * tree says so instead of finding no circle.
 */
export function fileImports(repo: string, roots: readonly string[]): { edges: FileImport[]; unresolved: string[] } {
  const edges: FileImport[] = [];
  const unresolved: string[] = [];
  const isSource = (path: string) => /\.m?ts$/.test(path) && existsSync(path) && statSync(path).isFile();
  for (const { file, abs } of sourcesIn(repo, roots)) {
    for (const specifier of codeSpecifiers(abs)) {
      const base = resolve(dirname(abs), specifier);
      const target = [`${base}.ts`, `${base}.mts`, join(base, "index.ts"), base].find(isSource);
      if (target === undefined) unresolved.push(`${file} imports ${specifier}`);
      else edges.push({ file, specifier, to: relative(repo, target) });
    }
  }
  return { edges, unresolved };
}

/**
 * The import circles: every strongly connected set of more than one file
 * (Tarjan's algorithm), each sorted, in the order of their first file. Two
 * files that load each other can see each other half-initialised, and
 * neither can be understood, tested or moved alone.
 */
export function fileCycles(edges: readonly Pick<FileImport, "file" | "to">[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { file, to } of edges) next.set(file, [...(next.get(file) ?? []), to]);
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    order.set(file, order.size);
    low.set(file, order.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const to of next.get(file) ?? []) {
      if (!order.has(to)) {
        visit(to);
        low.set(file, Math.min(low.get(file)!, low.get(to)!));
      } else if (onStack.has(to)) low.set(file, Math.min(low.get(file)!, order.get(to)!));
    }
    if (low.get(file) !== order.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const file of next.keys()) if (!order.has(file)) visit(file);
  return cycles.sort((a, b) => a[0]!.localeCompare(b[0]!));
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
