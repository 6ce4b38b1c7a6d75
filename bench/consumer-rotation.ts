/**
 * `npm run bench -- --consumers` (or BENCH_ONLY=consumers): do apps that use a
 * rotated credential ever fail while it rotates?
 *
 * - RAM: apps sign STS GetCallerIdentity back to back with the AccessKey they
 *   read from the RAM secret (GetSecretValue through @alicloud/kms20160120, as
 *   an app would), through 10 rotations for each previousKeyAction.
 * - ECS: apps open a fresh SSH session (real sshd) with the root password they
 *   read, through 10 rotations; the window between apply and finish (when the
 *   host already wants the new password and ACSCurrent still holds the old) is
 *   measured.
 *
 * Each app policy is one of the ways Alibaba's clients re-read a secret:
 * `ttl` (the Secrets Manager clients' cache, default TTL 1 h on the run's
 * clock: no re-read within a wall-clock run this short), `refresh-on-error`
 * (the same cache, re-read and retried once when the call is refused for its
 * key, as Alibaba's managed credentials providers do), `every-call` (no
 * cache). Prints counts; asserts nothing. No credential is printed.
 *
 * The grace rows (`deactivate` / `delete` with previousKeyGracePeriod 1h) run
 * on a test clock: each rotation, then the clock moved past the grace period
 * (and so past the apps' 1 h cache), then a runner pass (runOnce) that
 * retires the previous key, as the runner's next timer tick would.
 */
import { setTimeout as delay } from "node:timers/promises";
import Kms, * as $Kms from "@alicloud/kms20160120";
import { $OpenApiUtil } from "@alicloud/openapi-core";
import { Config as RpcConfig } from "@alicloud/rpc-client";
import Sts from "@alicloud/sts20150401";
import { EcsSshTarget } from "../provider/targets/ecs-ssh/ecs-ssh-target";
import { encodeEcsValue } from "../provider/targets/ecs-host/ecs-value";
import * as ram from "../provider/resources/ram-secret/ram-secret-handler";
import { PREVIOUS_KEY_ACTIONS, type PreviousKeyAction } from "../provider/targets/ram-access-key/previous-key-action";
import { rotateSecret } from "../provider/rotation/rotate-secret";
import { targetRegistry, targetFromMetadata } from "../provider/context/runtime-context";
import { runOnce } from "../provider/runner/run-once";
import type { RuntimeContext } from "../provider/context/runtime-context";
import { createRunningTestClock, type TestClock } from "../testkit/clock/test-clock";
import { startSshHost, hostTarget } from "../testkit/sshd/ssh-host";
import { startKmsEmulatorStore, type KmsEmulatorStore } from "../testkit/store/kms-emulator-store";
import { close, connect } from "../testkit/ssh-client/bare-ssh2-floor";
import { benchManagedCredentials } from "./consumer-rotation-kms";

const ROTATIONS = Number(process.env.BENCH_CONSUMER_ROTATIONS ?? 10);
/** Time between rotations, so apps run on each new value for a while. */
const PAUSE_MS = Number(process.env.BENCH_CONSUMER_PAUSE_MS ?? 300);

/** Alibaba's Secrets Manager clients' default cache TTL. */
const CACHE_TTL_MS = 60 * 60_000;
/** The grace rows' previousKeyGracePeriod, and how far past it the runner's next pass comes. */
const GRACE = "1h";
const GRACE_MS = 60 * 60_000;
const RUNNER_TICK_MS = 60_000;

const POLICIES = ["ttl", "refresh-on-error", "every-call"] as const;
type Policy = (typeof POLICIES)[number];

interface AppStats {
  /** The app's re-read policy, or the client that decides it (a managed-credentials provider). */
  policy: Policy | string;
  calls: number;
  failed: number;
  reads: number;
  /** Refusal codes seen on calls that failed, with counts. */
  codes: Record<string, number>;
}

/** An app's loop: read, call, and (per policy) re-read; a call counts as failed when the app's last attempt failed. */
async function app<T>(policy: Policy, read: () => Promise<T>, call: (v: T) => Promise<string | undefined>, running: () => boolean, now: () => number): Promise<AppStats> {
  const stats: AppStats = { policy, calls: 0, failed: 0, reads: 1, codes: {} };
  let value = await read();
  let readAt = now();
  while (running()) {
    if (policy === "every-call" || now() - readAt >= CACHE_TTL_MS) {
      value = await read();
      readAt = now();
      stats.reads++;
    }
    stats.calls++;
    let refusal = await call(value);
    if (refusal !== undefined && policy === "refresh-on-error") {
      value = await read();
      stats.reads++;
      refusal = await call(value);
    }
    if (refusal !== undefined) {
      stats.failed++;
      stats.codes[refusal] = (stats.codes[refusal] ?? 0) + 1;
    }
  }
  return stats;
}

function secretReader(kms: KmsEmulatorStore, name: string): () => Promise<Record<string, string>> {
  const { emulator } = kms;
  const client = new Kms(
    new RpcConfig({ endpoint: emulator.endpoint, protocol: "http", regionId: emulator.regionId, accessKeyId: emulator.accessKeyId, accessKeySecret: emulator.accessKeySecret }),
  );
  return async () => {
    const res = await client.getSecretValue(new $Kms.GetSecretValueRequest({ secretName: name, versionStage: "ACSCurrent" }));
    return JSON.parse(res.secretData) as Record<string, string>;
  };
}

/** GetCallerIdentity signed with the pair; the refusal code, or undefined when accepted. */
function stsCaller(kms: KmsEmulatorStore): (v: Record<string, string>) => Promise<string | undefined> {
  return async (v) => {
    const config = new $OpenApiUtil.Config({
      endpoint: kms.emulator.endpoint,
      protocol: "http",
      regionId: kms.emulator.regionId,
      accessKeyId: v.AccessKeyId,
      accessKeySecret: v.AccessKeySecret,
    });
    try {
      await new Sts(config).getCallerIdentity();
      return undefined;
    } catch (e) {
      return String((e as { code?: unknown }).code ?? "error");
    }
  };
}

async function runApps<T>(
  read: () => Promise<T>,
  call: (v: T) => Promise<string | undefined>,
  rotate: () => Promise<void>,
  now: () => number = Date.now,
): Promise<AppStats[]> {
  let running = true;
  const apps = POLICIES.map((p) => app(p, read, call, () => running, now));
  await delay(PAUSE_MS);
  try {
    for (let i = 0; i < ROTATIONS; i++) {
      await rotate();
      await delay(PAUSE_MS);
    }
  } finally {
    running = false;
  }
  return Promise.all(apps);
}

function printRow(what: string, stats: readonly AppStats[], extra = ""): void {
  for (const s of stats) {
    const codes = Object.entries(s.codes).map(([c, n]) => `${c} x${n}`).join(", ");
    console.log(`${what.padEnd(26)} ${s.policy.padEnd(17)} ${String(s.calls).padStart(6)} ${String(s.failed).padStart(7)} ${String(s.reads).padStart(6)}  ${codes}${extra}`);
  }
}

async function benchRam(kms: KmsEmulatorStore, ctx: RuntimeContext, action: PreviousKeyAction, clock?: TestClock): Promise<void> {
  const grace = clock !== undefined;
  const userName = `bench-app-${action}${grace ? "-grace" : ""}`;
  kms.emulator.control.createUser({ name: userName });
  const key = kms.emulator.control.createAccessKey(userName);
  const { id } = await ram.create(
    {
      userName,
      initialAccessKeyId: key.accessKeyId,
      initialAccessKeySecret: key.accessKeySecret,
      previousKeyAction: action,
      ...(grace ? { previousKeyGracePeriod: GRACE } : {}),
    },
    ctx,
  );
  let retired = 0;
  const rotate = async () => {
    const meta = await kms.store.describeSecret(id);
    if (!meta) throw new Error(`${id} vanished`);
    await rotateSecret({ store: kms.store, name: id, target: targetFromMetadata(meta, ctx), owner: "bench", clock: ctx.clock });
    if (!clock) return;
    // Apps run on the new key while the old one is still in its grace; then the time passes and the runner's next tick comes.
    await delay(PAUSE_MS);
    clock.advance(GRACE_MS + RUNNER_TICK_MS);
    const pass = await runOnce({ store: kms.store, clock: ctx.clock, owner: "bench-runner", targetFor: (m) => targetFromMetadata(m, ctx) });
    retired += pass.retired.filter((r) => r.result === "deleted" || r.result === "deactivated").length;
  };
  const stats = await runApps(secretReader(kms, id), stsCaller(kms), rotate, () => ctx.clock().getTime());
  printRow(`RAM ${action}${grace ? ` +${GRACE} grace` : ""}`, stats, grace ? `   (${retired} previous keys retired by runner passes)` : "");
}

async function benchEcsPassword(kms: KmsEmulatorStore): Promise<void> {
  const host = await startSshHost();
  try {
    const endpoint = hostTarget(host);
    const name = "ecs/bench-consumer/root";
    await kms.store.createSecret({ name, description: "", metadata: {}, versionId: "v1", value: encodeEcsValue({ UserName: "root", Password: host.rootPassword }) });
    const target = new EcsSshTarget({ secretName: name, managedUser: "root", credentialType: "password", keyAlgorithm: "rsa-2048", endpoint });
    const windows: number[] = [];
    const login = async (v: Record<string, string>): Promise<string | undefined> => {
      try {
        await close(await connect(endpoint, { username: v.UserName ?? "root", password: v.Password }, "password"));
        return undefined;
      } catch (e) {
        return /rejected/.test((e as Error).message) ? "authentication refused" : "connection error";
      }
    };
    const stats = await runApps(secretReader(kms, name), login, async () => {
      let appliedAt = 0;
      await rotateSecret({
        store: kms.store,
        name,
        target,
        owner: "bench",
        clock: () => new Date(),
        afterStep: (step) => {
          if (step === "apply") appliedAt = performance.now();
          if (step === "finish") windows.push(performance.now() - appliedAt);
        },
      });
    });
    const sorted = [...windows].sort((a, b) => a - b);
    const p50 = sorted[Math.floor(sorted.length / 2)] ?? 0;
    printRow("ECS password (root)", stats, `   apply->finish window p50 ${p50.toFixed(0)} ms, max ${(sorted.at(-1) ?? 0).toFixed(0)} ms`);
  } finally {
    await host.stop();
  }
}

/**
 * The row for a RAMCredentials secret KMS rotates itself, read by Alibaba's
 * managed-credentials provider for Python (consumer-rotation-kms.ts). Its
 * generic-secret counterpart is the row "RAM delete +1h grace" with the
 * refresh-on-error app: the old key stays Active through a window after the
 * rotation and is deleted when it ends, and the app re-reads and retries once
 * when refused for its key, which is what this provider does.
 */
async function printManagedCredentials(kms: KmsEmulatorStore, ctx: RuntimeContext, clock: TestClock): Promise<void> {
  const r = await benchManagedCredentials(kms, ctx, clock, { rotations: ROTATIONS, pauseMs: PAUSE_MS });
  if ("unavailable" in r) {
    console.log(`${"RAM rotatedBy kms".padEnd(26)} skipped: ${r.unavailable}`);
    return;
  }
  printRow("RAM rotatedBy kms (2d win)", [{ policy: "py provider 0.1.4", calls: r.calls, failed: r.failed, reads: r.reads, codes: r.codes }], `   (${r.completed} rotations completed by KMS; compare: RAM delete +1h grace, refresh-on-error)`);
}

export async function runConsumerRotationBench(): Promise<void> {
  // The grace rows move this clock; the rows before them never do, so for them it is the wall clock.
  const clock = createRunningTestClock();
  const kms = await startKmsEmulatorStore({ clock });
  const ctx: RuntimeContext = { store: kms.store, clock, targets: targetRegistry(), owner: "bench", cloud: () => kms.cloud };
  try {
    console.log(`\napps using a credential through ${ROTATIONS} rotations (${PAUSE_MS} ms apart); failed = calls whose last attempt was refused`);
    console.log(`${"secret".padEnd(26)} ${"app re-reads".padEnd(17)} ${"calls".padStart(6)} ${"failed".padStart(7)} ${"reads".padStart(6)}  refusals`);
    for (const action of PREVIOUS_KEY_ACTIONS) await benchRam(kms, ctx, action);
    for (const action of ["deactivate", "delete"] as const) await benchRam(kms, ctx, action, clock);
    await benchEcsPassword(kms);
    await printManagedCredentials(kms, ctx, clock);
    console.log(
      "\nAWS, for comparison (single user, https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotation-strategy.html):\n" +
        "between the password changing in the database and the secret being updated there is a short window with a low risk of\n" +
        "refused calls, mitigated by retrying; the ECS row's apply->finish window is that window here. The RAM rows have two\n" +
        "keys, so they need no such window: AWS's alternating-users strategy is their counterpart.",
    );
  } finally {
    await kms.dispose();
  }
}
