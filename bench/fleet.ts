/**
 * Fleet bench (`npm run bench -- --fleet`, or at the end of `npm run bench`).
 *
 * M real sshd hosts, N non-root users spread over them, each user's password
 * a managed ECS secret declared through ecs.create() against a temp
 * LocalSecretStore, with a 6h rotation period. The clock is moved so all are
 * due, and the product's runner (runOnce) rotates them. Beside it, in the same
 * run and on the same hosts, with the same concurrency and the same access
 * (each user's own current password, no admin):
 *
 *   floor        bare ssh2: log in as the user, `passwd` with old/new/new on
 *                stdin (no pty: the cheapest change a non-root user can make),
 *                fresh login with the new password;
 *   floor (pty)  the same, answering passwd's prompts on a pty as the product
 *                does: isolates what the pty dialog costs;
 *   ansible      `user` module as root (forks = M) + a fresh login per user.
 *
 * After each contender every user's current password must log in (and one
 * user's previous password per host must be rejected), so a fast wrong run
 * cannot look good. Besides wall-clock throughput and per-secret latency it
 * reports CPU per rotation (every host's sshd tree + this process + its
 * children), which moves far less than wall time when other work shares the
 * machine. Then it profiles the product (lane time per store/target call, the
 * store's per-call cost and its no-SSH ceiling; when the product misses 0.8x,
 * also the product's SSH path alone). Prints figures; asserts nothing about time.
 *
 * Env: BENCH_FLEET_HOSTS (8), BENCH_FLEET_SECRETS (200), BENCH_FLEET_CONCURRENCY
 * (the runner's default, 8), BENCH_FLEET_ANSIBLE=0 to leave Ansible out,
 * BENCH_FLEET_ANSIBLE_HASH (sha512 | yescrypt), BENCH_FLEET_ANSIBLE_TIMEOUT_S (360),
 * BENCH_FLEET_PROFILE (auto | 1 | 0), BENCH_FLEET_PROFILE_SECRETS (100), BENCH_FLEET_ROTATE_NOW=1 to add
 * the fleet-wide rotate-now pass (`rotate --select`, one rotation per host at a time) as a contender.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir, cpus } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { startSshHost, requireRootForHosts, type StartedSshHost } from "../testkit/sshd/ssh-host";
import { tryLogin } from "../testkit/ssh-client/ssh-client";
import { createRunningTestClock, type TestClock } from "../testkit/clock/test-clock";
import { LocalSecretStore } from "../provider/store/local/local-store";
import type { SecretStore } from "../provider/store/secret-store";
import * as ecs from "../provider/resources/ecs-secret/ecs-secret-handler";
import { ecsValueFrom } from "../provider/targets/ecs-host/ecs-value";
import { runOnce, countOutcomes, DEFAULT_CONCURRENCY } from "../provider/runner/run-once";
import { MAX_JITTER_MS } from "../provider/schedule/due";
import { targetRegistry, targetFromMetadata } from "../provider/context/runtime-context";
import type { RotationTarget } from "../provider/rotation/rotation-target";
import type { RuntimeContext } from "../provider/context/runtime-context";
import { floorPassword, floorUserPasswordRotation, type PasswdMethod } from "./fleet-floor";
import { ansibleAvailability, makeAnsibleRootKey, runAnsibleRotation, type AnsibleFleetHost, type AnsibleHash } from "./fleet-ansible";
import { gateFrom } from "../provider/cli/blast-radius-options";
import { storeCeiling, storeComponents, type StoreCeiling, type StoreComponents } from "./fleet-profile";

/** The fleet target we hold (issue 28): the product's throughput at least 0.95x of the floor's in the same run. */
const FLEET_TARGET = 0.95;

const HOUR_MS = 3_600_000;
const ROTATION_PERIOD = "6h";

export interface FleetConfig {
  readonly hosts: number;
  readonly secrets: number;
  readonly concurrency: number;
  readonly ansible: boolean;
  readonly ansibleHash: AnsibleHash;
  readonly ansibleTimeoutMs: number;
  /** "auto": profile only when the product misses 0.8x of the floor. */
  readonly profile: "auto" | "always" | "never";
  /** Secrets the profiling diagnostic (product SSH path, no store) rotates. */
  readonly profileSecrets: number;
  /** Also rotate the whole fleet now, as `rotate --select` does (every selected secret due, one rotation per host). */
  readonly rotateNow: boolean;
}

function positiveInt(env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${key} must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}

export function fleetConfigFromEnv(env: NodeJS.ProcessEnv = process.env): FleetConfig {
  const hosts = positiveInt(env, "BENCH_FLEET_HOSTS", 8);
  const secrets = positiveInt(env, "BENCH_FLEET_SECRETS", 200);
  if (secrets < hosts) throw new Error(`BENCH_FLEET_SECRETS (${secrets}) must be at least BENCH_FLEET_HOSTS (${hosts})`);
  return {
    hosts,
    secrets,
    concurrency: positiveInt(env, "BENCH_FLEET_CONCURRENCY", DEFAULT_CONCURRENCY),
    ansible: env.BENCH_FLEET_ANSIBLE !== "0",
    ansibleHash: env.BENCH_FLEET_ANSIBLE_HASH === "yescrypt" ? "yescrypt" : "sha512",
    ansibleTimeoutMs: positiveInt(env, "BENCH_FLEET_ANSIBLE_TIMEOUT_S", 360) * 1000,
    profile: env.BENCH_FLEET_PROFILE === "1" ? "always" : env.BENCH_FLEET_PROFILE === "0" ? "never" : "auto",
    profileSecrets: Math.min(secrets, positiveInt(env, "BENCH_FLEET_PROFILE_SECRETS", 100)),
    rotateNow: env.BENCH_FLEET_ROTATE_NOW === "1",
  };
}

/** One managed user: where it lives, its secret, and the password it has now. */
interface FleetUser {
  readonly hostIndex: number;
  readonly user: string;
  readonly secretName: string;
  password: string;
  /** The password before the last rotation (for the rejection check). */
  previous?: string;
}

interface ContenderResult {
  readonly name: string;
  /** Secrets rotated in this run. */
  readonly count: number;
  readonly wallMs: number;
  /**
   * CPU the rotations cost, whoever else loads the machine: every host's sshd
   * tree (sessions, PAM, passwd, all reaped into the listener's child times)
   * plus this process and the children it waited for (ansible-playbook, openssl).
   */
  readonly cpuMs: number;
  /** Per-secret latency; may be empty when the contender cannot report it. */
  readonly latenciesMs: readonly number[];
  readonly machineCpu: number;
  readonly nodeCpuMs: number;
  readonly verified: string;
  readonly note?: string;
}

// ---------------------------------------------------------------- helpers

function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

async function pool<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]!);
      }
    }),
  );
  return results;
}

/** Busy jiffies / total jiffies of the whole machine since `since`, times the core count: "cores in use". */
async function cpuSnapshot(): Promise<{ busy: number; total: number }> {
  const first = (await readFile("/proc/stat", "utf8")).split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = first.reduce((a, b) => a + b, 0);
  const idle = (first[3] ?? 0) + (first[4] ?? 0);
  return { busy: total - idle, total };
}

const TICK_MS = 1000 / (Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100);

/** utime+stime (+ cutime+cstime of reaped children when `children`) of a pid, in ms; 0 when it is gone. */
function processCpuMs(pid: number | "self", children: boolean): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ").map(Number); // f[0] is field 3 (state)
    const ticks = f[11]! + f[12]! + (children ? f[13]! + f[14]! : 0);
    return ticks * TICK_MS;
  } catch {
    return 0;
  }
}

/** Every host's sshd listener (pid 1 of its namespace, which reaps every process there) with its reaped descendants. */
function hostsCpuMs(hosts: readonly StartedSshHost[]): number {
  return hosts.reduce((sum, h) => sum + processCpuMs(h.pid, true), 0);
}

/**
 * Resolves once every host's pid namespace holds only its sshd listener again, so the CPU of sessions that
 * were still exiting (a client closed without waiting) has been reaped into the listener's child times.
 * Polls that condition (no fixed sleep); gives up after `timeoutMs` and says so.
 */
async function quiesce(hosts: readonly StartedSshHost[], timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (hosts.some((h) => h.processes().length > 1)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

interface Measured<T> {
  readonly value: T;
  readonly wallMs: number;
  readonly machineCpu: number;
  readonly nodeCpuMs: number;
  readonly cpuMs: number;
}

/** Runs `fn`, measuring wall time, machine CPU (cores busy on average), this process's CPU and the CPU the rotations cost. */
async function measured<T>(hosts: readonly StartedSshHost[], fn: () => Promise<T>): Promise<Measured<T>> {
  const cpu0 = await cpuSnapshot();
  const node0 = process.cpuUsage();
  const children0 = processCpuMs("self", true) - processCpuMs("self", false);
  const hosts0 = hostsCpuMs(hosts);
  const t0 = process.hrtime.bigint();
  const value = await fn();
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const node = process.cpuUsage(node0);
  const children = processCpuMs("self", true) - processCpuMs("self", false) - children0;
  const cpu1 = await cpuSnapshot();
  if (!(await quiesce(hosts))) console.log("  (some host sessions were still running 15 s after the run: its cpu/rot is an undercount)");
  const hostMs = hostsCpuMs(hosts) - hosts0;
  const machineCpu = cpu1.total > cpu0.total ? ((cpu1.busy - cpu0.busy) / (cpu1.total - cpu0.total)) * cpus().length : Number.NaN;
  const nodeCpuMs = (node.user + node.system) / 1000;
  return { value, wallMs, machineCpu, nodeCpuMs, cpuMs: hostMs + nodeCpuMs + children };
}

function endpointOf(host: StartedSshHost) {
  return { host: host.host, port: host.port, hostKeyFingerprint: host.hostKeyFingerprint };
}

/**
 * Every user's current password logs in on a fresh connection, and on each
 * host one user's previous password (if any) is rejected. Throws otherwise.
 */
async function verify(what: string, hosts: readonly StartedSshHost[], users: readonly FleetUser[], concurrency: number): Promise<string> {
  const loggedIn = await pool(users, concurrency, async (u) => tryLogin({ ...endpointOf(hosts[u.hostIndex]!), username: u.user, password: u.password }));
  const bad = users.filter((_, i) => !loggedIn[i]).map((u) => `${u.user}@h${u.hostIndex}`);
  if (bad.length > 0) throw new Error(`${what}: ${bad.length}/${users.length} current passwords do not log in (${bad.slice(0, 5).join(", ")}...)`);
  const samples = hosts.map((_, h) => users.find((u) => u.hostIndex === h && u.previous !== undefined)).filter((u): u is FleetUser => u !== undefined);
  // Rejections cost seconds each (PAM's failure delay): one per host, all at once.
  const stillWorks = await Promise.all(samples.map((u) => tryLogin({ ...endpointOf(hosts[u.hostIndex]!), username: u.user, password: u.previous! })));
  const stale = samples.filter((_, i) => stillWorks[i]);
  if (stale.length > 0) throw new Error(`${what}: previous passwords still log in for ${stale.map((u) => `${u.user}@h${u.hostIndex}`).join(", ")}`);
  return `${users.length}/${users.length} new ok${samples.length ? `, ${samples.length}/${samples.length} old rejected` : ""}`;
}

/** Times every call to the methods of `object`, adding into `into` by label. Sums are lane time, queueing included. */
function timedProxy<T extends object>(object: T, prefix: string, into: Map<string, { calls: number; ms: number }>): T {
  return new Proxy(object, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function" || typeof prop !== "string") return value;
      return async (...args: unknown[]) => {
        const t0 = process.hrtime.bigint();
        try {
          return await (value as (...a: unknown[]) => unknown).apply(target, args);
        } finally {
          const entry = into.get(`${prefix}${prop}`) ?? { calls: 0, ms: 0 };
          entry.calls++;
          entry.ms += Number(process.hrtime.bigint() - t0) / 1e6;
          into.set(`${prefix}${prop}`, entry);
        }
      };
    },
  });
}

// ---------------------------------------------------------------- contenders

async function runFloor(method: PasswdMethod, hosts: readonly StartedSshHost[], users: FleetUser[], concurrency: number): Promise<ContenderResult> {
  const plan = users.map((u) => ({ u, next: floorPassword() }));
  const m = await measured(hosts, () =>
    pool(plan, concurrency, async ({ u, next }) => {
      const t0 = process.hrtime.bigint();
      await floorUserPasswordRotation({ ...endpointOf(hosts[u.hostIndex]!), user: u.user, oldPassword: u.password, newPassword: next }, method);
      return Number(process.hrtime.bigint() - t0) / 1e6;
    }),
  );
  for (const { u, next } of plan) {
    u.previous = u.password;
    u.password = next;
  }
  const verified = await verify(`floor (${method})`, hosts, users, concurrency);
  const name = method === "stdin" ? "floor: bare ssh2, passwd on stdin" : "floor: bare ssh2, passwd on a pty";
  return { name, count: users.length, wallMs: m.wallMs, cpuMs: m.cpuMs, latenciesMs: m.value, machineCpu: m.machineCpu, nodeCpuMs: m.nodeCpuMs, verified };
}

interface ProductProfile {
  readonly ops: Map<string, { calls: number; ms: number }>;
  readonly attempts: number;
}

/**
 * "schedule": the runner's pass once every secret is past its period.
 * "rotate-now": the pass `managed-secrets rotate --select` makes, the one KMS's docs lead with for a leak:
 * every selected secret due at once, under the CLI's default blast radius (one rotation per host at a time).
 */
type ProductMode = "schedule" | "rotate-now";

async function runProduct(
  store: LocalSecretStore,
  ctx: RuntimeContext,
  clock: TestClock,
  hosts: readonly StartedSshHost[],
  users: FleetUser[],
  concurrency: number,
  mode: ProductMode = "schedule",
): Promise<{ result: ContenderResult; profile: ProductProfile }> {
  // Everything falls due: past the period and past the largest jitter.
  if (mode === "schedule") clock.advance(6 * HOUR_MS + MAX_JITTER_MS + 1000);
  const ops = new Map<string, { calls: number; ms: number }>();
  const store$ = timedProxy<SecretStore>(store, "store.", ops);
  const targetFor = (meta: Parameters<typeof targetFromMetadata>[0]): RotationTarget => timedProxy(targetFromMetadata(meta, { ...ctx, store: store$ }), "target.", ops);
  const rotateNow =
    mode === "rotate-now"
      ? { judge: () => ({ due: true, reason: "rotate now", dueAt: clock().toISOString() }), gate: gateFrom({}, targetRegistry()) }
      : {};
  const m = await measured(hosts, () => runOnce({ store: store$, clock, owner: "fleet-bench", targetFor, concurrency, ...rotateNow }));
  const report = m.value;
  const counts = countOutcomes(report);
  if (counts.rotated !== users.length) {
    const failed = report.outcomes.filter((o) => o.status !== "rotated").slice(0, 5).map((o) => `${o.name}: ${o.status} ${o.reason}`);
    throw new Error(`product: rotated ${counts.rotated}/${users.length} (${JSON.stringify(counts)}):\n  ${failed.join("\n  ")}`);
  }
  for (const u of users) {
    u.previous = u.password;
    u.password = JSON.parse((await store.getValue(u.secretName)).value).Password;
    if (u.password === u.previous) throw new Error(`product: ${u.secretName} reports rotated but its password did not change`);
  }
  const verified = await verify("product", hosts, users, concurrency);
  return {
    result: {
      name: mode === "schedule" ? `product: runOnce, concurrency ${concurrency}` : `product: rotate-now (rotate --select's pass, 1 per host), concurrency ${concurrency}`,
      count: users.length,
      wallMs: m.wallMs,
      cpuMs: m.cpuMs,
      latenciesMs: report.outcomes.map((o) => o.durationMs),
      machineCpu: m.machineCpu,
      nodeCpuMs: m.nodeCpuMs,
      verified,
    },
    profile: { ops, attempts: report.outcomes.reduce((a, o) => a + o.attempts, 0) },
  };
}

async function runAnsible(
  hosts: readonly StartedSshHost[],
  users: FleetUser[],
  privateKeyPath: string,
  config: FleetConfig,
): Promise<ContenderResult> {
  const next = new Map(users.map((u) => [u, floorPassword()]));
  const inventory: AnsibleFleetHost[] = hosts.map((h, i) => ({
    name: `h${i}`,
    host: h.host,
    port: h.port,
    hostPublicKey: h.hostPublicKey,
    users: users.filter((u) => u.hostIndex === i).map((u) => ({ name: u.user, newPassword: next.get(u)! })),
  }));
  const m = await measured(hosts, () =>
    runAnsibleRotation({ hosts: inventory, privateKeyPath, forks: hosts.length, hash: config.ansibleHash, timeoutMs: config.ansibleTimeoutMs }),
  );
  const run = m.value;
  if (run.failures.length > 0) throw new Error(`ansible: ${run.failures.length} failures: ${run.failures.slice(0, 5).join("; ")}`);
  for (const u of users) {
    u.previous = u.password;
    u.password = next.get(u)!;
  }
  const verified = await verify("ansible", hosts, users, config.concurrency);
  const latencies = users.map((u) => run.perSecretMs.get(`h${u.hostIndex}/${u.user}`)).filter((x): x is number => x !== undefined);
  return {
    name: `ansible: user module + login, forks ${hosts.length}`,
    count: users.length,
    wallMs: run.wallMs,
    cpuMs: m.cpuMs,
    latenciesMs: latencies,
    machineCpu: m.machineCpu,
    nodeCpuMs: m.nodeCpuMs,
    verified,
    note: `${config.ansibleHash} hashes; includes ${run.hashMs.toFixed(0)} ms of hashing and ansible-playbook start-up; latency = the user's loop item + its login check`,
  };
}

/**
 * Diagnostic: the product's SSH path alone (EcsSshTarget from the stored metadata: generate, apply, test,
 * close, exactly the calls rotateSecret makes) with no store, no lease, no runner, over `subset`.
 */
async function runProductSshPathOnly(ctx: RuntimeContext, hosts: readonly StartedSshHost[], subset: FleetUser[], concurrency: number): Promise<ContenderResult> {
  const targets = new Map<FleetUser, RotationTarget>();
  for (const u of subset) targets.set(u, targetFromMetadata((await ctx.store.describeSecret(u.secretName))!, ctx));
  const next = new Map<FleetUser, string>();
  const m = await measured(hosts, () =>
    pool(subset, concurrency, async (u) => {
      const t0 = process.hrtime.bigint();
      const target = targets.get(u)!;
      const pending = await target.generate();
      await target.apply(ecsValueFrom(u.user, "password", u.password), pending, "diag");
      const tested = await target.test(pending);
      if (!tested) throw new Error(`diagnostic: ${u.secretName}'s new password was rejected`);
      tested.close();
      next.set(u, JSON.parse(pending).Password);
      return Number(process.hrtime.bigint() - t0) / 1e6;
    }),
  );
  for (const u of subset) {
    u.previous = u.password;
    u.password = next.get(u)!;
  }
  const verified = await verify("product SSH path", hosts, subset, concurrency);
  return { name: "diag: product SSH path only, no store", count: subset.length, wallMs: m.wallMs, cpuMs: m.cpuMs, latenciesMs: m.value, machineCpu: m.machineCpu, nodeCpuMs: m.nodeCpuMs, verified };
}

/** The floor's passwords become the store's ACSCurrent (untimed), so the product starts from what the hosts hold. */
async function adoptIntoStore(store: LocalSecretStore, users: readonly FleetUser[], tag: string): Promise<void> {
  for (const u of users) {
    await store.putValue(u.secretName, { versionId: tag, value: ecsValueFrom(u.user, "password", u.password), stages: ["ACSCurrent"] });
  }
}

/** Uncontended cost of the store calls one rotation makes, on this store (its real size). */
async function storeMicroProfile(store: LocalSecretStore, name: string): Promise<{ readMs: number; noopMutateMs: number; writeMs: number }> {
  const reps = 20;
  const time = async (fn: () => Promise<unknown>) => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < reps; i++) await fn();
    return Number(process.hrtime.bigint() - t0) / 1e6 / reps;
  };
  const readMs = await time(() => store.describeSecret(name));
  const noopMutateMs = await time(() => store.purgeExpired());
  let held = false;
  const writeMs = await time(() => {
    held = !held;
    return held ? store.acquireLease(name, "profile", 60_000) : store.releaseLease(name, "profile");
  });
  return { readMs, noopMutateMs, writeMs };
}

// ---------------------------------------------------------------- report

function printTable(config: FleetConfig, results: readonly ContenderResult[], skipped: readonly string[]): void {
  const floor = results.find((r) => r.name.startsWith("floor: bare ssh2, passwd on stdin"));
  const rate = (r: ContenderResult) => (r.count / r.wallMs) * 1000;
  const cpuPer = (r: ContenderResult) => r.cpuMs / r.count;
  const ms = (n: number) => (Number.isNaN(n) ? "n/a" : n.toFixed(0));
  const x = (n: number) => `${n.toFixed(2)}x`;
  console.log(
    `\n${"fleet contender".padEnd(44)} ${"wall".padStart(7)} ${"rot/s".padStart(6)} ${"p50 ms".padStart(7)} ${"p99 ms".padStart(7)} ${"vs floor".padStart(8)}` +
      ` ${"cpu/rot".padStart(8)} ${"cpu vs".padStart(7)} ${"busy".padStart(5)}  verified after the run`,
  );
  for (const r of results) {
    const name = `${r.name}${r.count !== config.secrets ? ` (n=${r.count})` : ""}`;
    console.log(
      `${name.padEnd(44)} ${`${(r.wallMs / 1000).toFixed(1)}s`.padStart(7)} ${rate(r).toFixed(2).padStart(6)} ${ms(percentile(r.latenciesMs, 50)).padStart(7)} ${ms(percentile(r.latenciesMs, 99)).padStart(7)}` +
        ` ${(floor ? x(rate(r) / rate(floor)) : "n/a").padStart(8)} ${`${cpuPer(r).toFixed(0)}ms`.padStart(8)} ${(floor ? x(cpuPer(floor) / cpuPer(r)) : "n/a").padStart(7)}` +
        ` ${r.machineCpu.toFixed(2).padStart(5)}  ${r.verified}`,
    );
  }
  for (const s of skipped) console.log(`${"ansible".padEnd(44)} SKIPPED: ${s}`);
  console.log(
    `  rot/s = secrets / wall; p50/p99 = per-secret latency; vs floor = throughput ratio; cpu/rot = CPU per rotation (all hosts' sshd trees + this process + its children),` +
      `\n  much less sensitive than wall time to other load on the machine; cpu vs = floor cpu/rot / contender cpu/rot; busy = cores busy machine-wide during the run (of ${cpus().length}).`,
  );
  for (const r of results) if (r.note) console.log(`  ${r.name.split(":")[0]}: ${r.note}`);
  const product = results.find((r) => r.name.startsWith("product"));
  const ansible = results.find((r) => r.name.startsWith("ansible"));
  if (floor && product) {
    const ratio = rate(product) / rate(floor);
    console.log(
      `\nproduct / floor throughput: ${x(ratio)} (target >= ${x(FLEET_TARGET)}: ${ratio >= FLEET_TARGET ? "met" : "NOT met"}); by CPU per rotation: ${x(cpuPer(floor) / cpuPer(product))}`,
    );
  }
  if (floor && ansible) console.log(`ansible / floor throughput: ${x(rate(ansible) / rate(floor))}; by CPU per rotation: ${x(cpuPer(floor) / cpuPer(ansible))}`);
}

interface ProfileData {
  readonly profile: ProductProfile;
  readonly product: ContenderResult;
  readonly floor: ContenderResult;
  readonly floorPty: ContenderResult;
  readonly sshOnly?: ContenderResult;
  readonly micro: { readMs: number; noopMutateMs: number; writeMs: number };
  readonly components: StoreComponents;
  readonly ceiling: StoreCeiling;
}

function printProfile(config: FleetConfig, d: ProfileData): void {
  const { profile, product, floor, floorPty, sshOnly, micro, components: c, ceiling } = d;
  const rate = (r: ContenderResult) => (r.count / r.wallMs) * 1000;
  const n = product.count;
  const laneMs = product.wallMs * config.concurrency;
  console.log(`\nproduct profile: lane time by call (${config.concurrency} lanes x ${(product.wallMs / 1000).toFixed(1)} s = ${(laneMs / 1000).toFixed(0)} s; store sums include waiting in the store's lock queue)`);
  for (const [op, { calls, ms }] of [...profile.ops.entries()].sort((a, b) => b[1].ms - a[1].ms)) {
    if (ms < 1) continue;
    console.log(`  ${op.padEnd(26)} ${String(calls).padStart(5)} calls ${(ms / calls).toFixed(1).padStart(8)} ms each ${((100 * ms) / laneMs).toFixed(1).padStart(6)}% of lane time`);
  }
  const per = (op: string) => (profile.ops.get(op)?.calls ?? 0) / n;
  const writesPer = per("store.acquireLease") + per("store.releaseLease") + per("store.putValue") + per("store.updateVersionStage") + per("store.updateSecret") + per("store.updateAtOnce");
  const readsPer = per("store.describeSecret") + per("store.getValue");
  const share = (prefix: string) => (100 * [...profile.ops.entries()].filter(([op]) => op.startsWith(prefix)).reduce((a, [, v]) => a + v.ms, 0)) / laneMs;
  console.log(
    `  in all: store calls ${share("store.").toFixed(0)}%, SSH (target calls) ${share("target.").toFixed(0)}% of lane time; ` +
      `${profile.attempts} attempts for ${n} secrets (${profile.attempts === n ? "no retries" : "RETRIES happened"})`,
  );
  console.log(
    `\nstore, uncontended, on this ${c.secrets}-secret file (${(c.fileBytes / 1024).toFixed(0)} KiB): read ${micro.readMs.toFixed(1)} ms, ` +
      `no-op mutation ${micro.noopMutateMs.toFixed(1)} ms, writing mutation ${micro.writeMs.toFixed(1)} ms`,
  );
  console.log(
    `  one writing mutation = lock+unlock ${c.lockUnlock.toFixed(1)} + catch-up read ${c.catchUp.toFixed(1)} + seal one record ${c.seal.toFixed(1)} ` +
      `+ temp sweep ${c.sweep.toFixed(1)} + append (2 fdatasyncs) ${c.append.toFixed(1)} ms; a first open reads the whole log in ${c.coldLoad.toFixed(1)} ms`,
  );
  console.log(
    `  one rotation makes ${writesPer.toFixed(0)} writing mutations + ${readsPer.toFixed(0)} reads = ~${(writesPer * micro.writeMs + readsPer * micro.readMs).toFixed(0)} ms of store work; ` +
      `the writes hold the one store lock in turn: ${((n * writesPer * micro.writeMs) / 1000).toFixed(1)} s serialized for ${n} rotations`,
  );
  console.log(
    `  store-only ceiling (runOnce, same store file, a target that does nothing, concurrency ${config.concurrency}): ` +
      `${ceiling.perSecondStoreOnly.toFixed(2)} rotations/s (${ceiling.rotated} in ${(ceiling.wallMs / 1000).toFixed(1)} s, no SSH at all) vs floor ${rate(floor).toFixed(2)}/s`,
  );
  const rows: Array<[string, ContenderResult | undefined]> = [
    ["floor, passwd on stdin", floor],
    ["floor, passwd on a pty", floorPty],
    ["product SSH path, no store", sshOnly],
    ["product", product],
  ];
  console.log(`\nCPU per rotation (ms)             total   of which this node process   wall throughput vs floor`);
  for (const [label, r] of rows) {
    if (!r) continue;
    console.log(
      `  ${label.padEnd(30)} ${(r.cpuMs / r.count).toFixed(0).padStart(6)}   ${(r.nodeCpuMs / r.count).toFixed(0).padStart(6)}                      ${(rate(r) / rate(floor)).toFixed(2)}x`,
    );
  }
}

// ---------------------------------------------------------------- main

export async function runFleetBench(config: FleetConfig = fleetConfigFromEnv()): Promise<void> {
  requireRootForHosts();
  const perHost = Array.from({ length: config.hosts }, (_, i) => Math.floor(config.secrets / config.hosts) + (i < config.secrets % config.hosts ? 1 : 0));
  console.log(
    `\nfleet: ${config.hosts} sshd hosts, ${config.secrets} secrets (${perHost[0]} users per host, each user's own password), concurrency ${config.concurrency}; ` +
      `every contender logs in as the user with only its current password, changes it, proves it on a fresh login`,
  );
  const availability = config.ansible ? ansibleAvailability() : ({ ok: false, why: "left out (BENCH_FLEET_ANSIBLE=0)" } as const);
  const skipped: string[] = availability.ok ? [] : [availability.why];
  if (!availability.ok) console.log(`ansible column SKIPPED: ${availability.why}`);

  const dir = await mkdtemp(join(tmpdir(), "ms-fleet-"));
  const hosts: StartedSshHost[] = [];
  try {
    const rootKey = availability.ok ? await makeAnsibleRootKey(dir) : undefined;
    const t0 = Date.now();
    const started = await Promise.allSettled(
      perHost.map((count) =>
        startSshHost({
          users: Array.from({ length: count }, (_, j) => ({ name: `fleet${String(j).padStart(3, "0")}`, password: floorPassword() })),
          rootAuthorizedKeys: rootKey ? [rootKey.publicKey] : [],
        }),
      ),
    );
    for (const s of started) if (s.status === "fulfilled") hosts.push(s.value);
    const failedStart = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failedStart) throw failedStart.reason;
    // Every hash is yescrypt from here until Ansible runs (Debian 12's chpasswd and passwd both go through
    // PAM's pam_unix yescrypt), so the floors and the product verify and write the same kind of hash.
    console.log(`started ${hosts.length} hosts with ${config.secrets} users in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    // Declare every password as a managed ECS secret, as `pulumi up` would (create() probes each login).
    const clock = createRunningTestClock();
    const passphrase = randomBytes(18).toString("base64");
    const store = new LocalSecretStore({ path: join(dir, "store.enc"), passphrase, clock });
    const ctx: RuntimeContext = {
      store,
      clock,
      targets: targetRegistry(),
      owner: "fleet-bench-declare",
      cloud: () => {
        throw new Error("the fleet bench uses no cloud API");
      },
    };
    const declared = hosts.flatMap((h, i) => Object.entries(h.users).map(([user, password]) => ({ hostIndex: i, user, password: password! })));
    const t1 = Date.now();
    const ids = await pool(declared, config.concurrency, async (d) => {
      const { id } = await ecs.create(
        {
          instanceId: `i-fleet${d.hostIndex}`,
          managedUser: d.user,
          credentialType: "password",
          initialValue: d.password,
          connection: endpointOf(hosts[d.hostIndex]!),
          rotationPeriod: ROTATION_PERIOD,
        },
        ctx,
      );
      return id;
    });
    console.log(`declared ${ids.length} secrets with ecs.create in ${((Date.now() - t1) / 1000).toFixed(1)} s (rotation period ${ROTATION_PERIOD})`);
    const byName = new Map(declared.map((d, i) => [ids[i]!, d]));
    // The runner works through secrets in the store's order; the floors follow the same order.
    const users: FleetUser[] = (await store.listSecrets()).map((meta) => {
      const d = byName.get(meta.name)!;
      return { hostIndex: d.hostIndex, user: d.user, secretName: meta.name, password: d.password };
    });
    await verify("initial state", hosts, users, config.concurrency); // also warms every host's sshd and page cache

    const results: ContenderResult[] = [];
    const floor = await runFloor("stdin", hosts, users, config.concurrency);
    results.push(floor);
    console.log(`  done: ${floor.name} (${(floor.wallMs / 1000).toFixed(1)} s, ${floor.verified})`);
    await adoptIntoStore(store, users, "floor1");

    const product = await runProduct(store, ctx, clock, hosts, users, config.concurrency);
    results.push(product.result);
    console.log(`  done: ${product.result.name} (${(product.result.wallMs / 1000).toFixed(1)} s, ${product.result.verified})`);

    const floorPty = await runFloor("pty", hosts, users, config.concurrency);
    results.push(floorPty);
    console.log(`  done: ${floorPty.name} (${(floorPty.wallMs / 1000).toFixed(1)} s, ${floorPty.verified})`);

    if (config.rotateNow) {
      await adoptIntoStore(store, users, "floor2");
      const now = await runProduct(store, ctx, clock, hosts, users, config.concurrency, "rotate-now");
      results.push(now.result);
      console.log(`  done: ${now.result.name} (${(now.result.wallMs / 1000).toFixed(1)} s, ${now.result.verified})`);
    }

    const productRatio = (users.length / product.result.wallMs) / (users.length / floor.wallMs);
    const profiling = config.profile === "always" || (config.profile === "auto" && productRatio < 0.8);
    let sshOnly: ContenderResult | undefined;
    if (profiling) {
      console.log(`  profiling (product at ${productRatio.toFixed(2)}x of the floor; BENCH_FLEET_PROFILE=0 skips this)...`);
      sshOnly = await runProductSshPathOnly(ctx, hosts, users.slice(0, config.profileSecrets), config.concurrency);
      results.push(sshOnly);
      console.log(`  done: ${sshOnly.name} (${(sshOnly.wallMs / 1000).toFixed(1)} s, ${sshOnly.verified})`);
    }

    if (availability.ok && rootKey) {
      console.log(`  running ${availability.version} (this takes a while)...`);
      const ansible = await runAnsible(hosts, users, rootKey.privateKeyPath, config);
      results.push(ansible);
      console.log(`  done: ${ansible.name} (${(ansible.wallMs / 1000).toFixed(1)} s, ${ansible.verified})`);
    }

    printTable(config, results, skipped);
    if (config.profile !== "never") {
      const components = await storeComponents(store.path, passphrase, dir);
      const oneHost = users[0]!.secretName.slice(0, users[0]!.secretName.lastIndexOf("/") + 1);
      const ceiling = await storeCeiling(store.path, passphrase, dir, clock, 7 * HOUR_MS + MAX_JITTER_MS, oneHost, config.concurrency);
      const micro = await storeMicroProfile(store, users[0]!.secretName);
      printProfile(config, { profile: product.profile, product: product.result, floor, floorPty, sshOnly, micro, components, ceiling });
    }
  } finally {
    await Promise.all(hosts.map((h) => h.stop()));
    await rm(dir, { recursive: true, force: true });
  }
}
