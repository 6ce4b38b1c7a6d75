import { isManagedSecretsError } from "../../core/errors";
import type { RamClient } from "../../alicloud/ram-client";
import type { RetirementDone } from "../../rotation/rotation-target";
import { holderOf } from "../../rotation/rotate-secret";
import { PENDING_RETIREMENTS, pendingRetirementsValue, readPendingRetirements, withPendingRetirement } from "../../schedule/pending-retirements";
import type { SecretMeta, SecretStore } from "../../store/secret-store";
import type { PreviousKeyAction } from "./previous-key-action";
import { decodeRamValue } from "./ram-value";

/**
 * previousKeyGracePeriod: the previous AccessKey is deactivated or deleted
 * not at once but by the first runner pass after the grace period, so apps
 * that cache the secret (Alibaba's clients: 1 h by default) re-read it before
 * their key stops working.
 *
 * The finish step records the pending retirement (key id and due time) in
 * the same metadata write that makes the new key current; the runner carries
 * it out and then removes the entry. Every step is safe to repeat: a key
 * already Inactive or gone is what retiring wanted.
 *
 * The entry lives in metadata a KMS tagger can edit, so it is not trusted for
 * what it names or when: a key is retired only if a version of this secret
 * holds it (values are readable only by the secret's readers) and it is
 * neither ACSCurrent nor ACSPending, and never before the version that
 * replaced it was created (a time KMS keeps, not a tag) plus the grace period
 * (bound with the target: store/kms/kms-binding.ts).
 */

export interface DeferredRetirementContext {
  readonly secretName: string;
  readonly userName: string;
  readonly previousKeyAction: PreviousKeyAction;
  readonly graceSeconds: number;
  readonly store: SecretStore;
  readonly ram: RamClient;
}

/** Deactivates or deletes one key; a key already gone counts as done. */
export async function retireKey(ram: RamClient, userName: string, accessKeyId: string, action: "deactivate" | "delete"): Promise<void> {
  try {
    if (action === "deactivate") await ram.updateAccessKey(userName, accessKeyId, "Inactive");
    else await ram.deleteAccessKey(userName, accessKeyId);
  } catch (e) {
    // Already gone (a re-run, or removed by hand): what retire wanted is true.
    if (!isManagedSecretsError(e, "TargetNotFound")) throw e;
  }
}

/** The pending-retirement entry to write at finish: the ACSPrevious key, due a grace period after the rotation's time `at`. Nothing when no grace applies. */
export async function finishRecord(ctx: DeferredRetirementContext, current: string, at: Date): Promise<Record<string, string | null>> {
  if (ctx.previousKeyAction === "keep" || ctx.graceSeconds <= 0) return {};
  const meta = await ctx.store.describeSecret(ctx.secretName);
  const previous = meta && holderOf(meta, "ACSPrevious");
  if (!meta || !previous) return {};
  const previousId = await keyIdOf(ctx.store, meta.name, previous.versionId);
  if (previousId === decodeRamValue(current).AccessKeyId) return {};
  const entries = withPendingRetirement(readPendingRetirements(meta.metadata), previousId, new Date(at.getTime() + ctx.graceSeconds * 1000));
  return { [PENDING_RETIREMENTS]: pendingRetirementsValue(entries) };
}

/** Carries out every recorded retirement due at `now`, then removes the settled entries in one write. */
export async function retireDueKeys(ctx: DeferredRetirementContext, now: Date): Promise<RetirementDone[]> {
  const meta = await ctx.store.describeSecret(ctx.secretName);
  if (!meta) return [];
  const entries = readPendingRetirements(meta.metadata);
  const due = entries.filter((e) => Date.parse(e.dueAt) <= now.getTime());
  if (due.length === 0) return [];
  const held = await heldKeys(ctx.store, meta);
  const done: RetirementDone[] = [];
  for (const entry of due) {
    const holder = held.get(entry.id);
    if (holder === undefined) {
      done.push({ id: entry.id, result: "dropped", reason: `no version of secret ${meta.name} holds AccessKey ${entry.id}; the key was not touched` });
    } else if (holder.stages.includes("ACSCurrent") || holder.stages.includes("ACSPending")) {
      done.push({ id: entry.id, result: "dropped", reason: `AccessKey ${entry.id} is the secret's ${holder.stages.join("/")} key now; it is never retired` });
    } else if (ctx.previousKeyAction === "keep") {
      done.push({ id: entry.id, result: "dropped", reason: `previousKeyAction is keep now; AccessKey ${entry.id} stays as it is` });
    } else if (earliestRetirement(meta, holder.versionId, ctx.graceSeconds) > now.getTime()) {
      continue; // The recorded due time is earlier than the grace allows: wait for the real one.
    } else {
      await retireKey(ctx.ram, ctx.userName, entry.id, ctx.previousKeyAction);
      const result = ctx.previousKeyAction === "deactivate" ? "deactivated" : "deleted";
      done.push({ id: entry.id, result, reason: `grace period ended at ${entry.dueAt}` });
    }
  }
  if (done.length > 0) {
    const settled = new Set(done.map((d) => d.id));
    await ctx.store.updateSecret(meta.name, { metadata: { [PENDING_RETIREMENTS]: pendingRetirementsValue(entries.filter((e) => !settled.has(e.id))) } });
  }
  return done;
}

/** AccessKey id -> the version that holds it, over every version the store keeps. */
async function heldKeys(store: SecretStore, meta: SecretMeta): Promise<Map<string, SecretMeta["versions"][number]>> {
  const held = new Map<string, SecretMeta["versions"][number]>();
  for (const version of meta.versions) {
    try {
      held.set(await keyIdOf(store, meta.name, version.versionId), version);
    } catch (e) {
      if (!isManagedSecretsError(e, "VersionNotFound")) throw e;
    }
  }
  return held;
}

/** When the version after `versionId` was created, plus the grace: the earliest a key that version replaced may go. */
function earliestRetirement(meta: SecretMeta, versionId: string, graceSeconds: number): number {
  const n = versionNumber(versionId);
  const successors = meta.versions.filter((v) => versionNumber(v.versionId) > n).map((v) => Date.parse(v.createdAt));
  return successors.length === 0 ? Infinity : Math.min(...successors) + graceSeconds * 1000;
}

function versionNumber(versionId: string): number {
  const m = /^v(\d+)$/.exec(versionId);
  return m ? Number(m[1]) : -1;
}

async function keyIdOf(store: SecretStore, name: string, versionId: string): Promise<string> {
  return decodeRamValue((await store.getValue(name, { versionId })).value).AccessKeyId;
}
