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
import { rmSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

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

const tarballs = new Map<string, Promise<string>>();

/**
 * `npm pack` of a built package folder (default: this checkout, whose dist/
 * `npm run build` made), into a temp folder; once per folder per process.
 */
export function packPackage(packageDir = REPO_ROOT): Promise<string> {
  let p = tarballs.get(packageDir);
  if (!p) {
    p = (async () => {
      const out = await mkdtemp(join(tmpdir(), "ms-pack-"));
      const { stdout } = await execFileP("npm", ["pack", "--silent", "--pack-destination", out], { cwd: packageDir, maxBuffer: 16 << 20 });
      return join(out, stdout.trim().split("\n").pop()!);
    })();
    tarballs.set(packageDir, p);
  }
  return p;
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

export const PROJECT_TYPESCRIPT = "5.9.3";

/** Installed project templates of this test run, by tarball and package.json; removed when the process exits. */
const templates = new Map<string, Promise<string>>();
const templateDirs: string[] = [];
process.once("exit", () => {
  for (const dir of templateDirs) rmSync(dir, { recursive: true, force: true });
});

async function npmInstall(cwd: string, env: NodeJS.ProcessEnv, spec: string): Promise<void> {
  await execFileP("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error", spec], {
    cwd,
    env: { ...env, npm_config_update_notifier: "false" },
    maxBuffer: 16 << 20,
    timeout: 10 * 60_000,
  });
}

function lockedVersion(name: string, lock: { packages: Record<string, { version?: string }> }): string {
  const v = lock.packages[`node_modules/${name}`]?.version;
  if (!v) throw new Error(`${name} is not in package-lock.json`);
  return v;
}

export async function createPulumiProject(options: PulumiProjectOptions): Promise<PulumiProject> {
  const [cli, root] = await Promise.all([pulumiCliDir(), mkdtemp(join(tmpdir(), "ms-pulumi-"))]);
  await chmod(root, 0o700);
  const dir = join(root, "project");
  const backendDir = join(root, "backend");
  const home = join(root, "pulumi-home");
  await Promise.all([mkdir(dir), mkdir(backendDir), mkdir(home)]);
  const lock = JSON.parse(await readFile(join(REPO_ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { version?: string }> };

  // The same versions this checkout locks, so the install is served from npm's cache.
  const pkg = {
    name: options.name,
    main: "index.ts",
    private: true,
    dependencies: { "@pulumi/pulumi": lockedVersion("@pulumi/pulumi", lock) },
    // `pulumi new typescript` asks for TypeScript ^5 (6 refuses that template's moduleResolution).
    devDependencies: { typescript: PROJECT_TYPESCRIPT, "@types/node": lockedVersion("@types/node", lock) },
  };
  await writeFile(join(dir, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
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

  const install = (tarball: string, cwd = dir) => npmInstall(cwd, env, `alicloud-managed-secrets@file:${tarball}`);
  // A project of the same package.json and tarball was installed before in this run: copy it (seconds, not a minute).
  const key = `${options.tarball}\n${JSON.stringify(pkg)}`;
  let template = templates.get(key);
  if (!template) {
    template = (async () => {
      const t = await mkdtemp(join(tmpdir(), "ms-pulumi-template-"));
      templateDirs.push(t);
      await writeFile(join(t, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
      await install(options.tarball, t);
      return t;
    })();
    templates.set(key, template);
  }
  const from = await template;
  await execFileP("cp", ["-a", join(from, "node_modules"), join(from, "package.json"), join(from, "package-lock.json"), dir]);

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
    install,
    stop: () => rm(root, { recursive: true, force: true, maxRetries: 3, retryDelay: 100 }),
  };
}
