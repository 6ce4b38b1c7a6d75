import { execFile, spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { connect, type AddressInfo } from "node:net";
import { homedir } from "node:os";
import { join } from "node:path";
import { createInterface, type Interface } from "node:readline";
import { createServer as createTlsServer, type Server as TlsServer } from "node:tls";
import { promisify } from "node:util";

/**
 * Installs the consumers from their registries into a cache outside git, so
 * a warm run only starts them. Every install step names what it ran on
 * failure; a registry refusing the package becomes a skip that says so,
 * except in CI, where it fails (skipUnlessCi).
 */

const run = promisify(execFile);

export const CONSUMER_CACHE =
  process.env.MANAGED_SECRETS_CONSUMER_CACHE ?? join(homedir(), ".cache", "alicloud-managed-secrets", "consumers");

export const PYTHON_CLIENT = { name: "alibabacloud-secretsmanager-client-v2", version: "2.0.0" } as const;

/** Why a consumer cannot be installed here, when the cause is the registry or a missing toolchain rather than our code. */
export class ConsumerUnavailable extends Error {}

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

/** Lines of pip/go output that say the registry refused or could not serve the package. */
const REGISTRY_REFUSAL = /No matching distribution|Could not find a version|403 Forbidden|404 Not Found|Temporary failure in name resolution|connection refused|dial tcp|proxyconnect|TLS handshake timeout/i;

async function step(what: string, file: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<void> {
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

/** A virtualenv holding the Python client at its pinned version; returns its python. */
export async function pythonConsumer(): Promise<string> {
  const venv = join(CONSUMER_CACHE, `python-venv`);
  const python = join(venv, "bin", "python");
  const marker = join(venv, `.installed-${PYTHON_CLIENT.name}-${PYTHON_CLIENT.version}`);
  if (existsSync(marker)) return python;
  mkdirSync(CONSUMER_CACHE, { recursive: true });
  try {
    await run("python3", ["--version"]);
  } catch {
    throw new ConsumerUnavailable("python3 is not installed");
  }
  await step("creating the virtualenv", "python3", ["-m", "venv", venv]);
  await step(`pip install ${PYTHON_CLIENT.name}==${PYTHON_CLIENT.version}`, python, [
    "-m", "pip", "install", "--quiet", "--disable-pip-version-check", `${PYTHON_CLIENT.name}==${PYTHON_CLIENT.version}`,
  ]);
  writeFileSync(marker, "");
  return python;
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

/**
 * A self-signed certificate for 127.0.0.1, made once into the cache. It
 * protects nothing: it lets clients that only speak https reach the
 * emulator on loopback.
 */
export async function loopbackCertificate(): Promise<{ cert: string; key: string; certPath: string }> {
  const dir = join(CONSUMER_CACHE, "tls");
  const certPath = join(dir, "loopback.crt");
  const keyPath = join(dir, "loopback.key");
  if (!existsSync(certPath) || !existsSync(keyPath)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    await step("openssl req (loopback certificate)", "openssl", [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650", "-subj", "/CN=127.0.0.1",
      "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", keyPath, "-out", certPath,
    ]);
  }
  return { cert: readFileSync(certPath, "utf8"), key: readFileSync(keyPath, "utf8"), certPath };
}

/** TLS on 127.0.0.1 in front of the emulator's plain-http port. */
export async function tlsFront(emulatorPort: number): Promise<{ endpoint: string; certPath: string; close(): Promise<void> }> {
  const { cert, key, certPath } = await loopbackCertificate();
  const server: TlsServer = createTlsServer({ cert, key }, (tls) => {
    const plain = connect(emulatorPort, "127.0.0.1");
    tls.pipe(plain).pipe(tls);
    const end = () => {
      tls.destroy();
      plain.destroy();
    };
    tls.on("error", end);
    plain.on("error", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `127.0.0.1:${port}`,
    certPath,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
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

/** A consumer process: credentials in its environment, commands on stdin, one JSON report per line on stdout. */
export class ConsumerProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly pending: string[] = [];
  private waiting: ((line: string) => void) | undefined;
  private stderr = "";

  constructor(file: string, args: string[], env: Record<string, string>) {
    this.child = spawn(file, args, { env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env } });
    this.child.stderr.on("data", (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    this.lines = createInterface({ input: this.child.stdout });
    this.lines.on("line", (line) => {
      // Client libraries print their own lines (the Go SDK logs to stdout); only our reports count.
      if (!line.startsWith('{"phase"')) return;
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = undefined;
        w(line);
      } else this.pending.push(line);
    });
  }

  /** The next report, or an error naming the process's last stderr lines. */
  next(timeoutMs = 30_000): Promise<ConsumerReport> {
    const line = this.pending.shift();
    if (line !== undefined) return Promise.resolve(JSON.parse(line) as ConsumerReport);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        reject(new Error(`no report within ${timeoutMs} ms; stderr: ${this.stderr.split("\n").slice(-5).join(" | ")}`));
      }, timeoutMs);
      this.child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`consumer exited (${code}); stderr: ${this.stderr.split("\n").slice(-5).join(" | ")}`));
      });
      this.waiting = (l) => {
        clearTimeout(timer);
        resolve(JSON.parse(l) as ConsumerReport);
      };
    });
  }

  send(command: "cached" | "refresh"): Promise<ConsumerReport> {
    this.child.stdin.write(`${command}\n`);
    return this.next();
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.stdin.end("quit\n");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
