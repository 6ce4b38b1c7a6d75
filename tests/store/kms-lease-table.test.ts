import assert from "node:assert/strict";
import type { KmsClient } from "../../provider/alicloud/kms-client";
import { rotateSecret } from "../../provider/rotation/rotate-secret";
import { runOnce } from "../../provider/runner/run-once";
import { DEFAULT_RETRY, type RetryPolicy } from "../../provider/core/retry";
import { META } from "../../provider/schedule/rotation-metadata";
import { kmsCall } from "../support/emulator-helpers";
import { expectError } from "../support/expect-error";
import { startKmsEmulatorStore, type KmsEmulatorStore } from "../../testkit/store/kms-emulator-store";
import { createTestClock, type TestClock } from "../../testkit/clock/test-clock";
import { FakeTarget } from "../../testkit/rotation/fake-target";

/**
 * Issue 26 item 4: one billed KMS secret per managed secret. Every lease of
 * the store lives in one lease table (provider/store/kms/kms-lease.ts), made
 * with the store's first secret, instead of a companion secret per rotated
 * secret; the guarantees the companion gave hold for the whole fleet.
 */

const TABLE = "managed-secrets-leases";
const value = (i: number | string) => JSON.stringify({ UserName: "root", Password: `Initial-Pw-${i}` });
const noWait: RetryPolicy = { ...DEFAULT_RETRY, sleep: async () => undefined };

/** The client, with every call it makes written to `log` as "<method> <secret name>" before it is sent. */
function recorded(log: string[]): (client: KmsClient) => KmsClient {
  return (client) =>
    Object.fromEntries(
      Object.entries(client).map(([method, call]) => [
        method,
        (input: { secretName?: string }) => (log.push(`${method} ${input.secretName ?? ""}`), (call as (i: unknown) => Promise<unknown>)(input)),
      ]),
    ) as unknown as KmsClient;
}

describe("the kms store's lease table (emulator, real signing)", function () {
  let clock: TestClock;
  let kms: KmsEmulatorStore;
  const raw = (action: string, query: Record<string, string | number | boolean>) => kmsCall(kms.emulator, action, query);
  const create = (name: string, metadata: Record<string, string> = { kind: "ecs" }) =>
    kms.store.createSecret({ name, description: "", metadata, versionId: "v1", value: value(name) });
  const tableVersions = async () =>
    ((await raw("ListSecretVersionIds", { SecretName: TABLE, IncludeDeprecated: true })).VersionIds as { VersionId: { VersionId: string }[] }).VersionId.map((v) => v.VersionId);
  const tableNow = async () => JSON.parse(String((await raw("GetSecretValue", { SecretName: TABLE })).SecretData)) as { format: number; leases: Record<string, { owner: string; expiresAt: string }> };

  beforeEach(async function () {
    clock = createTestClock();
    kms = await startKmsEmulatorStore({ clock });
  });
  afterEach(async function () {
    await kms.dispose();
  });

  it("rotated secrets are billed as one KMS secret each, plus one lease table for the store", async function () {
    const names = ["ecs/i-a/root", "ecs/i-b/root", "ecs/i-c/root"];
    for (const name of names) await create(name);
    for (const name of names) {
      clock.advance(60_000);
      await rotateSecret({ store: kms.store, name, target: new FakeTarget(value(name)), owner: "runner", clock });
    }
    const today = kms.emulator.control.billedSecretsPerDay(clock());
    assert.deepEqual(today.map((d) => d.secrets), [names.length + 1], "three managed secrets and the store's lease table");
    const listed = (await raw("ListSecrets", { PageSize: 100 })).SecretList as { Secret: { SecretName: string }[] };
    assert.deepEqual(listed.Secret.map((s) => s.SecretName).sort(), [...names, TABLE].sort());
    assert.deepEqual((await kms.store.listSecrets()).map((m) => m.name), names, "the table is not a managed secret");
    assert.deepEqual((await tableNow()).leases, {}, "every lease was released");
  });

  it("is created with the store's first secret, empty, and holds each lease while it is taken", async function () {
    await create("ecs/i-a/root");
    assert.deepEqual(await tableVersions(), ["managed-secrets-leases-1"]);
    assert.deepEqual(await tableNow(), { format: 1, leases: {} });
    assert.equal(await kms.store.acquireLease("ecs/i-a/root", "runner-a", 60_000), true);
    assert.deepEqual((await tableNow()).leases, { "ecs/i-a/root": { owner: "runner-a", expiresAt: "2025-03-01T00:01:00.000Z" } });
    assert.equal(await kms.another().acquireLease("ecs/i-a/root", "runner-b", 60_000), false);
    await kms.store.releaseLease("ecs/i-a/root", "runner-a");
    assert.deepEqual((await tableNow()).leases, {});
    assert.equal(await kms.another().acquireLease("ecs/i-a/root", "runner-b", 60_000), true);
    // A secret that does not exist is refused, and the lease taken before that was known is given back.
    await expectError(kms.another().acquireLease("ecs/i-gone/root", "runner-c", 60_000), "SecretNotFound");
    assert.deepEqual(Object.keys((await tableNow()).leases), ["ecs/i-a/root"]);
  });

  it("five runners at once rotate a due secret exactly once", async function () {
    const name = "ecs/i-due/root";
    await create(name, { kind: "ecs", [META.rotationPeriodSeconds]: "86400", [META.nextRotationAt]: new Date(clock.ms() + 3_600_000).toISOString() });
    const target = new FakeTarget(value(name));
    clock.advance(2 * 86_400_000);
    const reports = await Promise.all(
      [1, 2, 3, 4, 5].map((i) => runOnce({ store: kms.another(), clock, owner: `runner-${i}`, targetFor: () => target, retry: noWait })),
    );
    const statuses = reports.flatMap((r) => r.outcomes.map((o) => o.status));
    assert.equal(statuses.filter((s) => s === "rotated").length, 1, JSON.stringify(reports.map((r) => r.outcomes)));
    assert.equal((await kms.store.getValue(name)).versionId, "v2", "one rotation, one new version");
    assert.equal(target.accepted.size, 1);
    assert.deepEqual((await tableNow()).leases, {});
  });

  it("a runner that wins the lease just after another finished the rotation sees it, and rotates nothing", async function () {
    const name = "ecs/i-due/root";
    await create(name, { kind: "ecs", [META.rotationPeriodSeconds]: "86400", [META.nextRotationAt]: new Date(clock.ms() + 3_600_000).toISOString() });
    const target = new FakeTarget(value(name));
    clock.advance(2 * 86_400_000);
    // The late runner's first look at the lease table waits until the first runner's whole rotation is done:
    // the lease is free again by then, and what it knew of the secret before that look is out of date.
    let late!: () => void;
    const firstDone = new Promise<void>((r) => (late = r));
    let held = true;
    const wrap = (client: KmsClient): KmsClient => ({
      ...client,
      getSecretValue: async (input) => {
        if (held && input.secretName === TABLE) {
          held = false;
          await firstDone;
        }
        return client.getSecretValue(input);
      },
    });
    const lateRun = runOnce({ store: kms.another({ wrap }), clock, owner: "late", targetFor: () => target, retry: noWait });
    const first = await runOnce({ store: kms.another(), clock, owner: "first", targetFor: () => target, retry: noWait });
    late();
    const second = await lateRun;
    assert.deepEqual(first.outcomes.map((o) => o.status), ["rotated"]);
    assert.deepEqual(second.outcomes.map((o) => [o.status, o.reason]), [["skipped", "already rotated by another rotator"]], JSON.stringify(second.outcomes));
    assert.equal((await kms.store.getValue(name)).versionId, "v2", "one rotation, one new version");
    assert.equal(target.accepted.size, 1);
  });

  it("one runner at concurrency 32 rotates 40 due secrets once each, its takes and releases sharing table writes", async function () {
    const names = Array.from({ length: 40 }, (_, i) => `fleet/i-${String(i).padStart(2, "0")}/root`);
    const targets = new Map(names.map((n) => [n, new FakeTarget(value(n))]));
    for (const name of names) {
      await create(name, { kind: "ecs", [META.rotationPeriodSeconds]: "86400", [META.nextRotationAt]: new Date(clock.ms() + 3_600_000).toISOString() });
    }
    clock.advance(2 * 86_400_000);
    const log: string[] = [];
    const report = await runOnce({ store: kms.another({ wrap: recorded(log) }), clock, owner: "runner", targetFor: (m) => targets.get(m.name)!, concurrency: 32, retry: noWait });
    assert.deepEqual(new Set(report.outcomes.map((o) => o.status)), new Set(["rotated"]), JSON.stringify(report.outcomes.filter((o) => o.status !== "rotated")));
    for (const name of names) assert.equal((await kms.store.getValue(name)).versionId, "v2", name);
    const tablePuts = log.filter((l) => l === `putSecretValue ${TABLE}`).length;
    assert.ok(tablePuts < 2 * names.length, `${tablePuts} table writes for ${names.length} takes and ${names.length} releases`);
    assert.deepEqual((await tableNow()).leases, {});
  });

  it("a write that landed after 11 later epochs (a stale write) is found, the newest table put back, and no lease is lost", async function () {
    const names = Array.from({ length: 12 }, (_, i) => `ecs/i-${i}/root`);
    for (const name of names) await create(name);
    // One store's first table write is held back after it read the table, as a stalled process's would be.
    let reached!: () => void;
    const heldBack = new Promise<void>((r) => (reached = r));
    let resume!: () => void;
    const resumed = new Promise<void>((r) => (resume = r));
    let armed = true;
    const log: string[] = [];
    const wrap = (client: KmsClient): KmsClient => {
      const watched = recorded(log)(client);
      return {
        ...watched,
        putSecretValue: async (input) => {
          if (armed && input.secretName === TABLE) {
            armed = false;
            reached();
            await resumed;
          }
          return watched.putSecretValue(input);
        },
      };
    };
    const stalled = kms.another({ wrap });
    const taking = stalled.acquireLease(names[0]!, "stalled", 60_000);
    await heldBack;
    const before = await tableVersions();
    // Meanwhile another runner takes 11 leases, one write each: the epoch the stalled write names rolls out.
    const busy = kms.another();
    for (const name of names.slice(1)) assert.equal(await busy.acquireLease(name, "busy", 60_000), true);
    assert.ok(!(await tableVersions()).includes(`managed-secrets-leases-${before.length + 1}`), "the stalled write's epoch was written and rolled out");
    log.length = 0;
    const epochs = async () => (await tableVersions()).map((v) => Number(v.replace("managed-secrets-leases-", "")));
    resume();
    assert.equal(await taking, true, "the stalled take is decided again on the newest table");
    const leases = (await tableNow()).leases;
    assert.deepEqual(Object.keys(leases).sort(), [...names].sort(), "the 11 leases taken meanwhile survived, and the stalled take holds its own");
    for (const name of names.slice(1)) assert.equal(leases[name]!.owner, "busy");
    // What the stalled store did: its put landed (the epoch was free again), its listing showed older, larger epochs,
    // it put the newest table back on top, and decided its take again on that.
    assert.deepEqual(log.slice(0, 6), [
      `putSecretValue ${TABLE}`,
      `listSecretVersionIds ${TABLE}`,
      `getSecretValue ${TABLE}`,
      `putSecretValue ${TABLE}`,
      `getSecretValue ${TABLE}`,
      `putSecretValue ${TABLE}`,
    ]);
    assert.deepEqual(await epochs(), [6, 7, 8, 9, 10, 11, 12, 2, 13, 14], "the stale epoch 2 sits among them; 13 is 12 put back, 14 the take");
    assert.equal(await kms.another().acquireLease(names[5]!, "third", 60_000), false, "still held by the busy runner");
    assert.equal(await kms.another().acquireLease(names[0]!, "third", 60_000), false, "still held by the stalled runner");
  });

  it("drops expired entries at the next write, and a lease table that holds something else is refused, never overwritten", async function () {
    await create("ecs/i-a/root");
    await create("ecs/i-b/root");
    assert.equal(await kms.store.acquireLease("ecs/i-a/root", "crashed-runner", 60_000), true);
    clock.advance(61_000);
    assert.equal(await kms.another().acquireLease("ecs/i-b/root", "runner", 60_000), true);
    assert.deepEqual(Object.keys((await tableNow()).leases), ["ecs/i-b/root"], "the expired lease went with the next write");

    await raw("PutSecretValue", { SecretName: TABLE, VersionId: "someone-elses", SecretData: JSON.stringify({ format: 1, leases: { "ecs/i-a/root": { owner: "x" } } }) });
    await expectError(kms.another().acquireLease("ecs/i-a/root", "runner", 60_000), "StoreUnreadable", {
      message: /lease table \(KMS secret "managed-secrets-leases"\) cannot be read: .*Nothing was written.*DeleteSecret --SecretName managed-secrets-leases --ForceDeleteWithoutRecovery true/,
    });
    assert.equal((await raw("GetSecretValue", { SecretName: TABLE })).VersionId, "someone-elses", "left as it was");
    // Reset as the error says: the next take creates the table again.
    await raw("DeleteSecret", { SecretName: TABLE, ForceDeleteWithoutRecovery: true });
    assert.equal(await kms.another().acquireLease("ecs/i-a/root", "runner", 60_000), true);
    assert.deepEqual(await tableVersions(), ["managed-secrets-leases-1"]);
  });
});
