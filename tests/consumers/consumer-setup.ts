import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CONSUMER_CACHE, ConsumerUnavailable, pythonVenv, run, step } from "../../testkit/consumers/consumer-install";
import { ConsumerProcess as GenericConsumerProcess } from "../../testkit/consumers/consumer-process";

/**
 * The secret readers these suites install (testkit/consumers installs them
 * into a cache outside git, so a warm run only starts them): a registry
 * refusing a package becomes a skip that says so, except in CI, where it
 * fails (skipUnlessCi).
 */

export { ConsumerUnavailable } from "../../testkit/consumers/consumer-install";
export { tlsFront } from "../../testkit/consumers/tls-front";

export const PYTHON_CLIENT = { name: "alibabacloud-secretsmanager-client-v2", version: "2.0.0" } as const;

/** CI services set CI (GitHub Actions, GitLab, most others: "true"); an empty, "0" or "false" one is not CI. */
function inCi(env: NodeJS.ProcessEnv): boolean {
  const ci = env.CI?.trim().toLowerCase();
  return ci !== undefined && ci !== "" && ci !== "0" && ci !== "false";
}

/**
 * A client that cannot be installed skips its test on a developer's machine,
 * saying why; in CI it fails the test instead, since a green CI run must
 * mean every client was checked. Any other error fails anywhere.
 */
export function skipUnlessCi(ctx: Mocha.Context, e: unknown, env: NodeJS.ProcessEnv = process.env, say: (line: string) => void = console.log): never {
  if (!(e instanceof ConsumerUnavailable)) throw e;
  if (inCi(env)) throw new Error(`CI is set, so a consumer client that cannot be installed fails rather than skips: ${e.message}`, { cause: e });
  say(`      SKIPPED (not a pass): ${e.message}`);
  ctx.skip();
}

/** A virtualenv holding the Python client at its pinned version; returns its python. */
export function pythonConsumer(): Promise<string> {
  return pythonVenv("python-venv", { command: "python3" }, PYTHON_CLIENT);
}

/** The Go program under tests/consumers/go, built once per source digest into the cache. */
export async function goConsumer(): Promise<string> {
  const source = join(__dirname, "go");
  const digest = createHash("sha256");
  for (const f of ["go.mod", "go.sum", "main.go"]) digest.update(readFileSync(join(source, f)));
  const binary = join(CONSUMER_CACHE, "go", `consumer-${digest.digest("hex").slice(0, 16)}`);
  if (existsSync(binary)) return binary;
  try {
    await run("go", ["version"]);
  } catch {
    throw new ConsumerUnavailable("the go toolchain is not installed");
  }
  mkdirSync(join(CONSUMER_CACHE, "go"), { recursive: true });
  await step("go build (modules from the Go module proxy)", "go", ["build", "-o", binary, "."], {
    cwd: source,
    env: { ...process.env, GOFLAGS: "-mod=readonly" },
  });
  return binary;
}

export interface SecretView {
  versionId?: string;
  secretDataType?: string;
  /** Field name -> sha256 hex of its value. */
  fields?: Record<string, string>;
  error?: string;
}

export interface ConsumerReport {
  phase: string;
  secrets: Record<string, SecretView>;
}

/** A secret reader (python/consumer.py, go/): reads its secrets cached or refreshed on command, one report each. */
export class ConsumerProcess extends GenericConsumerProcess<ConsumerReport, "cached" | "refresh"> {}
