/**
 * The real Pulumi CLI, driven as a user drives it: a temporary project that
 * installs this package from its `npm pack` tarball, a local file backend, a
 * passphrase secrets provider and a private PULUMI_HOME.
 *
 * The CLI comes from scripts/pulumi-cli.sh (built from Go modules, cached);
 * PULUMI_CLI_DIR points at another folder holding `pulumi` and its plugins.
 */
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { runShared } from "./run-shared";
import { installUserProject, npmInstall, unshareNodeModules, userPackageJson } from "./user-project";

const execFileP = promisify(execFile);
export const REPO_ROOT = resolve(__dirname, "..", "..");

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let cliDir: Promise<string> | undefined;

/** The folder holding `pulumi`, built on first use (minutes when cold, instant when cached). */
export function pulumiCliDir(): Promise<string> {
  return (cliDir ??= (async () => {
    if (process.env.PULUMI_CLI_DIR) return process.env.PULUMI_CLI_DIR;
    const { stdout } = await execFileP(join(REPO_ROOT, "scripts", "pulumi-cli.sh"), [], { maxBuffer: 64 << 20, timeout: 30 * 60_000 });
    const lines = stdout.trim().split("\n");
    return lines[lines.length - 1]!;
  })());
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

export interface PulumiProject {
  readonly dir: string;
  readonly backendDir: string;
  readonly env: NodeJS.ProcessEnv;
  /** Runs `pulumi ...` in the project; never throws on a non-zero exit. */
  pulumi(args: readonly string[], options?: { stdin?: string; stack?: string }): Promise<CommandResult>;
  /** Like pulumi(), but throws with the output when the exit code is not 0. */
  pulumiOk(args: readonly string[], options?: { stdin?: string; stack?: string }): Promise<CommandResult>;
  /** Sets plain config from an object (JSON values for lists and objects). */
  setConfig(stack: string, entries: Readonly<Record<string, string>>): Promise<void>;
  /** Sets one secret config value through stdin, as `pulumi config set --secret KEY < FILE` does. */
  setSecret(stack: string, key: string, value: string): Promise<void>;
  /** Every file the local backend keeps, concatenated (for leak scans). */
  backendText(): Promise<string>;
  /** Installs another tarball of the package in place of the current one. */
  install(tarball: string): Promise<void>;
  stop(): Promise<void>;
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
  const [cli, root] = await Promise.all([pulumiCliDir(), mkdtemp(join(tmpdir(), "ms-pulumi-"))]);
  await chmod(root, 0o700);
  const dir = join(root, "project");
  const backendDir = join(root, "backend");
  const home = join(root, "pulumi-home");
  await Promise.all([mkdir(dir), mkdir(backendDir), mkdir(home)]);
  const pkg = await userPackageJson(options.name);
  await writeFile(join(dir, "tsconfig.json"), `${JSON.stringify(STOCK_TSCONFIG, null, 2)}\n`);
  await writeFile(join(dir, "Pulumi.yaml"), `name: ${options.name}\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n${options.projectYaml ?? ""}`);
  for (const [path, text] of Object.entries(options.files)) {
    await mkdir(join(dir, path, ".."), { recursive: true });
    await writeFile(join(dir, path), text);
  }

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${cli}:${process.env.PATH ?? ""}`,
    PULUMI_HOME: home,
    PULUMI_BACKEND_URL: `file://${backendDir}`,
    PULUMI_CONFIG_PASSPHRASE: randomBytes(18).toString("base64url"),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    NO_COLOR: "1",
    // The test runner's own TypeScript loader must not leak into the program's node.
    NODE_OPTIONS: "",
  };
  for (const k of Object.keys(env)) if (k.startsWith("MANAGED_SECRETS_") || k.startsWith("ALIBABA_CLOUD_") || k.startsWith("ALICLOUD_")) delete env[k];

  const install = (tarball: string) => npmInstall(dir, env, `alicloud-managed-secrets@file:${tarball}`);
  await installUserProject(dir, pkg, options.tarball, env);

  const pulumi = (args: readonly string[], opts: { stdin?: string; stack?: string } = {}) =>
    new Promise<CommandResult>((resolvePromise, reject) => {
      // Flags go before a `--`, after which everything is a positional value.
      const extra = [...(opts.stack ? ["--stack", opts.stack] : []), "--non-interactive"];
      const dashes = args.indexOf("--");
      const full = dashes < 0 ? [...args, ...extra] : [...args.slice(0, dashes), ...extra, ...args.slice(dashes)];
      const child = spawn(join(cli, "pulumi"), full, { cwd: dir, env, stdio: ["pipe", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolvePromise({ code: code ?? 1, stdout, stderr }));
      child.stdin.end(opts.stdin ?? "");
    });
  const pulumiOk = async (args: readonly string[], opts: { stdin?: string; stack?: string } = {}) => {
    const r = await pulumi(args, opts);
    if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r;
  };

  return {
    dir,
    backendDir,
    env,
    pulumi,
    pulumiOk,
    async setConfig(stack, entries) {
      // One `config set-all` for every plain value (never a credential: those go through setSecret's stdin).
      const pairs = Object.entries(entries).flatMap(([key, value]) => ["--plaintext", `${key}=${value}`]);
      if (pairs.length > 0) await pulumiOk(["config", "set-all", ...pairs], { stack });
    },
    async setSecret(stack, key, value) {
      await pulumiOk(["config", "set", "--secret", key], { stack, stdin: value });
    },
    async backendText() {
      const parts: string[] = [];
      const walk = async (d: string): Promise<void> => {
        for (const e of await readdir(d, { withFileTypes: true })) {
          const p = join(d, e.name);
          if (e.isDirectory()) await walk(p);
          else parts.push(await readFile(p, "utf8"));
        }
      };
      await walk(backendDir);
      return parts.join("\n");
    },
    async install(tarball) {
      await unshareNodeModules(dir);
      await install(tarball);
    },
    stop: () => rm(root, { recursive: true, force: true, maxRetries: 3, retryDelay: 100 }),
  };
}
