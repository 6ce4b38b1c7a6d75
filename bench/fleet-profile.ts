/**
 * Where the product's fleet time goes, measured without changing product code:
 *
 *  - storeComponents: what one LocalSecretStore call is made of, on the real
 *    store file (its real size), each part timed on its own: read + decrypt,
 *    zod parse of the whole document, serialize, seal (encrypt), atomic write
 *    (temp, fsync, rename, fsync dir), the cross-process lock, the temp-file sweep;
 *  - storeCeiling: runOnce over a copy of the store with a target that does
 *    nothing (no SSH at all): the rotations/s the store alone allows.
 *
 * Uses the product's own modules read-only; writes only to scratch files and
 * a copy of the store.
 */
import { copyFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { LocalSecretStore } from "../provider/store/local-store";
import { readStoreFile } from "../provider/store/store-file";
import { parseDocument, serializeDocument } from "../provider/store/store-document";
import { openEnvelope, sealEnvelope } from "../provider/store/store-envelope";
import { writeFileAtomic, removeLeftoverTempFiles } from "../provider/store/atomic-write";
import { withFileLock } from "../provider/store/file-lock";
import { runOnce, countOutcomes } from "../provider/runner/run-once";
import type { RotationTarget } from "../provider/rotation/rotation-target";
import { ecsValueFrom } from "../provider/ecs/ecs-ssh-target";
import type { Clock } from "../provider/clock";

export interface StoreComponents {
  readonly fileBytes: number;
  readonly secrets: number;
  /** ms per call, averaged. */
  readonly readDecrypt: number;
  readonly zodParse: number;
  readonly serialize: number;
  readonly seal: number;
  readonly atomicWrite: number;
  readonly lockUnlock: number;
  readonly sweep: number;
}

async function average(reps: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  await fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < reps; i++) await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6 / reps;
}

export async function storeComponents(storePath: string, passphrase: string, scratchDir: string): Promise<StoreComponents> {
  const reps = 30;
  const loaded = await readStoreFile(storePath, passphrase);
  if (!loaded) throw new Error(`no store file at ${storePath}`);
  const plaintext = serializeDocument(loaded.document);
  const sealed = await sealEnvelope(plaintext, passphrase, loaded.keySource);
  const scratch = join(scratchDir, "scratch.enc");
  return {
    fileBytes: Buffer.byteLength(await readFile(storePath, "utf8")),
    secrets: loaded.document.secrets.size,
    readDecrypt: await average(reps, async () => openEnvelope(await readFile(storePath, "utf8"), passphrase, storePath)),
    zodParse: await average(reps, () => parseDocument(plaintext, storePath)),
    serialize: await average(reps, () => serializeDocument(loaded.document)),
    seal: await average(reps, () => sealEnvelope(plaintext, passphrase, loaded.keySource)),
    atomicWrite: await average(reps, () => writeFileAtomic(scratch, sealed, { mode: 0o600 })),
    lockUnlock: await average(reps, () => withFileLock(scratch, {}, async () => undefined)),
    sweep: await average(reps, () => removeLeftoverTempFiles(storePath)),
  };
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
