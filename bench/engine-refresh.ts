/**
 * The engine path as stacks grow (`npm run bench -- --engine-refresh`, or
 * BENCH_ONLY=engine-refresh; not part of `npm test`). On 8 real sshd hosts,
 * stacks of 10, 100 and 300 EcsSecrets (non-root passwords spread over the
 * hosts), each in one run:
 *
 *   preview   `pulumi preview --refresh --expect-no-changes`, what CI runs:
 *             the engine, the program, and each secret's refresh (read(): a
 *             fresh login with the current credential, the store read);
 *   refresh   `pulumi refresh --preview-only --expect-no-changes`: the reads
 *             alone, no program;
 *   up        `pulumi up --yes --skip-preview --expect-no-changes` with
 *             nothing to do (the program and a diff per secret);
 *   direct    the same read() the engine calls, for every secret, in this one
 *             process at the engine's concurrency (--parallel, whose default
 *             the CLI prints: 4 per core), on the same store and hosts.
 *
 * While each contender runs, the hosts' sshd connections are sampled to see
 * how many probes really run at once, and their logs say how many logins
 * each secret costs. Every
 * contender must find every secret healthy. Prints figures; asserts nothing
 * about time. Env: BENCH_ENGINE_REFRESH_SIZES (10,100,300),
 * BENCH_ENGINE_REFRESH_RUNS (3), BENCH_ENGINE_REFRESH_HOSTS (8),
 * BENCH_ENGINE_REFRESH_PARALLEL (the CLI's default), BENCH_ENGINE_REFRESH_CPU_PROF
 * (a folder: one more preview per size with its node processes profiled).
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import * as ecs from "../provider/resources/ecs-secret/ecs-secret-handler";
import type { EcsSecretOutputs } from "../provider/resources/ecs-secret/ecs-secret-handler";
import { LocalSecretStore } from "../provider/store/local/local-store";
import { targetRegistry, type RuntimeContext } from "../provider/context/runtime-context";
import { createPulumiProject, packPackage, type PulumiProject } from "../testkit/pulumi/pulumi-cli";
import { startSshHost, type StartedSshHost } from "../testkit/sshd/ssh-host";

const SIZES = (process.env.BENCH_ENGINE_REFRESH_SIZES ?? "10,100,300").split(",").map(Number);
const RUNS = Number(process.env.BENCH_ENGINE_REFRESH_RUNS ?? 3);
const HOSTS = Number(process.env.BENCH_ENGINE_REFRESH_HOSTS ?? 8);
/** Pulumi's default --parallel is 4 per CPU (`pulumi preview --help` says which number here). */
const PARALLEL = Number(process.env.BENCH_ENGINE_REFRESH_PARALLEL ?? 4 * cpus().length);
/** Set: one more preview per size with every node process profiled (--cpu-prof) into this folder. */
const CPU_PROFILE_DIR = process.env.BENCH_ENGINE_REFRESH_CPU_PROF;

/** One EcsSecret per entry of targets.json (credentials read from the 0600 file). */
const PROGRAM = `import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { EcsSecret } from "alicloud-managed-secrets";
const cfg = new pulumi.Config();
const targets = JSON.parse(fs.readFileSync("targets.json", "utf8")) as Array<{ id: string; instance: string; user: string; host: string; port: number; fp: string; password: string }>;
for (const t of targets.slice(0, cfg.requireNumber("count"))) {
  new EcsSecret(t.id, {
    instanceId: t.instance, managedUser: t.user, credentialType: "password",
    initialValue: pulumi.secret(t.password),
    connection: { host: t.host, port: t.port, hostKeyFingerprint: t.fp },
    rotationPeriod: "30d",
  });
}
`;

interface Declared {
  readonly id: string;
  readonly instance: string;
  readonly host: StartedSshHost;
  readonly user: string;
  readonly password: string;
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** The pids of an sshd listener's children (about one per connection), from the kernel's own list. */
function connectionPids(host: StartedSshHost): string[] {
  try {
    return readFileSync(`/proc/${host.pid}/task/${host.pid}/children`, "utf8").trim().split(" ").filter(Boolean);
  } catch {
    return [];
  }
}

/** Logins the hosts' sshd logged so far (LogLevel VERBOSE logs each one as "Accepted ..."). */
function loginsLogged(hosts: readonly StartedSshHost[]): number {
  return hosts.reduce((n, h) => n + (h.logs().match(/\bAccepted (password|publickey) for /g)?.length ?? 0), 0);
}

/**
 * While `fn` runs: the most sshd connections open at once (the listeners'
 * children, sampled every 10 ms; a few are closing) and how many logins the
 * hosts accepted.
 */
async function sampledSessions<T>(hosts: readonly StartedSshHost[], fn: () => Promise<T>): Promise<{ value: T; peak: number; sessions: number }> {
  let peak = 0;
  const sample = () => {
    peak = Math.max(
      peak,
      hosts.reduce((n, h) => n + connectionPids(h).length, 0),
    );
  };
  const before = loginsLogged(hosts);
  const timer = setInterval(sample, 10);
  try {
    const value = await fn();
    return { value, peak, sessions: loginsLogged(hosts) - before };
  } finally {
    clearInterval(timer);
  }
}

/** A `pulumi stack export --show-secrets` value with its secrets as plain values. */
function unwrap(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrap);
  if (value === null || typeof value !== "object") return value;
  const o = value as Record<string, unknown>;
  if ("plaintext" in o && "4dabf18193072939515e22adb298388d" in o) return JSON.parse(o.plaintext as string);
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, unwrap(v)]));
}

async function stackOutputs(project: PulumiProject, stack: string): Promise<Map<string, EcsSecretOutputs>> {
  const exported = JSON.parse((await project.pulumiOk(["stack", "export", "--show-secrets"], { stack })).stdout) as {
    deployment: { resources?: Array<{ type: string; id?: string; outputs?: Record<string, unknown> }> };
  };
  const out = new Map<string, EcsSecretOutputs>();
  for (const r of exported.deployment.resources ?? []) {
    if (r.type.startsWith("pulumi-nodejs:dynamic") && r.id && r.outputs?.__provider !== undefined) out.set(r.id, unwrap(r.outputs) as EcsSecretOutputs);
  }
  return out;
}

/** Runs `fn` with the project's environment changed (undefined: unset), then puts it back. */
async function withEnv<T>(project: PulumiProject, change: Readonly<Record<string, string | undefined>>, fn: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(change).map((k) => [k, project.env[k]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete project.env[k];
      else project.env[k] = v;
    }
  };
  apply(change);
  try {
    return await fn();
  } finally {
    apply(before);
  }
}

interface SizeResult {
  readonly count: number;
  readonly createMs: number;
  readonly preview: number[];
  readonly refreshOnly: number[];
  readonly up: number[];
  readonly direct: number[];
  readonly previewSessions: { peak: number; sessions: number };
  readonly directSessions: { peak: number; sessions: number };
}

async function benchSize(dir: string, tarball: string, hosts: readonly StartedSshHost[], declared: readonly Declared[], count: number): Promise<SizeResult> {
  const storePath = join(dir, `store-${count}.enc`);
  const passphrase = randomBytes(18).toString("base64url");
  const project = await createPulumiProject({ name: `engine-refresh-${count}`, files: { "index.ts": PROGRAM }, tarball });
  const stack = "bench";
  const parallel = process.env.BENCH_ENGINE_REFRESH_PARALLEL ? ["--parallel", String(PARALLEL)] : [];
  try {
    const targets = declared.map((d) => ({ id: d.id, instance: d.instance, user: d.user, host: d.host.host, port: d.host.port, fp: d.host.hostKeyFingerprint, password: d.password }));
    await writeFile(join(project.dir, "targets.json"), JSON.stringify(targets), { mode: 0o600 });
    await project.pulumiOk(["stack", "init", stack]);
    await project.setConfig(stack, { count: String(count), "managed-secrets:localPath": storePath });
    await project.setSecret(stack, "managed-secrets:passphrase", passphrase);
    const createMs = await timed(() => project.pulumiOk(["up", "--yes", "--skip-preview", ...parallel], { stack }));

    const preview: number[] = [];
    const refreshOnly: number[] = [];
    const up: number[] = [];
    let previewSessions = { peak: 0, sessions: 0 };
    for (let run = 0; run < RUNS; run++) {
      const sampled = await sampledSessions(hosts, () => timed(() => project.pulumiOk(["preview", "--refresh", "--expect-no-changes", ...parallel], { stack })));
      preview.push(sampled.value);
      previewSessions = { peak: Math.max(previewSessions.peak, sampled.peak), sessions: sampled.sessions };
      // The refresh alone: every read, no program (--preview-only refuses the --yes that PULUMI_SKIP_CONFIRMATIONS implies).
      refreshOnly.push(await withEnv(project, { PULUMI_SKIP_CONFIRMATIONS: undefined }, () => timed(() => project.pulumiOk(["refresh", "--preview-only", "--expect-no-changes", ...parallel], { stack }))));
      up.push(await timed(() => project.pulumiOk(["up", "--yes", "--skip-preview", "--expect-no-changes", ...parallel], { stack })));
    }
    if (CPU_PROFILE_DIR) {
      // One more preview with every node process of it profiled (the program's language host and the dynamic provider).
      await withEnv(project, { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${join(CPU_PROFILE_DIR, String(count))}` }, () =>
        project.pulumiOk(["preview", "--refresh", "--expect-no-changes", ...parallel], { stack }),
      );
    }

    // Direct: the engine's own read() on every secret, with the outputs the engine saved, at the engine's concurrency.
    const outputs = await stackOutputs(project, stack);
    if (outputs.size !== count) throw new Error(`the stack of ${count} holds ${outputs.size} secrets`);
    const ctx: RuntimeContext = {
      store: new LocalSecretStore({ path: storePath, passphrase }),
      targets: targetRegistry(),
      clock: () => new Date(),
      owner: "engine-refresh-bench",
      cloud: () => {
        throw new Error("the engine refresh bench uses no cloud API");
      },
    };
    const direct: number[] = [];
    let directSessions = { peak: 0, sessions: 0 };
    for (let run = 0; run < RUNS; run++) {
      const unhealthy: string[] = [];
      const sampled = await sampledSessions(hosts, () =>
        timed(() =>
          pool([...outputs], PARALLEL, async ([id, props]) => {
            const read = await ecs.read(id, props, ctx);
            if (read.props?.health?.healthy !== true) unhealthy.push(`${id}: ${read.props?.health?.problems.join("; ") ?? "gone"}`);
          }),
        ),
      );
      if (unhealthy.length > 0) throw new Error(`direct reads found ${unhealthy.length} unhealthy secrets: ${unhealthy.slice(0, 3).join(" | ")}`);
      direct.push(sampled.value);
      directSessions = { peak: Math.max(directSessions.peak, sampled.peak), sessions: sampled.sessions };
    }
    return { count, createMs, preview, refreshOnly, up, direct, previewSessions, directSessions };
  } finally {
    await project.stop();
  }
}

export async function runEngineRefreshBench(): Promise<void> {
  const largest = Math.max(...SIZES);
  const perHost = Math.ceil(largest / HOSTS);
  const dir = await mkdtemp(join(tmpdir(), "ms-engine-refresh-"));
  await chmod(dir, 0o700);
  const hosts: StartedSshHost[] = [];
  try {
    const started = await Promise.allSettled(
      Array.from({ length: HOSTS }, () =>
        startSshHost({ users: Array.from({ length: perHost }, (_, u) => ({ name: `ref${String(u).padStart(3, "0")}`, password: `Ref-${randomBytes(9).toString("base64url")}-1a` })) }),
      ),
    );
    for (const s of started) if (s.status === "fulfilled") hosts.push(s.value);
    const failed = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failed) throw failed.reason;
    // Secrets alternate over the hosts, so any size is spread evenly.
    const declared: Declared[] = [];
    for (let u = 0; u < perHost; u++) {
      hosts.forEach((host, h) => {
        const user = `ref${String(u).padStart(3, "0")}`;
        declared.push({ id: `s${declared.length}`, instance: `i-ref${h}`, host, user, password: host.users[user]! });
      });
    }
    const tarball = await packPackage();
    console.log(`\nengine refresh bench: ${HOSTS} sshd hosts, stacks of ${SIZES.join(", ")} EcsSecrets (non-root passwords), ${RUNS} runs each; direct = read() in one process, ${PARALLEL} at once`);
    console.log(
      `${"secrets".padEnd(8)} ${"create".padStart(8)} ${"preview --refresh".padStart(18)} ${"refresh only".padStart(13)} ${"up, no-op".padStart(10)} ${"direct read()".padStart(14)} ${"preview/direct".padStart(15)} ${"up/direct".padStart(10)}  connections at once (engine / direct), logins per secret`,
    );
    for (const count of SIZES) {
      const r = await benchSize(dir, tarball, hosts, declared.slice(0, count), count);
      const [p, f, u, d] = [median(r.preview), median(r.refreshOnly), median(r.up), median(r.direct)];
      const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
      console.log(
        `${String(count).padEnd(8)} ${s(r.createMs).padStart(8)} ${s(p).padStart(18)} ${s(f).padStart(13)} ${s(u).padStart(10)} ${s(d).padStart(14)} ${`${(p / d).toFixed(2)}x`.padStart(15)} ${`${(u / d).toFixed(2)}x`.padStart(10)}` +
          `  ${r.previewSessions.peak} / ${r.directSessions.peak}, ${(r.previewSessions.sessions / count).toFixed(2)} / ${(r.directSessions.sessions / count).toFixed(2)}`,
      );
    }
    console.log("  times are medians; target: preview --refresh at 300 secrets within 1.50x of direct");
  } finally {
    await Promise.allSettled(hosts.map((h) => h.stop()));
    await rm(dir, { recursive: true, force: true });
  }
}
