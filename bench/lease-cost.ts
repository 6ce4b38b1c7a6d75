/**
 * What the kms store's lease costs a fleet (`npm run bench -- --leases`,
 * issue 26 item 4): the previous release's companion secret per secret
 * (testkit/store/companion-leases.ts) beside the lease table the store uses
 * now (provider/store/kms/kms-lease-table.ts), in one run, on the emulator
 * through the real SDK with fake targets (no SSH: a rotation's time is its
 * KMS work alone, where the lease weighs most).
 *
 * For concurrency 8 and 32, each lease kind gets a fresh emulator and
 * BENCH_LEASE_SECRETS (200) due secrets, and two runner passes: the first
 * rotation of each secret (the companion is created then), then a second,
 * steady one. Printed per pass: rotations per second, KMS calls per rotation
 * (and how many fall in KMS's 40-per-second quota group of puts, stage moves
 * and listings, which bounds a real fleet), throttled calls, and the KMS
 * secrets billed for the day. Then the same with KMS's documented QPS quotas
 * on (a quarter of the secrets: the quotas pace it in real time).
 * Kinds alternate within each setting, so drift in the machine's load hits
 * both alike. Prints figures; asserts only that every secret rotated (or was found
 * rotated by its own earlier, throttled try).
 */
import { performance } from "node:perf_hooks";
import { startEmulator } from "../emulator";
import { openApiConfig, type CloudSettings } from "../provider/alicloud/cloud-settings";
import { createKmsClient } from "../provider/alicloud/kms-client";
import { KmsSecretStore, type KmsSecretStoreOptions } from "../provider/store/kms/kms-store";
import { META } from "../provider/schedule/rotation-metadata";
import { targetRegistry } from "../provider/context/runtime-context";
import { countOutcomes, runOnce } from "../provider/runner/run-once";
import { mapBounded } from "../provider/core/map-bounded";
import { FakeTarget } from "../testkit/rotation/fake-target";
import { companionLeases } from "../testkit/store/companion-leases";

const SECRETS = Number(process.env.BENCH_LEASE_SECRETS ?? 200);
const DAY_MS = 86_400_000;
/** KMS's "list secrets and other low-frequency reads and writes of secret metadata" group (emulator/products/kms/kms-quotas.ts). */
const LOW_FREQUENCY = new Set(["ListSecrets", "ListSecretVersionIds", "PutSecretValue", "UpdateSecret", "UpdateSecretVersionStage", "RestoreSecret"]);

const KINDS: ReadonlyArray<readonly [string, KmsSecretStoreOptions["leases"]]> = [
  ["companion (previous)", companionLeases],
  ["lease table (now)", undefined],
];

interface PassFigures {
  readonly perSecond: number;
  readonly callsPerRotation: number;
  readonly lowFrequencyPerRotation: number;
  readonly throttled: number;
}

async function measure(leases: KmsSecretStoreOptions["leases"], concurrency: number, secrets: number, quotas: boolean): Promise<{ passes: PassFigures[]; billed: number }> {
  const calls: string[] = [];
  let now = Date.parse("2026-01-01T00:00:00.000Z");
  const clock = () => new Date(now);
  await using emu = await startEmulator({ clock, log: (line) => calls.push(line) });
  const cloud: CloudSettings = { regionId: emu.regionId, endpoint: emu.endpoint, protocol: "http", accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret };
  const store = () => new KmsSecretStore({ client: createKmsClient(openApiConfig(cloud, "kms.invalid")), clock, boundKeys: targetRegistry().boundKeys, ...(leases ? { leases } : {}) });
  const targets = new Map<string, FakeTarget>();
  const seeding = store();
  await mapBounded(
    Array.from({ length: secrets }, (_, i) => `fleet/i-${String(i).padStart(5, "0")}/root`),
    16,
    async (name, i) => {
      const value = JSON.stringify({ UserName: "root", Password: `Initial-${i}` });
      targets.set(name, new FakeTarget(value));
      await seeding.createSecret({ name, description: "", metadata: { kind: "ecs", [META.rotationPeriodSeconds]: "86400", [META.nextRotationAt]: new Date(now + 3_600_000).toISOString() }, versionId: "v1", value });
    },
  );
  if (quotas) emu.control.setKmsQps({});
  const passes: PassFigures[] = [];
  for (let pass = 0; pass < 2; pass++) {
    now += 2 * DAY_MS;
    calls.length = 0;
    const t0 = performance.now();
    const report = await runOnce({ store: store(), clock, owner: "bench-runner", targetFor: (meta) => targets.get(meta.name)!, concurrency });
    const seconds = (performance.now() - t0) / 1000;
    // A try the quotas cut short after its finish comes back and finds the secret rotated: skipped, but rotated all the same.
    const counts = countOutcomes(report);
    const rotated = counts.rotated + counts.skipped;
    if (rotated !== secrets || counts.failed > 0) throw new Error(`expected ${secrets} rotations, got ${JSON.stringify(counts)}`);
    const kms = calls.filter((l) => l.startsWith("Kms.") && !/ 429 /.test(l)).map((l) => /^Kms\.(\w+)/.exec(l)![1]!);
    passes.push({
      perSecond: rotated / seconds,
      callsPerRotation: kms.length / rotated,
      lowFrequencyPerRotation: kms.filter((a) => LOW_FREQUENCY.has(a)).length / rotated,
      throttled: calls.filter((l) => / 429 /.test(l)).length,
    });
  }
  emu.control.setKmsQps(undefined);
  const [today] = emu.control.billedSecretsPerDay(clock());
  return { passes, billed: today?.secrets ?? 0 };
}

export async function runLeaseCostBench(): Promise<void> {
  console.log(`\nlease cost, kms store (emulator, fake targets): companion per secret vs one lease table, runner passes over ${SECRETS} due secrets`);
  for (const quotas of [false, true]) {
    const secrets = quotas ? Math.max(8, Math.round(SECRETS / 4)) : SECRETS;
    console.log(quotas ? `  with KMS's documented QPS quotas (${secrets} secrets):` : "  no QPS quotas:");
    for (const concurrency of [8, 32]) {
      for (const [label, leases] of KINDS) {
        const { passes, billed } = await measure(leases, concurrency, secrets, quotas);
        const cells = passes.map(
          (p, i) =>
            `${i === 0 ? "first" : "second"} ${p.perSecond.toFixed(1).padStart(6)}/s ${p.callsPerRotation.toFixed(1).padStart(5)} calls (${p.lowFrequencyPerRotation.toFixed(1)} in the 40/s group)` +
            `${p.throttled > 0 ? ` ${p.throttled} throttled` : ""}`,
        );
        console.log(`    concurrency ${String(concurrency).padStart(2)}  ${label.padEnd(21)} ${cells.join("   ")}   billed ${billed} secrets`);
      }
    }
  }
}
