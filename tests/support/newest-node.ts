import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "../../testkit/pulumi/pulumi-cli";

/**
 * The top of the supported Node.js range: the newest release the npm
 * registry serves, from scripts/newest-node.sh (installed once, cached next
 * to .ci/run's Node 22). .ci/run runs it before the tests and names the
 * binary in TEST_NEWEST_NODE; without that, the script runs here.
 */
export interface NewestNode {
  readonly path: string;
  readonly major: number;
}

let found: NewestNode | undefined;

export function newestNode(): NewestNode {
  if (found) return found;
  const path = process.env.TEST_NEWEST_NODE || execFileSync(join(REPO_ROOT, "scripts", "newest-node.sh"), { encoding: "utf8", timeout: 10 * 60_000 }).trim();
  const version = execFileSync(path, ["--version"], { encoding: "utf8" }).trim();
  found = { path, major: Number(/^v(\d+)\./.exec(version)?.[1]) };
  return found;
}
