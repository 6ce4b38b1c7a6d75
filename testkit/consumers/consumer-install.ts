import { execFile } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

/**
 * Installs consumer clients (Alibaba's own, from their registries) into a
 * cache outside git, so a warm run only starts them. Every install step names
 * what it ran on failure; a registry refusing the package, or a missing
 * toolchain, is ConsumerUnavailable, which a test may turn into a skip.
 */

export const run = promisify(execFile);

export const CONSUMER_CACHE =
  process.env.MANAGED_SECRETS_CONSUMER_CACHE ?? join(homedir(), ".cache", "alicloud-managed-secrets", "consumers");

/** Why a consumer cannot be installed here, when the cause is the registry or a missing toolchain rather than our code. */
export class ConsumerUnavailable extends Error {}

/** Lines of pip/go output that say the registry refused or could not serve the package. */
const REGISTRY_REFUSAL = /No matching distribution|Could not find a version|403 Forbidden|404 Not Found|Temporary failure in name resolution|connection refused|dial tcp|proxyconnect|TLS handshake timeout/i;

export async function step(what: string, file: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<void> {
  try {
    await run(file, args, { ...options, maxBuffer: 32 * 1024 * 1024, timeout: 15 * 60_000 });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string };
    const output = `${err.stderr ?? ""}\n${err.stdout ?? ""}`;
    const tail = output.trim().split("\n").slice(-5).join("\n");
    if (REGISTRY_REFUSAL.test(output)) throw new ConsumerUnavailable(`${what}: the registry did not serve it:\n${tail}`, { cause: e });
    throw new Error(`${what} failed (${file} ${args.join(" ")}):\n${tail}`, { cause: e });
  }
}

export interface Interpreter {
  readonly command: string;
  /** Extra environment for running it (not for the virtualenv it makes, whose python is the interpreter itself). */
  readonly env?: Readonly<Record<string, string>>;
}

/** A virtualenv of its own in the cache, made by `interpreter`, holding one package at its pinned version; returns its python. */
export async function pythonVenv(folder: string, interpreter: Interpreter, pkg: { readonly name: string; readonly version: string }): Promise<string> {
  const venv = join(CONSUMER_CACHE, folder);
  const python = join(venv, "bin", "python");
  const marker = join(venv, `.installed-${pkg.name}-${pkg.version}`);
  if (existsSync(marker)) return python;
  mkdirSync(CONSUMER_CACHE, { recursive: true });
  const env = { ...process.env, ...interpreter.env };
  try {
    await run(interpreter.command, ["--version"], { env });
  } catch {
    throw new ConsumerUnavailable(`${interpreter.command} is not installed`);
  }
  await step("creating the virtualenv", interpreter.command, ["-m", "venv", venv], { env });
  await step(`pip install ${pkg.name}==${pkg.version}`, python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", `${pkg.name}==${pkg.version}`]);
  writeFileSync(marker, "");
  return python;
}
