/**
 * Where suites live: `tests/` mirrors the folders it tests, so a reader finds
 * a folder's suites at the same path, and a suite left in a folder the code no
 * longer has (as tests/ecs was after provider/ecs/ went) is caught.
 */

/**
 * The folders the README's `tests/` row names (`tests/engine-cli` and the
 * like): the suites that cross every layer by design, and tests/support.
 */
export function namedTestFolders(readme: string): string[] {
  const row = readme.split("\n").find((line) => line.startsWith("| `tests/` |"));
  if (row === undefined) throw new Error("README has no `tests/` row");
  return [...row.matchAll(/`(tests\/[^`<>]+?)\/?`/g)].map((m) => m[1]!);
}

/**
 * The test folders that are neither the mirror of a code folder (tests/x for
 * provider/x, tests/emulator/x for emulator/x, and so for testkit/ and sdk/)
 * nor under a folder the README names.
 */
export function misplacedTestFolders(testDirs: readonly string[], codeDirs: readonly string[], named: readonly string[]): string[] {
  const mirrors = new Set(codeDirs.map((d) => `tests/${d.replace(/^provider\//, "")}`));
  return testDirs.filter((d) => !mirrors.has(d) && !named.some((n) => d === n || d.startsWith(`${n}/`)));
}
