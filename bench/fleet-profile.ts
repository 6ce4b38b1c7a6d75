/**
 * Where the product's fleet time goes, measured without changing product code:
 *
 *  - storeComponents: what one LocalSecretStore call is made of, on the real
 *    store file (its real size), each part timed on its own: the catch-up
 *    read when nothing changed, sealing one record, appending it (two
 *    fdatasyncs) on a copy, the cross-process lock, the temp-file sweep, and
 *    what a first open costs (the whole log read, decrypted and parsed);
 *  - storeCeiling: runOnce over a copy of the store with a target that does
 *    nothing (no SSH at all): the rotations/s the store alone allows.
 *
 * Uses the product's own modules read-only; writes only to scratch files and
 * a copy of the store.
 */
import { copyFile, mkdtemp, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { LocalSecretStore } from "../provider/store/local/local-store";
import { removeLeftoverTempFiles } from "../provider/store/local/atomic-write";
import { withFileLock } from "../provider/store/local/file-lock";
import { appendRecord, openLogFile, readLog, type LogState } from "../provider/store/local/store-log";
import { sealRecord } from "../provider/store/local/store-log-record";
import { runOnce, countOutcomes } from "../provider/runner/run-once";
import type { RotationTarget } from "../provider/rotation/rotation-target";
import { ecsValueFrom } from "../provider/targets/ecs-host/ecs-value";
import type { Clock } from "../provider/core/clock";

export interface StoreComponents {
  readonly fileBytes: number;
  readonly secrets: number;
  /** ms per call, averaged. */
  readonly catchUp: number;
  readonly seal: number;
  readonly append: number;
  readonly lockUnlock: number;
  readonly sweep: number;
  /** A first open: the whole log read, decrypted and parsed. */
  readonly coldLoad: number;
}

async function average(reps: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  await fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < reps; i++) await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6 / reps;
}

async function loadLog(path: string, passphrase: string, state?: LogState, writer = false): Promise<{ state: LogState; size: number }> {
  const handle = (await openLogFile(path, writer ? "r+" : "r"))!;
  try {
    const opened = await readLog(handle, path, passphrase, state, writer);
    if (opened.kind !== "log") throw new Error(`${path} is not a log-format store`);
    return opened;
  } finally {
    await handle.close();
  }
}

export async function storeComponents(storePath: string, passphrase: string, scratchDir: string): Promise<StoreComponents> {
  const reps = 30;
  const { state } = await loadLog(storePath, passphrase);
  const one = state.doc.secrets.values().next().value!;
  const scratch = join(scratchDir, "scratch.enc");
  await copyFile(storePath, scratch);
  let copy = await loadLog(scratch, passphrase, undefined, true);
  const handle = (await openLogFile(scratch, "r+"))!;
  try {
    return {
      fileBytes: (await stat(storePath)).size,
      secrets: state.doc.secrets.size,
      catchUp: await average(reps, () => loadLog(storePath, passphrase, state)),
      seal: await average(reps, () => sealRecord(state.head, state.point.count, state.point.lastTag, { put: [one], del: [] })),
      append: await average(reps, async () => {
        const next = await appendRecord(handle, copy, { put: [one], del: [] }, scratch);
        copy = { state: next, size: next.point.end };
      }),
      lockUnlock: await average(reps, () => withFileLock(scratch, {}, async () => undefined)),
      sweep: await average(reps, () => removeLeftoverTempFiles(storePath)),
      coldLoad: await average(5, () => loadLog(storePath, passphrase)),
    };
  } finally {
    await handle.close();
  }
}

/** A target that accepts anything at once: what is left of a rotation is the store's work. */
function nullTarget(user: string): RotationTarget {
  let n = 0;
  return {
    accepts: async () => true,
    apply: async () => undefined,
    test: async () => ({ close: () => undefined }),
    retire: async () => undefined,
    generate: async () => ecsValueFrom(user, "password", `null-target-${process.pid}-${++n}-${Date.now()}`),
  };
}

export interface StoreCeiling {
  readonly rotated: number;
  readonly wallMs: number;
  readonly perSecondStoreOnly: number;
}

/** runOnce with no SSH, over the secrets under `prefix` of a copy of the store, judged `aheadMs` past `clock`. */
export async function storeCeiling(storePath: string, passphrase: string, scratchDir: string, clock: Clock, aheadMs: number, prefix: string, concurrency: number): Promise<StoreCeiling> {
  const dir = await mkdtemp(join(scratchDir, "ceiling-"));
  try {
    const copy = join(dir, "store.enc");
    await copyFile(storePath, copy);
    const later: Clock = () => new Date(clock().getTime() + aheadMs);
    const store = new LocalSecretStore({ path: copy, passphrase, clock: later });
    const t0 = process.hrtime.bigint();
    const report = await runOnce({ store, clock: later, owner: "fleet-bench-ceiling", prefix, concurrency, targetFor: (meta) => nullTarget(meta.metadata.managedUser ?? "x") });
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const rotated = countOutcomes(report).rotated;
    return { rotated, wallMs, perSecondStoreOnly: (rotated / wallMs) * 1000 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
