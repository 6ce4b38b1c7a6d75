/**
 * What every Pulumi project of the tests and the bench has, whatever its
 * language: a private PULUMI_HOME, a local file backend, a passphrase secrets
 * provider, the real CLI first on PATH, no automatic plugin downloads, and
 * the `pulumi` commands run in it.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface PulumiWorkspace {
  /** The project folder (empty: the caller writes Pulumi.yaml and the program). */
  readonly dir: string;
  readonly backendDir: string;
  readonly home: string;
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
  stop(): Promise<void>;
}

export interface WorkspaceOptions {
  /** Folders put first on PATH (the CLI's, a language host's). */
  readonly path: readonly string[];
  /** Extra environment (after the defaults). */
  readonly env?: NodeJS.ProcessEnv;
}

export async function createWorkspace(options: WorkspaceOptions): Promise<PulumiWorkspace> {
  const root = await mkdtemp(join(tmpdir(), "ms-pulumi-"));
  await chmod(root, 0o700);
  const dir = join(root, "project");
  const backendDir = join(root, "backend");
  const home = join(root, "pulumi-home");
  await Promise.all([mkdir(dir), mkdir(backendDir), mkdir(home)]);

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: [...options.path, process.env.PATH ?? ""].join(":"),
    PULUMI_HOME: home,
    PULUMI_BACKEND_URL: `file://${backendDir}`,
    PULUMI_CONFIG_PASSPHRASE: randomBytes(18).toString("base64url"),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    NO_COLOR: "1",
    // The test runner's own TypeScript loader must not leak into a program's node.
    NODE_OPTIONS: "",
    ...options.env,
  };
  for (const k of Object.keys(env)) if (k.startsWith("MANAGED_SECRETS_") || k.startsWith("ALIBABA_CLOUD_") || k.startsWith("ALICLOUD_")) delete env[k];

  const pulumi = (args: readonly string[], opts: { stdin?: string; stack?: string } = {}) =>
    new Promise<CommandResult>((resolvePromise, reject) => {
      // Flags go before a `--`, after which everything is a positional value.
      const extra = [...(opts.stack ? ["--stack", opts.stack] : []), "--non-interactive"];
      const dashes = args.indexOf("--");
      const full = dashes < 0 ? [...args, ...extra] : [...args.slice(0, dashes), ...extra, ...args.slice(dashes)];
      const child = spawn("pulumi", full, { cwd: dir, env, stdio: ["pipe", "pipe", "pipe"] });
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
    home,
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
    stop: () => rm(root, { recursive: true, force: true, maxRetries: 3, retryDelay: 100 }),
  };
}
