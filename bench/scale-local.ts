/**
 * `npm run bench -- --scale` (local store part, issue 14): what one write,
 * `list`, the runner's due computation and a runner pass cost when the local
 * store holds 10,000 secrets, beside the same at 100 secrets in the same run.
 * The two stores are written in turn, so drift in the machine's load hits
 * both alike. Prints figures; asserts nothing.
 *
 * The runner pass runs in a child process of its own, so its peak RSS is the
 * pass's and not this benchmark's.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalSecretStore } from "../provider/store/local/local-store";
import { judgeDue } from "../provider/schedule/due";
import { runOnce } from "../provider/runner/run-once";
import { openLogFile, readLog, writeSnapshot } from "../provider/store/local/store-log";
import { forgetLogViews } from "../provider/store/local/store-log-view";
import { META } from "../provider/schedule/rotation-metadata";

const SMALL = 100;
const LARGE = Number(process.env.BENCH_SCALE_SECRETS ?? 10_000);
const WRITES = Number(process.env.BENCH_SCALE_WRITES ?? 60);
const CHILD_FLAG = "--scale-local-pass-child";
const DAY_S = 24 * 60 * 60;

function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

const secretName = (i: number) => `fleet/i-${String(i).padStart(6, "0")}/root`;
const password = () => JSON.stringify({ UserName: "root", Password: randomBytes(18).toString("base64") });

/** Shaped like what EcsSecret stores: target metadata, a schedule not due for weeks, two versions. */
async function populate(store: LocalSecretStore, count: number): Promise<void> {
  const next = new Date(Date.now() + 20 * DAY_S * 1000).toISOString();
  const batch = 500;
  for (let start = 0; start < count; start += batch) {
    const names = Array.from({ length: Math.min(batch, count - start) }, (_, k) => secretName(start + k));
    // Concurrent calls are group-committed, as a runner's concurrent rotations are.
    await Promise.all(
      names.map((name, k) =>
        store.createSecret({
          name,
          description: `root password of fleet instance ${start + k}`,
          metadata: {
            kind: "ecs",
            instanceId: `i-bp1${String(start + k).padStart(17, "0")}`,
            managedUser: "root",
            credentialType: "password",
            transport: "ssh",
            host: `10.${(start + k) >> 16}.${((start + k) >> 8) & 255}.${(start + k) & 255}`,
            port: "22",
            hostKeyFingerprint: `SHA256:${randomBytes(32).toString("base64").replace(/=+$/, "")}`,
            [META.rotationPeriodSeconds]: String(30 * DAY_S),
            [META.nextRotationAt]: next,
          },
          versionId: "v1",
          value: password(),
        }),
      ),
    );
    await Promise.all(names.map((name) => store.putValue(name, { versionId: "v2", value: password(), stages: ["ACSCurrent"] })));
  }
}

/** What a compaction of `path` writes and costs, done to another file so the measured stores stay as they are. */
async function compactCopy(path: string, target: string, passphrase: string): Promise<number> {
  const handle = (await openLogFile(path, "r"))!;
  try {
    const opened = await readLog(handle, path, passphrase);
    if (opened.kind !== "log") throw new Error("the bench store should be a log file");
    await writeSnapshot(target, passphrase, opened.state.doc, { keySource: opened.state.head.keySource });
    return (await stat(target)).size;
  } finally {
    await handle.close();
  }
}

async function passInChild(path: string, passphrase: string): Promise<{ maxRssMiB: number; passMs: number; secrets: number; due: number }> {
  const child = spawn(process.execPath, ["--import", "tsx", __filename, CHILD_FLAG, path], {
    env: { ...process.env, MANAGED_SECRETS_PASSPHRASE: passphrase },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  const [code] = (await once(child, "exit")) as [number | null];
  if (code !== 0) throw new Error(`the runner pass child exited with ${code}`);
  return JSON.parse(out.trim().split("\n").pop()!) as { maxRssMiB: number; passMs: number; secrets: number; due: number };
}

/** The child: one runner pass (nothing due) over the store, as `managed-secrets run` makes one; prints its peak RSS. */
async function childPass(path: string): Promise<void> {
  const store = new LocalSecretStore({ path, passphrase: process.env.MANAGED_SECRETS_PASSPHRASE ?? "" });
  const { ms, value: report } = await timed(() =>
    runOnce({
      store,
      clock: () => new Date(),
      owner: "bench-scale",
      targetFor: () => {
        throw new Error("nothing should be due in this pass");
      },
    }),
  );
  const due = report.outcomes.filter((o) => o.status !== "skipped").length;
  const maxRssMiB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ maxRssMiB, passMs: ms, secrets: report.outcomes.length, due })}\n`);
}

export async function runScaleLocalBench(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "bench-scale-local-"));
  const passphrase = randomBytes(18).toString("base64");
  try {
    const paths = { small: join(dir, "small.enc"), large: join(dir, "large.enc") };
    const small = new LocalSecretStore({ path: paths.small, passphrase });
    const large = new LocalSecretStore({ path: paths.large, passphrase });
    const filled = await timed(async () => {
      await populate(small, SMALL);
      await populate(large, LARGE);
    });
    console.log(`\nscale: local store (${SMALL} vs ${LARGE} secrets, ${WRITES} writes each, interleaved; filled in ${(filled.ms / 1000).toFixed(1)} s)`);

    const warmList = await timed(() => large.listSecrets());
    // As a new process would: nothing of the file read before (the derived key stays cached).
    forgetLogViews();
    const cold = new LocalSecretStore({ path: paths.large, passphrase });
    const coldList = await timed(() => cold.listSecrets());
    const due = await timed(async () => {
      const now = new Date();
      return (await large.listSecrets()).filter((meta) => judgeDue(meta, now).due).length;
    });
    const size = (await stat(paths.large)).size;
    console.log(`list over ${warmList.value.length} secrets: ${warmList.ms.toFixed(0)} ms warm, ${coldList.ms.toFixed(0)} ms read afresh as by a new process (whole file read and decrypted; key cached) (target < 1 s)`);
    console.log(`due computation (list + judgeDue) over ${LARGE}: ${due.ms.toFixed(0)} ms, ${due.value} due (target < 1 s)`);
    console.log(`store file at ${LARGE} secrets: ${(size / 1024 / 1024).toFixed(1)} MiB`);
    const compaction = await timed(() => compactCopy(paths.large, join(dir, "compacted.enc"), passphrase));
    console.log(
      `a compaction at ${LARGE} secrets (the whole live state to a new file; once per >= ${LARGE} superseded states, so amortized below one write's cost): ${compaction.ms.toFixed(0)} ms, ${(compaction.value / 1024 / 1024).toFixed(1)} MiB`,
    );

    const pass = await passInChild(paths.large, passphrase);
    console.log(
      `runner pass over ${pass.secrets} secrets, ${pass.due} due, in a fresh process: ${pass.passMs.toFixed(0)} ms (scrypt and the first full read included), peak RSS ${pass.maxRssMiB.toFixed(0)} MiB (target < 300 MiB)`,
    );
    // One write = one store call that changes a secret: a rotation's putValue of a new pending version.
    const samples = { small: [] as number[], large: [] as number[] };
    const warmup = { small: [] as number[], large: [] as number[] };
    for (let i = 0; i < WRITES + 2; i++) {
      const order = i % 2 === 0 ? (["small", "large"] as const) : (["large", "small"] as const);
      for (const which of order) {
        const store = which === "small" ? small : large;
        const name = secretName(i % SMALL);
        const { ms } = await timed(() => store.putValue(name, { versionId: `bench-${i}`, value: password(), stages: ["ACSPending"] }));
        // The first two are warm-up: the first catch-up after the fill, and the compaction the fill has made due.
        if (i >= 2) samples[which].push(ms);
        else warmup[which].push(ms);
      }
    }
    const fmt = (n: number) => `${n.toFixed(1)} ms`.padStart(10);
    const ratio = percentile(samples.large, 50) / percentile(samples.small, 50);
    console.log(`${"one write (putValue)".padEnd(34)} ${"p50".padStart(10)} ${"p95".padStart(10)} ${"max".padStart(10)}`);
    console.log(`${`  at ${SMALL} secrets`.padEnd(34)} ${fmt(percentile(samples.small, 50))} ${fmt(percentile(samples.small, 95))} ${fmt(Math.max(...samples.small))}`);
    console.log(`${`  at ${LARGE} secrets`.padEnd(34)} ${fmt(percentile(samples.large, 50))} ${fmt(percentile(samples.large, 95))} ${fmt(Math.max(...samples.large))}`);
    console.log(`  p50 ratio ${LARGE} / ${SMALL}: ${ratio.toFixed(2)}x (target <= 1.5x)`);
    const list = (xs: number[]) => xs.map((x) => `${x.toFixed(0)} ms`).join(", ");
    console.log(`  not in the samples: the 2 warm-up writes, ${list(warmup.small)} at ${SMALL}, ${list(warmup.large)} at ${LARGE} (the fill's superseded versions make a compaction due there)`);

  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === CHILD_FLAG) {
  childPass(process.argv[3]!).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
} else if (require.main === module) {
  void runScaleLocalBench();
}
