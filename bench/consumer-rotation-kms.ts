/**
 * The consumers bench's row for a secret KMS rotates itself: Alibaba's
 * managed-credentials provider for Python (testkit/consumers) signs STS
 * GetCallerIdentity back to back with the key of a RamSecret rotatedBy
 * "kms", through KMS-native rotations, on the same cadence as the grace rows
 * of consumer-rotation.ts: each rotation (a rotationTrigger, KMS's
 * RotateSecret), calls for the pause while KMS's window runs (both keys
 * work), the clock moved past KMS's 2-day window plus a minute (KMS deletes
 * the old key from RAM), calls for the pause again.
 *
 * The provider does its own re-reading (its cache lives as long as KMS's
 * RotationInterval; on InvalidAccessKeyId.NotFound it re-reads and retries
 * once), so it is one app, not three policies. Its time arithmetic follows
 * the bench's clock (managed_credentials.py), as the generic rows' app
 * caches do. It reads with a key of its own, so its reads are counted from
 * the emulator's call log.
 */
import { setTimeout as delay } from "node:timers/promises";
import * as ram from "../provider/resources/ram-secret/ram-secret-handler";
import type { RuntimeContext } from "../provider/context/runtime-context";
import type { TestClock } from "../testkit/clock/test-clock";
import type { KmsEmulatorStore } from "../testkit/store/kms-emulator-store";
import { ConsumerUnavailable } from "../testkit/consumers/consumer-install";
import { managedCredentialsConsumer, startManagedCredentialsApp } from "../testkit/consumers/managed-credentials-app";

/** KMS's window for a RotateSecret unless the console set another (emulator: RAM_IMMEDIATE_WINDOW_MS.default), and a minute past it. */
const KMS_WINDOW_MS = 2 * 86_400_000;
const PAST_WINDOW_MS = KMS_WINDOW_MS + 60_000;
const POLL_ENV = "MANAGED_SECRETS_KMS_ROTATION_POLL_MS";

export interface ProviderStats {
  calls: number;
  failed: number;
  reads: number;
  codes: Record<string, number>;
  /** Rotations KMS completed (old key deleted, window over): its Secret:RotateSecret:Success events for the secret. */
  completed: number;
}

/** The row's figures, or why the provider could not be installed here. */
export async function benchManagedCredentials(
  kms: KmsEmulatorStore,
  ctx: RuntimeContext,
  clock: TestClock,
  cadence: { readonly rotations: number; readonly pauseMs: number },
): Promise<ProviderStats | { unavailable: string }> {
  let python: string;
  try {
    python = await managedCredentialsConsumer();
  } catch (e) {
    if (e instanceof ConsumerUnavailable) return { unavailable: e.message };
    throw e;
  }
  const { control } = kms.emulator;
  control.createKmsRamCredentialsRole();
  const userName = "bench-app-kms";
  control.createUser({ name: userName });
  const key = control.createAccessKey(userName);
  control.createUser({ name: "bench-app-kms-reader", admin: true });
  const reader = control.createAccessKey("bench-app-kms-reader");
  const inputs = { userName, initialAccessKeyId: key.accessKeyId, initialAccessKeySecret: key.accessKeySecret, rotationPeriod: "7d", rotatedBy: "kms" };

  // An update waits for KMS to show the rotated key current; it asks every 2 s unless told otherwise.
  const savedPoll = process.env[POLL_ENV];
  process.env[POLL_ENV] = "50";
  const logFrom = kms.calls.length;
  try {
    const made = await ram.create(inputs, ctx);
    const app = await startManagedCredentialsApp(python, kms.emulator, made.id, reader);
    const stats: ProviderStats = { calls: 0, failed: 0, reads: 0, codes: {}, completed: 0 };
    let running = true;
    const calling = (async () => {
      while (running) {
        const r = await app.call(clock.ms());
        stats.calls++;
        if (!r.ok) {
          stats.failed++;
          stats.codes[r.code ?? "error"] = (stats.codes[r.code ?? "error"] ?? 0) + 1;
        }
      }
    })();
    try {
      await delay(cadence.pauseMs);
      let outs = made.outs;
      for (let i = 1; i <= cadence.rotations; i++) {
        outs = (await ram.update(made.id, outs, { ...inputs, rotationTrigger: `bench-${i}` }, ctx)).outs;
        await delay(cadence.pauseMs);
        clock.advance(PAST_WINDOW_MS);
        control.advanceClock(0);
        await control.settleRotations();
        await delay(cadence.pauseMs);
      }
    } finally {
      running = false;
      await calling.catch(() => undefined);
      await app.stop();
    }
    const readLine = new RegExp(`^Kms\\.GetSecretValue \\S+.* key=${reader.accessKeyId}$`);
    stats.reads = kms.calls.slice(logFrom).filter((l) => readLine.test(l)).length;
    stats.completed = control.systemEvents().filter((e) => e.name === "Secret:RotateSecret:Success" && e.content.secretName === made.id).length;
    return stats;
  } finally {
    if (savedPoll === undefined) delete process.env[POLL_ENV];
    else process.env[POLL_ENV] = savedPoll;
  }
}
