/**
 * The real Pulumi CLI, driven as a user drives it: a temporary project that
 * installs this package from its `npm pack` tarball, a local file backend, a
 * passphrase secrets provider and a private PULUMI_HOME.
 *
 * The CLI comes from scripts/pulumi-cli.sh (built from Go modules, cached);
 * PULUMI_CLI_DIR points at another folder holding `pulumi` and its plugins.
 */
import { execFile } from "node:child_process";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { createWorkspace, type PulumiWorkspace } from "./pulumi-workspace";
import { runShared } from "./run-shared";
import { installUserProject, npmInstall, unshareNodeModules, userPackageJson } from "./user-project";

const execFileP = promisify(execFile);
export const REPO_ROOT = resolve(__dirname, "..", "..");

export type { CommandResult } from "./pulumi-workspace";

const built = new Map<string, Promise<string>>();

/**
 * The folder a build script of scripts/ prints last (it builds on first use:
 * minutes when cold, instant when cached), or the folder `overrideEnv` names.
 */
export function scriptBuiltDir(script: string, overrideEnv: string): Promise<string> {
  let dir = built.get(script);
  if (!dir) {
    dir = (async () => {
      if (process.env[overrideEnv]) return process.env[overrideEnv]!;
      const { stdout } = await execFileP(join(REPO_ROOT, "scripts", script), [], { maxBuffer: 64 << 20, timeout: 30 * 60_000 });
      const lines = stdout.trim().split("\n");
      return lines[lines.length - 1]!;
    })();
    built.set(script, dir);
  }
  return dir;
}

/** The folder holding `pulumi` (scripts/pulumi-cli.sh, or PULUMI_CLI_DIR). */
export function pulumiCliDir(): Promise<string> {
  return scriptBuiltDir("pulumi-cli.sh", "PULUMI_CLI_DIR");
}

/**
 * `npm pack` of a built package folder (default: this checkout, whose dist/
 * `npm run build` made); once per folder per test run, shared by every worker.
 */
export async function packPackage(packageDir = REPO_ROOT): Promise<string> {
  const out = await runShared("pack", packageDir, async (dir) => {
    await execFileP("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: packageDir, maxBuffer: 16 << 20 });
  });
  const tgz = (await readdir(out)).filter((f) => f.endsWith(".tgz"));
  if (tgz.length !== 1) throw new Error(`npm pack of ${packageDir} left ${tgz.length} tarballs in ${out}`);
  return join(out, tgz[0]!);
}

export interface PulumiProjectOptions {
  /** Project name (Pulumi.yaml `name`). */
  readonly name: string;
  /** Files of the program, by path relative to the project (index.ts at least). */
  readonly files: Readonly<Record<string, string>>;
  /** The package tarball to install as `alicloud-managed-secrets`. */
  readonly tarball: string;
  /** Extra Pulumi.yaml lines (config schema and the like). */
  readonly projectYaml?: string;
}

export interface PulumiProject extends PulumiWorkspace {
  /** Installs another tarball of the package in place of the current one. */
  install(tarball: string): Promise<void>;
}

/** The tsconfig.json `pulumi new typescript` writes. */
export const STOCK_TSCONFIG = {
  compilerOptions: {
    strict: true,
    outDir: "bin",
    target: "es2020",
    module: "commonjs",
    moduleResolution: "node",
    sourceMap: true,
    experimentalDecorators: true,
    pretty: true,
    noFallthroughCasesInSwitch: true,
    noImplicitReturns: true,
    forceConsistentCasingInFileNames: true,
  },
  files: ["index.ts"],
};

export async function createPulumiProject(options: PulumiProjectOptions): Promise<PulumiProject> {
  const [cli, pkg] = await Promise.all([pulumiCliDir(), userPackageJson(options.name)]);
  const ws = await createWorkspace({ path: [cli] });
  const { dir, env } = ws;
  await writeFile(join(dir, "tsconfig.json"), `${JSON.stringify(STOCK_TSCONFIG, null, 2)}\n`);
  await writeFile(join(dir, "Pulumi.yaml"), `name: ${options.name}\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n${options.projectYaml ?? ""}`);
  for (const [path, text] of Object.entries(options.files)) {
    await mkdir(join(dir, path, ".."), { recursive: true });
    await writeFile(join(dir, path), text);
  }

  const install = (tarball: string) => npmInstall(dir, env, `alicloud-managed-secrets@file:${tarball}`);
  await installUserProject(dir, pkg, options.tarball, env);

  return {
    ...ws,
    async install(tarball) {
      await unshareNodeModules(dir);
      await install(tarball);
    },
  };
}
