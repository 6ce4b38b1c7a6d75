/**
 * Scale bench, the runner pass's own overhead with real rotations
 * (`BENCH_ONLY=scale-overhead npx tsx bench/index.ts`, issue 14): a store of
 * BENCH_SCALE_SECRETS (10,000) secrets of which BENCH_SCALE_DUE (100, 1%) are
 * due and are real users' passwords on real sshd hosts; the rest are shaped
 * like EcsSecret's and not due for weeks. One runner pass, on the local store
 * and on the kms store (emulator, real SDK), measured as bench/scale-kms.ts
 * does: overhead = from the pass's start until the due list is known, plus
 * after the last rotation ended; rotations = the time in between, which holds
 * their SSH and store work. (scale-kms.ts makes the same split with fake
 * targets, so its rotations are KMS work alone: the strictest reading.)
 *
 * Every rotated user's new password must log in afterwards. Prints figures;
 * asserts nothing about time.
 */
import { performance } from "node:perf_hooks";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator } from "../emulator";
import { openApiConfig, type CloudSettings } from "../provider/alicloud/cloud-settings";
import { createKmsClient } from "../provider/alicloud/kms-client";
import { KmsSecretStore } from "../provider/store/kms/kms-store";
import { LocalSecretStore } from "../provider/store/local/local-store";
import type { SecretStore } from "../provider/store/secret-store";
import * as ecs from "../provider/resources/ecs-secret/ecs-secret-handler";
import { META } from "../provider/schedule/rotation-metadata";
import { targetRegistry, targetFromMetadata } from "../provider/context/runtime-context";
import { countOutcomes, runOnce, DEFAULT_CONCURRENCY } from "../provider/runner/run-once";
import { MAX_JITTER_MS } from "../provider/schedule/due";
import { mapBounded } from "../provider/core/map-bounded";
import type { RuntimeContext } from "../provider/context/runtime-context";
import { startSshHost, requireRootForHosts, type StartedSshHost } from "../testkit/sshd/ssh-host";
import { tryLogin } from "../testkit/ssh-client/ssh-client";
import { createRunningTestClock, type TestClock } from "../testkit/clock/test-clock";

const SECRETS = Number(process.env.BENCH_SCALE_SECRETS ?? 10_000);
const DUE = Number(process.env.BENCH_SCALE_DUE ?? 100);
const HOSTS = 8;
const DAY_MS = 86_400_000;
const PERIOD = "6h";

interface Started {
  readonly hosts: StartedSshHost[];
  readonly users: { host: number; user: string; password: string }[];
}

async function startHosts(): Promise<Started> {
  const per = Math.ceil(DUE / HOSTS);
  const hosts = await Promise.all(
    Array.from({ length: HOSTS }, () =>
      startSshHost({ users: Array.from({ length: per }, (_, j) => ({ name: `due${String(j).padStart(3, "0")}`, password: `Init-${randomBytes(12).toString("base64")}` })) }),
    ),
  );
  const users = hosts.flatMap((h, i) => Object.entries(h.users).map(([user, password]) => ({ host: i, user, password: password! }))).slice(0, DUE);
  return { hosts, users };
}

/** The secrets nobody rotates in this pass: shaped like EcsSecret's, due in weeks. */
async function fill(store: SecretStore, now: number): Promise<void> {
  const names = Array.from({ length: SECRETS - DUE }, (_, i) => `fleet/i-${String(i).padStart(6, "0")}/root`);
  await mapBounded(names, 16, async (name, i) => {
    await store.createSecret({
      name,
      description: "",
      metadata: {
        kind: "ecs",
        instanceId: `i-bp1${String(i).padStart(17, "0")}`,
        managedUser: "root",
        credentialType: "password",
        [META.rotationPeriodSeconds]: String(30 * 86_400),
        [META.nextRotationAt]: new Date(now + 20 * DAY_MS).toISOString(),
      },
      versionId: "v1",
      value: JSON.stringify({ UserName: "root", Password: `Initial-${i}` }),
    });
  });
}

async function measure(label: string, store: () => SecretStore, clock: TestClock, started: Started): Promise<void> {
  const ctx: RuntimeContext = {
    store: store(),
    clock,
    targets: targetRegistry(),
    owner: "scale-overhead-bench",
    cloud: () => {
      throw new Error("this bench's ECS secrets go over SSH, not a cloud API");
    },
  };
  const seededAt = performance.now();
  await fill(ctx.store, clock().getTime());
  const ids = await mapBounded(started.users, DEFAULT_CONCURRENCY, async (u) => {
    const h = started.hosts[u.host]!;
    const { id } = await ecs.create(
      {
        instanceId: `i-due${u.host}`,
        managedUser: u.user,
        credentialType: "password",
        initialValue: u.password,
        connection: { host: h.host, port: h.port, hostKeyFingerprint: h.hostKeyFingerprint },
        rotationPeriod: PERIOD,
      },
      ctx,
    );
    return id;
  });
  console.log(`\nscale overhead, ${label}: ${SECRETS} secrets (${DUE} real sshd users due, on ${HOSTS} hosts) made in ${((performance.now() - seededAt) / 1000).toFixed(1)} s`);

  clock.advance(6 * 3_600_000 + MAX_JITTER_MS + 1000);
  let dueAt = 0;
  let lastDone = 0;
  const t0 = performance.now();
  const report = await runOnce({
    store: store(),
    clock,
    owner: "scale-overhead-bench",
    targetFor: (meta) => targetFromMetadata(meta, ctx),
    onDue: () => void (dueAt = performance.now()),
    onProgress: () => void (lastDone = performance.now()),
  });
  const t1 = performance.now();
  const counts = countOutcomes(report);
  if (counts.rotated !== DUE) throw new Error(`${label}: expected ${DUE} rotations, got ${JSON.stringify(counts)}`);
  const overheadMs = dueAt - t0 + (t1 - lastDone);
  const rotationsMs = lastDone - dueAt;
  console.log(
    `  one pass: ${(t1 - t0).toFixed(0)} ms; overhead ${overheadMs.toFixed(0)} ms (listing and judging ${(dueAt - t0).toFixed(0)} ms, after the last rotation ${(t1 - lastDone).toFixed(0)} ms) ` +
      `beside ${rotationsMs.toFixed(0)} ms of rotations: ${((overheadMs / rotationsMs) * 100).toFixed(1)}% (target <= 10%)`,
  );
  const check = store();
  const bad: string[] = [];
  await mapBounded(ids, DEFAULT_CONCURRENCY, async (id, i) => {
    const u = started.users[i]!;
    const h = started.hosts[u.host]!;
    const now = JSON.parse((await check.getValue(id)).value) as { Password: string };
    if (now.Password === u.password || !(await tryLogin({ host: h.host, port: h.port, hostKeyFingerprint: h.hostKeyFingerprint, username: u.user, password: now.Password }))) bad.push(id);
    u.password = now.Password;
  });
  if (bad.length > 0) throw new Error(`${label}: ${bad.length} rotated passwords do not log in (${bad.slice(0, 3).join(", ")})`);
  console.log(`  verified: ${DUE}/${DUE} new passwords log in`);
}

export async function runScaleOverheadBench(): Promise<void> {
  requireRootForHosts();
  const started = await startHosts();
  const dir = await mkdtemp(join(tmpdir(), "ms-scale-overhead-"));
  try {
    const localClock = createRunningTestClock();
    const path = join(dir, "store.enc");
    const passphrase = randomBytes(18).toString("base64");
    await measure("local store", () => new LocalSecretStore({ path, passphrase, clock: localClock }), localClock, started);

    const kmsClock = createRunningTestClock();
    await using emu = await startEmulator({ clock: kmsClock });
    const cloud: CloudSettings = { regionId: emu.regionId, endpoint: emu.endpoint, protocol: "http", accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret };
    const bindingKeyId = emu.control.createKmsKey({ keySpec: "EC_P256", keyUsage: "SIGN/VERIFY" }).keyId;
    const kmsStore = () => new KmsSecretStore({ client: createKmsClient(openApiConfig(cloud, "kms.invalid")), clock: kmsClock, bindingKeyId, boundKeys: targetRegistry().boundKeys });
    await measure("kms store (emulator)", kmsStore, kmsClock, started);
  } finally {
    await Promise.all(started.hosts.map((h) => h.stop()));
    await rm(dir, { recursive: true, force: true });
  }
}
