/**
 * A user's Pulumi TypeScript project with this package installed from its
 * `npm pack` tarball, as `pulumi new typescript` plus `npm install <tarball>`
 * leave it. The real `npm install` runs once per tarball and dependency set in
 * a test run; each project gets a hard-linked copy of that install (seconds,
 * not a minute), with its own package.json and lock files.
 */
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { runShared } from "./run-shared";

const execFileP = promisify(execFile);
const REPO_ROOT = resolve(__dirname, "..", "..");

/** The TypeScript `pulumi new typescript` asks for (^5: 6 refuses that template's moduleResolution). */
export const PROJECT_TYPESCRIPT = "5.9.3";

export interface UserPackageJson {
  readonly name: string;
  readonly main: string;
  readonly private: true;
  readonly dependencies: Readonly<Record<string, string>>;
  readonly devDependencies: Readonly<Record<string, string>>;
}

interface Lockfile {
  name?: string;
  packages: Record<string, { name?: string; version?: string }>;
}

/** What `pulumi new typescript` writes, at the versions this checkout locks (so npm's cache serves them). */
export async function userPackageJson(name: string): Promise<UserPackageJson> {
  const lock = JSON.parse(await readFile(join(REPO_ROOT, "package-lock.json"), "utf8")) as Lockfile;
  const locked = (dep: string) => {
    const v = lock.packages[`node_modules/${dep}`]?.version;
    if (!v) throw new Error(`${dep} is not in package-lock.json`);
    return v;
  };
  return {
    name,
    main: "index.ts",
    private: true,
    dependencies: { "@pulumi/pulumi": locked("@pulumi/pulumi") },
    devDependencies: { typescript: PROJECT_TYPESCRIPT, "@types/node": locked("@types/node") },
  };
}

/** `npm install <spec>` in `cwd`, without the test runner's TypeScript loader. */
export async function npmInstall(cwd: string, env: NodeJS.ProcessEnv, spec: string): Promise<void> {
  await execFileP("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error", spec], {
    cwd,
    env: { ...env, NODE_OPTIONS: "", npm_config_update_notifier: "false" },
    maxBuffer: 16 << 20,
    timeout: 10 * 60_000,
  });
}

/** Writes `pkg` into `dir` and gives it node_modules and package-lock.json as `npm install <tarball>` there would. */
export async function installUserProject(dir: string, pkg: UserPackageJson, tarball: string, env: NodeJS.ProcessEnv): Promise<void> {
  const deps = { ...pkg, name: "ms-user-project" };
  const template = await runShared("user-project", `${tarball}\n${JSON.stringify(deps)}`, async (t) => {
    await writeFile(join(t, "package.json"), `${JSON.stringify(deps, null, 2)}\n`);
    await npmInstall(t, env, `alicloud-managed-secrets@file:${tarball}`);
  });
  // node_modules is only read by the programs and compilers; npm rewrites its
  // hidden lock file in place, so that one is a copy (a later npm install in
  // the project must first copy the rest: see unshareNodeModules).
  await execFileP("cp", ["-al", join(template, "node_modules"), dir]);
  await execFileP("cp", ["-p", "--remove-destination", join(template, "node_modules", ".package-lock.json"), join(dir, "node_modules", ".package-lock.json")]);
  const lock = JSON.parse(await readFile(join(template, "package-lock.json"), "utf8")) as Lockfile;
  lock.name = pkg.name;
  if (lock.packages[""]) lock.packages[""].name = pkg.name;
  const manifest = JSON.parse(await readFile(join(template, "package.json"), "utf8")) as Record<string, unknown>;
  await writeFile(join(dir, "package.json"), `${JSON.stringify({ ...manifest, name: pkg.name }, null, 2)}\n`);
  await writeFile(join(dir, "package-lock.json"), `${JSON.stringify(lock, null, 2)}\n`);
}

/** Replaces the project's hard-linked node_modules by its own copy, before npm writes into it. */
export async function unshareNodeModules(dir: string): Promise<void> {
  const linked = join(dir, "node_modules");
  await execFileP("cp", ["-a", linked, `${linked}.own`]);
  await execFileP("rm", ["-rf", linked]);
  await execFileP("mv", [`${linked}.own`, linked]);
}
