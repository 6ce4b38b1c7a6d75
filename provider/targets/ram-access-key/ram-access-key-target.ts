import { setTimeout as delay } from "node:timers/promises";
import { ManagedSecretsError, isManagedSecretsError, secretNotFound } from "../../core/errors";
import type { Clock } from "../../core/clock";
import { ramClientFor, type AccessKeyInfo, type RamClient } from "../../alicloud/ram-client";
import { isRamUser, stsClientFor, type AccessKeyPair, type KeyPairCheck, type StsClient } from "../../alicloud/sts-client";
import type { TargetContext } from "../../rotation/target-context";
import type { RetirementDone, RotationTarget, TestedSession } from "../../rotation/rotation-target";
import { holderOf } from "../../rotation/rotate-secret";
import { nextVersionId } from "../../store/version-ids";
import { META } from "../../schedule/rotation-metadata";
import type { SecretMeta, SecretStore } from "../../store/secret-store";
import { finishRecord, retireDueKeys, retireKey, type DeferredRetirementContext } from "./deferred-retirement";
import { intentMetadata, isOpen, orphanCandidates, readIntent, type CreateIntent } from "./create-intent";
import type { PreviousKeyAction } from "./previous-key-action";
import { decodeRamValue, encodeRamValue, keyPairOf, ramValueAt } from "./ram-value";

/**
 * A RAM user's AccessKey pair as a rotation target.
 *
 * The cloud, not us, generates the secret half, so the generic protocol's
 * "generate, then store as ACSPending" becomes: make room under RAM's 2-key
 * limit, record the intent (see create-intent.ts), CreateAccessKey, and hand
 * the pair back for the protocol to store as ACSPending at once. The key is
 * Active from birth, so apply has nothing to do for a key made in this run;
 * the test step is an STS call signed with the new pair, retried while the
 * key propagates. Retire applies previousKeyAction to the ACSPrevious key,
 * or, with a grace period, leaves it to a later runner pass.
 *
 * The only key this secret ever deletes is the one it holds as ACSPrevious
 * (to make room, or to retire it). Not even a key its own interrupted
 * CreateAccessKey may have made: RAM cannot tell that key from a person's.
 * A key that blocks is named in the error, with what to do about it.
 */

/** Keys that appeared inside an open intent's window: possibly this secret's lost key, possibly a person's. */
interface Suspects {
  readonly intent: CreateIntent;
  readonly ids: readonly string[];
}

/** Where a RAM secret's metadata keeps its grace period, in seconds (absent: none). */
export const GRACE_META = "previousKeyGracePeriodSeconds";

/** RAM's documented limit per user (LimitExceeded.User.AccessKey past it). */
export const MAX_ACCESS_KEYS_PER_USER = 2;

/**
 * Waits before each retry of the test call while a new key propagates (RAM:
 * "can take a few seconds"): 6 attempts over about 15 s, then the test fails
 * and the key stays ACSPending for the next run.
 */
export const PROPAGATION_BACKOFF_MS: readonly number[] = [500, 1_000, 2_000, 4_000, 8_000];

export type Sleep = (ms: number) => Promise<void>;

export interface RamTargetOptions {
  readonly secretName: string;
  readonly userName: string;
  readonly previousKeyAction: PreviousKeyAction;
  /** Seconds the previous key keeps working before previousKeyAction is carried out by a runner pass; 0 or absent: at once. */
  readonly previousKeyGraceSeconds?: number;
  readonly store: SecretStore;
  readonly clock: Clock;
  readonly ram: RamClient;
  readonly sts: StsClient;
  /** Injected so tests run the propagation backoff without waiting. */
  readonly sleep?: Sleep;
  /** Test hook, called right after CreateAccessKey answered; a crash injected here loses the new secret. */
  readonly afterCreateAccessKey?: (accessKeyId: string) => void | Promise<void>;
}

export class RamAccessKeyTarget implements RotationTarget {
  /** Keys made by this object's generate(): known to exist and be Active, so apply need not ask. */
  private readonly created = new Set<string>();

  constructor(private readonly options: RamTargetOptions) {}

  async accepts(value: string): Promise<boolean> {
    const check = await this.options.sts.getCallerIdentity(keyPairOf(decodeRamValue(value)));
    return check.outcome === "accepted" && isRamUser(check.identity, this.options.userName);
  }

  async test(value: string): Promise<TestedSession | undefined> {
    const check = await probeWhilePropagating(this.options.sts, keyPairOf(decodeRamValue(value)), this.options.sleep ?? sleep);
    if (check.outcome !== "accepted" || !isRamUser(check.identity, this.options.userName)) return undefined;
    // An STS call holds nothing open; retire needs no session.
    return { close: () => undefined };
  }

  async generate(): Promise<string> {
    const { store, secretName, userName, ram, clock } = this.options;
    const meta = await store.describeSecret(secretName);
    if (!meta) throw secretNotFound(secretName);
    const held = await this.heldKeys(meta);
    let keys = await ram.listAccessKeys(userName);
    keys = await this.makeRoom(keys, held, this.suspects(meta, keys, held));

    // The intent is in the store before the call, so a crash right after it is recognisable later.
    const versionId = nextVersionId(meta.versions);
    const startedAt = clock();
    await store.updateSecret(secretName, {
      metadata: intentMetadata({ versionId, keysBefore: keys.map((k) => k.accessKeyId), at: startedAt.toISOString() }),
    });
    let created;
    try {
      created = await ram.createAccessKey(userName);
    } catch (e) {
      // Someone took the free slot between our listing and our call.
      if (isManagedSecretsError(e, "AccessKeyLimit")) throw this.limitError(await ram.listAccessKeys(userName), held);
      throw e;
    }
    this.created.add(created.accessKeyId);
    await this.options.afterCreateAccessKey?.(created.accessKeyId);
    const period = meta.metadata[META.rotationPeriodSeconds];
    return encodeRamValue(ramValueAt(created.accessKeyId, created.accessKeySecret, startedAt, period ? Number(period) : undefined));
  }

  async apply(_current: string, pending: string, versionId: string): Promise<void> {
    const { accessKeyId } = keyPairOf(decodeRamValue(pending));
    if (this.created.has(accessKeyId)) return;
    // A pending key left by an earlier run that did not authenticate: still there, and Active?
    const { ram, userName, store, secretName } = this.options;
    const key = (await ram.listAccessKeys(userName)).find((k) => k.accessKeyId === accessKeyId);
    if (key?.status === "Inactive") return ram.updateAccessKey(userName, accessKeyId, "Active");
    if (key) return;
    // Deleted out of band: this version can never work. Set it aside so the next run starts a fresh key.
    await store.updateVersionStage(secretName, { stage: "ACSPending", removeFromVersionId: versionId });
    throw new ManagedSecretsError(
      "TargetNotFound",
      `the pending AccessKey ${accessKeyId} of secret ${secretName} (version ${versionId}) was deleted outside this secret; the version was set aside and the current key is untouched: rotate again to create a new key`,
      { secretName },
    );
  }

  async retire(current: string, _versionId: string, _older: () => Promise<readonly string[]>, _tested?: TestedSession): Promise<void> {
    const { previousKeyAction, store, secretName, ram, userName } = this.options;
    if (previousKeyAction === "keep") return; // Declared so: the old key works until the next rotation deletes it to make room.
    // With a grace period, finish already recorded the retirement for a later runner pass (deferred-retirement.ts).
    if (this.deferred().graceSeconds > 0) return;
    const meta = await store.describeSecret(secretName);
    const previous = meta && holderOf(meta, "ACSPrevious");
    if (!previous) return;
    const previousId = decodeRamValue((await store.getValue(secretName, { versionId: previous.versionId })).value).AccessKeyId;
    if (previousId === decodeRamValue(current).AccessKeyId) return;
    await retireKey(ram, userName, previousId, previousKeyAction);
  }

  finishMetadata(current: string, at: Date): Promise<Record<string, string | null>> {
    return finishRecord(this.deferred(), current, at);
  }

  retireDue(now: Date): Promise<RetirementDone[]> {
    return retireDueKeys(this.deferred(), now);
  }

  private deferred(): DeferredRetirementContext {
    const { secretName, userName, previousKeyAction, previousKeyGraceSeconds, store, ram } = this.options;
    return { secretName, userName, previousKeyAction, graceSeconds: previousKeyGraceSeconds ?? 0, store, ram };
  }

  /** The ids this secret holds as ACSCurrent and ACSPrevious: keys it owns. */
  private async heldKeys(meta: SecretMeta): Promise<{ current?: string; previous?: string }> {
    const idOf = async (stage: "ACSCurrent" | "ACSPrevious") => {
      const version = holderOf(meta, stage);
      if (!version) return undefined;
      return decodeRamValue((await this.options.store.getValue(meta.name, { versionId: version.versionId })).value).AccessKeyId;
    };
    return { current: await idOf("ACSCurrent"), previous: await idOf("ACSPrevious") };
  }

  /**
   * Keys an interrupted CreateAccessKey of this secret may have left behind.
   * Never deleted here: RAM records no creator, so such a key is just as
   * likely one a person made for the same user in the same minute.
   */
  private suspects(meta: SecretMeta, keys: readonly AccessKeyInfo[], held: { current?: string; previous?: string }): Suspects | undefined {
    const intent = readIntent(meta.metadata);
    if (!isOpen(intent, meta.versions)) return undefined;
    const ids = orphanCandidates(intent, keys, new Set([held.current, held.previous].filter((id): id is string => id !== undefined))).map((k) => k.accessKeyId);
    return ids.length === 0 ? undefined : { intent, ids };
  }

  /** Frees a slot when the user is at the limit, by deleting the ACSPrevious key and nothing else. */
  private async makeRoom(keys: AccessKeyInfo[], held: { current?: string; previous?: string }, suspects?: Suspects): Promise<AccessKeyInfo[]> {
    if (keys.length < MAX_ACCESS_KEYS_PER_USER) return keys;
    const previous = held.previous !== held.current ? keys.find((k) => k.accessKeyId === held.previous) : undefined;
    if (previous) {
      await this.deleteIfPresent(previous.accessKeyId);
      keys = keys.filter((k) => k !== previous);
    }
    if (keys.length >= MAX_ACCESS_KEYS_PER_USER) throw this.limitError(keys, held, suspects);
    return keys;
  }

  private limitError(keys: readonly AccessKeyInfo[], held: { current?: string; previous?: string }, suspects?: Suspects): ManagedSecretsError {
    const { userName, secretName } = this.options;
    const blockers = keys.filter((k) => k.accessKeyId !== held.current && k.accessKeyId !== held.previous).map((k) => k.accessKeyId);
    if (blockers.length === 0) {
      return new ManagedSecretsError("AccessKeyLimit", `RAM user ${userName} has no free AccessKey slot for secret ${secretName}; rotate again`, { secretName });
    }
    const one = blockers.length === 1;
    const named = one ? `AccessKey ${blockers[0]} is` : `AccessKeys ${blockers.join(", ")} are`;
    const suspected = blockers.filter((id) => suspects?.ids.includes(id));
    const why =
      suspects && suspected.length > 0
        ? ` ${suspected.join(", ")} appeared within the window of this secret's interrupted CreateAccessKey (for version ${suspects.intent.versionId}, started ${suspects.intent.at}): ` +
          `it may be the key that call made, whose secret was lost, or a key a person made; RAM records no creator, so the secret cannot tell and keeps it.`
        : "";
    return new ManagedSecretsError(
      "AccessKeyLimit",
      `RAM user ${userName} already has ${MAX_ACCESS_KEYS_PER_USER} AccessKeys and ${named} not held by secret ${secretName}, so ${one ? "it is" : "they are"} not deleted.${why} ` +
        `Delete ${one ? "it" : "the one"} nobody uses yourself (RAM console, or \`aliyun ram DeleteAccessKey --UserName ${userName} --UserAccessKeyId ${one ? blockers[0] : "<id>"}\`), then rotate again`,
      { secretName },
    );
  }

  private async deleteIfPresent(accessKeyId: string): Promise<void> {
    try {
      await this.options.ram.deleteAccessKey(this.options.userName, accessKeyId);
    } catch (e) {
      if (!isManagedSecretsError(e, "TargetNotFound")) throw e;
    }
  }
}

/**
 * GetCallerIdentity signed with `pair`, retried on InvalidAccessKeyId.NotFound
 * (what a key that has not propagated yet gets) on the PROPAGATION_BACKOFF_MS
 * schedule. Any other refusal is final at once.
 */
export async function probeWhilePropagating(sts: StsClient, pair: AccessKeyPair, wait: Sleep = sleep): Promise<KeyPairCheck> {
  for (let attempt = 0; ; attempt++) {
    const check = await sts.getCallerIdentity(pair);
    if (check.outcome === "accepted" || check.reason !== "NotFound" || attempt >= PROPAGATION_BACKOFF_MS.length) return check;
    await wait(PROPAGATION_BACKOFF_MS[attempt]!);
  }
}

const sleep: Sleep = (ms) => delay(ms);

export interface RamTargetHooks {
  readonly sleep?: Sleep;
  readonly afterCreateAccessKey?: (accessKeyId: string) => void | Promise<void>;
}

/** The target for a RAM secret, with clients for the context's cloud settings (the admin credentials). */
export function ramTargetFor(
  params: { readonly secretName: string; readonly userName: string; readonly previousKeyAction: PreviousKeyAction; readonly previousKeyGraceSeconds?: number },
  ctx: TargetContext,
  hooks: RamTargetHooks = {},
): RamAccessKeyTarget {
  const cloud = ctx.cloud();
  return new RamAccessKeyTarget({ ...params, store: ctx.store, clock: ctx.clock, ram: ramClientFor(cloud), sts: stsClientFor(cloud), ...hooks });
}
