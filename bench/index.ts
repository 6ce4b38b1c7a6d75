/**
 * `npm run bench`: the product's rotation beside the floor (bare ssh2 doing
 * the least work a rotation can do), in one run, on the same local sshd host,
 * interleaved so drift in the machine's load hits both alike. Prints figures;
 * asserts nothing about time.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { floorKeyRotation, floorPasswordRotation, generateFloorKeyPair } from "../testkit/ssh-client/bare-ssh2-floor";
import { startSshHost, requireRootForHosts, type StartedSshHost } from "../testkit/sshd/ssh-host";
import { LocalSecretStore } from "../provider/store/local/local-store";
import { EcsSshTarget } from "../provider/targets/ecs-ssh/ecs-ssh-target";
import { rotateSecret } from "../provider/rotation/rotate-secret";
import { ecsValueFrom } from "../provider/targets/ecs-host/ecs-value";
import { generatePassword } from "../provider/credentials/generate-password";
import { generateKeyPair } from "../provider/credentials/generate-key-pair";
import { ecsSecretProvider } from "../provider/resources/ecs-secret/ecs-secret-provider";
import { runFleetBench } from "./fleet";
import { runTransportBench } from "./transports";
import { runEngineBench } from "./engine";
import { runEngineRefreshBench } from "./engine-refresh";
import { runPluginBench } from "./plugin";
import { runConsumerRotationBench } from "./consumer-rotation";
import { runScaleKmsBench } from "./scale-kms";
import { runLeaseCostBench } from "./lease-cost";
import { runScaleLocalBench } from "./scale-local";
import { runScaleOverheadBench } from "./scale-pass-overhead";
import { printSplit, RotationTimeline, targetPart } from "./rotation-split";

/** The `scale` section (issue 14): fleets of 10,000 secrets, one bench per store, one line each. */
const SCALE_BENCHES: ReadonlyArray<() => Promise<void>> = [
  runScaleLocalBench,
  runScaleKmsBench,
];

async function runScaleBenches(): Promise<void> {
  for (const bench of SCALE_BENCHES) await bench();
}

const PASSWORD_RUNS = Number(process.env.BENCH_PASSWORD_RUNS ?? 25);
const KEY_RUNS = Number(process.env.BENCH_KEY_RUNS ?? 15);
const WARMUP = 2;
/** The p50 ratio to the floor we hold one rotation to (issue 28). */
const TARGET_RATIO = 1.1;
/** `npm run bench -- --profile`: also the split of the product's time per rotation (bench/rotation-split.ts). */
const PROFILE = process.argv.includes("--profile");

function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

interface Row {
  readonly what: string;
  readonly floor: number[];
  readonly product: number[];
  /** With --profile: the product's calls on a timeline. */
  readonly timeline?: RotationTimeline;
}

/** The store and target the product's rotations use: wrapped onto a timeline with --profile, as they are without. */
function profiled(store: LocalSecretStore, target: EcsSshTarget): { store: LocalSecretStore; target: EcsSshTarget; timeline?: RotationTimeline } {
  if (!PROFILE) return { store, target };
  const timeline = new RotationTimeline();
  return { store: timeline.wrap(store, "store.", () => "store"), target: timeline.wrap(target, "target.", targetPart), timeline };
}

function productRotation(p: ReturnType<typeof profiled>, name: string): () => Promise<unknown> {
  const rotate = () => rotateSecret({ store: p.store, name, target: p.target, owner: "bench", clock: () => new Date() });
  return p.timeline ? () => p.timeline!.rotation(rotate) : rotate;
}

function report(rows: readonly Row[]): void {
  const fmt = (n: number) => `${n.toFixed(0)} ms`.padStart(8);
  console.log(`\n${"rotation".padEnd(26)} ${"floor p50".padStart(9)} ${"floor p95".padStart(9)} ${"ours p50".padStart(9)} ${"ours p95".padStart(9)}  p50 ratio (target <= ${TARGET_RATIO.toFixed(2)}x)`);
  for (const r of rows) {
    const ratio = percentile(r.product, 50) / percentile(r.floor, 50);
    console.log(
      `${r.what.padEnd(26)} ${fmt(percentile(r.floor, 50))}  ${fmt(percentile(r.floor, 95))}  ${fmt(percentile(r.product, 50))}  ${fmt(percentile(r.product, 95))}  ${ratio.toFixed(2)}x ${ratio <= TARGET_RATIO ? "met" : "NOT met"}  (n=${r.product.length})`,
    );
  }
  for (const r of rows) if (r.timeline) printSplit(r.what, r.timeline, percentile(r.floor, 50));
}

async function benchPasswords(host: StartedSshHost, store: LocalSecretStore): Promise<Row> {
  const endpoint = { host: host.host, port: host.port, hostKeyFingerprint: host.hostKeyFingerprint };
  const name = "bench/password";
  let password = host.rootPassword;
  await store.createSecret({ name, description: "", metadata: { kind: "ecs" }, versionId: "v1", value: ecsValueFrom("root", "password", password) });
  const p = profiled(store, new EcsSshTarget({ secretName: name, managedUser: "root", credentialType: "password", keyAlgorithm: "rsa-2048", endpoint }));
  const row: Row = { what: "password (root, chpasswd)", floor: [], product: [], timeline: p.timeline };
  for (let i = 0; i < PASSWORD_RUNS + WARMUP; i++) {
    // The floor rotates away from the product's current password and back, so both start from the same state.
    const next = generatePassword();
    const floorMs = await timed(() => floorPasswordRotation({ ...endpoint, user: "root", oldPassword: password, newPassword: next }));
    password = next;
    await store.putValue(name, { versionId: `floor-${i}`, value: ecsValueFrom("root", "password", password), stages: ["ACSCurrent"] });
    const productMs = await timed(productRotation(p, name));
    password = JSON.parse((await store.getValue(name)).value).Password;
    if (i >= WARMUP) {
      row.floor.push(floorMs);
      row.product.push(productMs);
    } else p.timeline?.clear();
  }
  return row;
}

async function benchKeys(host: StartedSshHost, store: LocalSecretStore): Promise<Row> {
  const endpoint = { host: host.host, port: host.port, hostKeyFingerprint: host.hostKeyFingerprint };
  const name = "bench/keypair";
  const seed = await generateKeyPair("rsa-2048");
  await host.exec("mkdir -p /root/.ssh && cat >> /root/.ssh/authorized_keys", { stdin: `${seed.publicKey} seed\n` });
  let privateKey = seed.privateKey;
  await store.createSecret({ name, description: "", metadata: { kind: "ecs" }, versionId: "v1", value: ecsValueFrom("root", "keyPair", privateKey) });
  const p = profiled(store, new EcsSshTarget({ secretName: name, managedUser: "root", credentialType: "keyPair", keyAlgorithm: "rsa-2048", endpoint }));
  const row: Row = { what: "key pair (RSA-2048)", floor: [], product: [], timeline: p.timeline };
  for (let i = 0; i < KEY_RUNS + WARMUP; i++) {
    let next: { privateKey: string } | undefined;
    const floorMs = await timed(async () => {
      next = await floorKeyRotation({ ...endpoint, user: "root", oldPrivateKey: privateKey, newKeyType: "rsa" });
    });
    privateKey = next!.privateKey;
    await store.putValue(name, { versionId: `floor-${i}`, value: ecsValueFrom("root", "keyPair", privateKey), stages: ["ACSCurrent"] });
    const productMs = await timed(productRotation(p, name));
    privateKey = JSON.parse((await store.getValue(name)).value).PrivateKey;
    if (i >= WARMUP) {
      row.floor.push(floorMs);
      row.product.push(productMs);
    } else p.timeline?.clear();
  }
  const lines = (await host.readFile("/root/.ssh/authorized_keys")).split("\n").filter(Boolean);
  if (lines.length !== 1) throw new Error(`expected exactly the current key line after the runs, found ${lines.length}`);
  return row;
}

async function providerSize(): Promise<number> {
  const provider = ecsSecretProvider;
  return Buffer.byteLength((await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true })).text);
}

async function main(): Promise<void> {
  // `npm run bench -- --scale` or BENCH_ONLY=scale: only the fleet-scale section (no sshd needed).
  if (process.argv.includes("--scale") || process.env.BENCH_ONLY === "scale") return runScaleBenches();
  requireRootForHosts();
  // `npm run bench -- --leases` or BENCH_ONLY=leases: the kms store's lease, a companion per secret vs the lease table, at concurrency 8 and 32.
  if (process.argv.includes("--leases") || process.env.BENCH_ONLY === "leases") return runLeaseCostBench();
  // BENCH_ONLY=scale-overhead: a 10,000-secret pass whose 1% due are real sshd users, its overhead beside its rotations.
  if (process.env.BENCH_ONLY === "scale-overhead") return runScaleOverheadBench();
  // `npm run bench -- --fleet` or BENCH_ONLY=fleet: only the fleet run; BENCH_ONLY=single: only the single-host rows.
  if (process.argv.includes("--fleet") || process.env.BENCH_ONLY === "fleet") return runFleetBench();
  // `npm run bench -- --engine` or BENCH_ONLY=engine: only pulumi up beside the provider's own update().
  if (process.argv.includes("--engine") || process.env.BENCH_ONLY === "engine") return runEngineBench();
  // `npm run bench -- --engine-refresh` or BENCH_ONLY=engine-refresh: preview --refresh and a no-op up on stacks of 10/100/300 beside direct read()s.
  if (process.argv.includes("--engine-refresh") || process.env.BENCH_ONLY === "engine-refresh") return runEngineRefreshBench();
  // `npm run bench -- --plugin` or BENCH_ONLY=plugin: YAML + the plugin beside TypeScript + the dynamic resources, cold start, tarball size.
  if (process.argv.includes("--plugin") || process.env.BENCH_ONLY === "plugin") return runPluginBench();
  // `npm run bench -- --consumers` or BENCH_ONLY=consumers: only apps reading rotated secrets, counting failed calls.
  if (process.argv.includes("--consumers") || process.env.BENCH_ONLY === "consumers") return runConsumerRotationBench();
  // `npm run bench -- --transports` or BENCH_ONLY=transports: only bastion vs direct SSH vs Cloud Assistant.
  if (process.argv.includes("--transports") || process.env.BENCH_ONLY === "transports") return runTransportBench();
  const dir = await mkdtemp(join(tmpdir(), "ms-bench-"));
  const store = new LocalSecretStore({ path: join(dir, "store.enc"), passphrase: randomBytes(18).toString("base64") });
  const host = await startSshHost();
  try {
    // Warm the RSA generator and ssh2 once so neither side pays first-use costs in its samples.
    await Promise.all([generateFloorKeyPair("rsa"), generateKeyPair("rsa-2048")]);
    const rows = [await benchPasswords(host, store), await benchKeys(host, store)];
    report(rows);
    const size = await providerSize();
    console.log(`\nserialized __provider: ${size} bytes (budget 8192)`);
  } finally {
    await host.stop();
    await rm(dir, { recursive: true, force: true });
  }
  if (process.env.BENCH_ONLY !== "single") {
    await runTransportBench();
    await runFleetBench();
    await runEngineBench();
    await runScaleBenches();
    await runScaleOverheadBench();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
