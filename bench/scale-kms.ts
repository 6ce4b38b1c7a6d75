/**
 * Scale bench, kms store (`npm run bench -- --scale`, issue 14): a fleet of
 * BENCH_SCALE_SECRETS (10,000) secrets in the emulator's KMS, reached through
 * the real SDK with real signing, and the runner's pass over it:
 *
 *   nothing due   KMS calls (the bound is ceil(N / page size) + 2) and time;
 *   1% due        the same pass rotating 1% of the fleet with fake targets
 *                 (testkit/rotation/fake-target.ts: no SSH, so the rotations'
 *                 time is their KMS work alone, the strictest comparison):
 *                 the pass's own overhead (listing, judging, everything
 *                 outside the rotations) beside the rotations' time;
 *   again         nothing due once more, now that the rotations have written
 *                 the store's lease table (one KMS secret, never listed);
 *   quotas        the nothing-due pass with KMS's documented QPS quotas on,
 *                 as the real service would pace it (429s and all).
 *
 * Prints figures; asserts only the call-count bound, which is not a time.
 * Env: BENCH_SCALE_SECRETS (10000), BENCH_SCALE_DUE_PERCENT (1).
 */
import { performance } from "node:perf_hooks";
import { startEmulator } from "../emulator";
import { openApiConfig, type CloudSettings } from "../provider/alicloud/cloud-settings";
import { createKmsClient } from "../provider/alicloud/kms-client";
import { KMS_PAGE_SIZE } from "../provider/store/kms/kms-listing";
import { KmsSecretStore } from "../provider/store/kms/kms-store";
import { META } from "../provider/schedule/rotation-metadata";
import { targetRegistry } from "../provider/context/runtime-context";
import { countOutcomes, runOnce, type RunReport } from "../provider/runner/run-once";
import { mapBounded } from "../provider/core/map-bounded";
import { FakeTarget } from "../testkit/rotation/fake-target";

const SECRETS = Number(process.env.BENCH_SCALE_SECRETS ?? 10_000);
const DUE_PERCENT = Number(process.env.BENCH_SCALE_DUE_PERCENT ?? 1);
const SEED_CONCURRENCY = 16;
const DAY_MS = 86_400_000;

interface PassFigures {
  readonly report: RunReport;
  readonly calls: number;
  readonly refused: number;
  readonly totalMs: number;
  /** From the pass's start until its first rotation could start, plus after the last one ended. */
  readonly overheadMs: number;
  readonly rotationsMs: number;
}

export async function runScaleKmsBench(): Promise<void> {
  const calls: string[] = [];
  const start = Date.parse("2026-01-01T00:00:00.000Z");
  let now = start;
  const clock = () => new Date(now);
  await using emu = await startEmulator({ clock, log: (line) => calls.push(line) });
  const cloud: CloudSettings = { regionId: emu.regionId, endpoint: emu.endpoint, protocol: "http", accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret };
  const store = () => new KmsSecretStore({ client: createKmsClient(openApiConfig(cloud, "kms.invalid")), clock, boundKeys: targetRegistry().boundKeys });

  const due = Math.round((SECRETS * DUE_PERCENT) / 100);
  const names = Array.from({ length: SECRETS }, (_, i) => `fleet/i-${String(i).padStart(6, "0")}/root`);
  const targets = new Map<string, FakeTarget>();
  const seeding = store();
  const seededAt = performance.now();
  await mapBounded(names, SEED_CONCURRENCY, async (name, i) => {
    const value = JSON.stringify({ UserName: "root", Password: `Initial-${i}` });
    targets.set(name, new FakeTarget(value));
    // Every (100 / DUE_PERCENT)th secret falls due in a day, the rest in ten: the first pass finds nothing due.
    const every = Math.round(SECRETS / Math.max(1, due));
    const next = i % every === 0 && i / every < due ? now + DAY_MS : now + 10 * DAY_MS;
    await seeding.createSecret({
      name,
      description: "",
      metadata: { kind: "ecs", [META.rotationPeriodSeconds]: "2592000", [META.nextRotationAt]: new Date(next).toISOString() },
      versionId: "v1",
      value,
    });
  });
  console.log(`\nscale, kms store (emulator): ${SECRETS} secrets created in ${((performance.now() - seededAt) / 1000).toFixed(1)} s`);

  const pass = async (what: string): Promise<PassFigures> => {
    calls.length = 0;
    let dueAt = 0;
    let lastDone = 0;
    const t0 = performance.now();
    const report = await runOnce({
      store: store(),
      clock,
      owner: "bench-runner",
      targetFor: (meta) => targets.get(meta.name)!,
      onDue: () => void (dueAt = performance.now()),
      onProgress: () => void (lastDone = performance.now()),
    });
    const t1 = performance.now();
    const rotations = countOutcomes(report).rotated;
    const overheadMs = rotations > 0 ? dueAt - t0 + (t1 - lastDone) : t1 - t0;
    const figures = {
      report,
      calls: calls.filter((l) => l.startsWith("Kms.")).length,
      refused: calls.filter((l) => / 429 /.test(l)).length,
      totalMs: t1 - t0,
      overheadMs,
      rotationsMs: rotations > 0 ? lastDone - dueAt : 0,
    };
    const counts = countOutcomes(report);
    console.log(
      `  ${what.padEnd(34)} ${figures.calls.toString().padStart(6)} KMS calls (${figures.refused} throttled)  ${figures.totalMs.toFixed(0).padStart(7)} ms` +
        `  rotated ${counts.rotated}, skipped ${counts.skipped}, failed ${counts.failed}`,
    );
    return figures;
  };

  const bound = Math.ceil(SECRETS / KMS_PAGE_SIZE) + 2;
  const idle = await pass("nothing due");
  now += 2 * DAY_MS;
  const busy = await pass(`${DUE_PERCENT}% due (${due})`);
  now += 60_000;
  const again = await pass("nothing due, after the rotations");
  emu.control.setKmsQps({});
  const paced = await pass("nothing due, documented QPS quotas");
  emu.control.setKmsQps(undefined);

  console.log(`  bound for nothing due: ceil(${SECRETS} / ${KMS_PAGE_SIZE}) + 2 = ${bound} calls`);
  const share = busy.rotationsMs > 0 ? (busy.overheadMs / busy.rotationsMs) * 100 : NaN;
  console.log(
    `  ${DUE_PERCENT}% due: pass overhead ${busy.overheadMs.toFixed(0)} ms beside ${busy.rotationsMs.toFixed(0)} ms of rotations ` +
      `(${share.toFixed(1)}%, target <= 10%; ${(busy.rotationsMs / Math.max(1, due)).toFixed(1)} ms per rotation at concurrency 8, KMS work only)`,
  );
  for (const [what, f] of [["nothing due", idle], ["nothing due, after the rotations", again], ["nothing due, documented QPS quotas", paced]] as const) {
    if (f.calls - f.refused > bound) throw new Error(`${what}: ${f.calls - f.refused} answered KMS calls, over the bound of ${bound}`);
  }
  if (countOutcomes(busy.report).rotated !== due) throw new Error(`expected ${due} rotations, got ${JSON.stringify(countOutcomes(busy.report))}`);
}
