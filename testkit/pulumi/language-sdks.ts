/**
 * The generated SDKs installed as a user installs them, cached outside the
 * clone (MANAGED_SECRETS_SDK_CACHE, default ~/.cache/alicloud-managed-secrets/
 * language-sdks) per digest of what goes in, so a warm run only starts them:
 *  - Python: a virtualenv with PyPI's `pulumi` (the Automation API) and
 *    sdk/python pip-installed (from a copy: pip builds in the source folder);
 *  - Go: tests/engine-go/driver, which reaches sdk/go through a replace
 *    directive, built with `go build`.
 * .ci/run prepares both before `npm test` (testkit/pulumi/prepare-language-sdks.ts).
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "./pulumi-cli";

const execFileP = promisify(execFile);

/** The `pulumi` PyPI release the Python Automation API comes from (the newest served here). */
export const PYTHON_PULUMI_VERSION = "3.272.0";

const CACHE = process.env.MANAGED_SECRETS_SDK_CACHE ?? join(homedir(), ".cache", "alicloud-managed-secrets", "language-sdks");

async function digestOf(paths: readonly string[], extra = ""): Promise<string> {
  const hash = createHash("sha256").update(extra);
  const walk = async (p: string): Promise<void> => {
    const entries = await readdir(p, { withFileTypes: true }).catch(() => undefined);
    if (!entries) {
      hash.update(relative(REPO_ROOT, p)).update(await readFile(p));
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) await walk(join(p, e.name));
  };
  for (const p of paths) await walk(p);
  return hash.digest("hex").slice(0, 16);
}

async function step(what: string, file: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<void> {
  try {
    await execFileP(file, args, { ...options, maxBuffer: 64 << 20, timeout: 20 * 60_000 });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string };
    throw new Error(`${what} failed (${file} ${args.join(" ")}):\n${`${err.stderr ?? ""}\n${err.stdout ?? ""}`.trim().split("\n").slice(-8).join("\n")}`, { cause: e });
  }
}

let python: Promise<string> | undefined;

/** The python of a virtualenv with pulumi and the generated SDK installed; built once per SDK digest. */
export function pythonWithSdk(): Promise<string> {
  return (python ??= (async () => {
    const sdk = join(REPO_ROOT, "sdk", "python");
    const venv = join(CACHE, `python-${await digestOf([sdk], PYTHON_PULUMI_VERSION)}`);
    const bin = join(venv, "bin", "python");
    if (existsSync(join(venv, ".complete"))) return bin;
    await rm(venv, { recursive: true, force: true });
    await mkdir(CACHE, { recursive: true });
    await step("creating the virtualenv", "python3", ["-m", "venv", venv]);
    const pip = (what: string, ...args: string[]) => step(what, bin, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", ...args]);
    await pip(`pip install pulumi==${PYTHON_PULUMI_VERSION}`, `pulumi==${PYTHON_PULUMI_VERSION}`);
    const copy = await mkdtemp(join(tmpdir(), "ms-python-sdk-"));
    try {
      await cp(sdk, copy, { recursive: true });
      await pip("pip install sdk/python", copy);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
    await writeFile(join(venv, ".complete"), "");
    return bin;
  })());
}

let goDriver: Promise<string> | undefined;

/** tests/engine-go/driver built against sdk/go; once per digest of both. */
export function goDriverBinary(): Promise<string> {
  return (goDriver ??= (async () => {
    const source = join(REPO_ROOT, "tests", "engine-go", "driver");
    const binary = join(CACHE, `go-driver-${await digestOf([source, join(REPO_ROOT, "sdk", "go")])}`);
    if (existsSync(binary)) return binary;
    await mkdir(CACHE, { recursive: true });
    await step("go build of tests/engine-go/driver (modules from the Go module proxy)", "go", ["build", "-o", binary, "."], {
      cwd: source,
      env: { ...process.env, GOFLAGS: "-mod=readonly" },
    });
    return binary;
  })());
}
