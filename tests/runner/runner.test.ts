import { strict as assert } from "node:assert";
import { Writable } from "node:stream";
import { startSshHost, requireRootForHosts, type StartedSshHost } from "../../testkit/sshd/ssh-host";
import type { TestStore } from "../../testkit/store/test-store";
import { DAY_MS } from "../../testkit/clock/test-clock";
import * as ecs from "../../provider/resources/ecs-secret/ecs-secret-handler";
import { runOnce, countOutcomes, type RunReport } from "../../provider/runner/run-once";
import { FAILURE_META } from "../../provider/schedule/secret-outcome";
import { jitterMs, MAX_JITTER_MS } from "../../provider/schedule/due";
import { targetFromMetadata } from "../../provider/context/runtime-context";
import { runCli } from "../../provider/cli/program";
import { createLogger } from "../../provider/core/log";
import { tryLogin } from "../../testkit/ssh-client/ssh-client";
import { ecsInputs } from "../support/ecs-fixtures";
import { storePerTest } from "../support/suite-hooks";

const HOUR_MS = 3_600_000;
const noWait = { attempts: 3, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => {} };

/** A pino logger whose JSON lines the test can read back. */
function capturedLogger() {
  const lines: string[] = [];
  const destination = new Writable({ write: (chunk, _enc, cb) => { lines.push(...chunk.toString().split("\n").filter(Boolean)); cb(); } });
  return { logger: createLogger({ destination }), lines };
}

function byName(report: RunReport, field: "status" | "versionId"): Record<string, string | undefined> {
  return Object.fromEntries(report.outcomes.map((o) => [o.name, o[field]]));
}

async function currentPassword(t: TestStore, name: string): Promise<string> {
  return JSON.parse((await t.store.getValue(name)).value).Password;
}

function login(host: StartedSshHost, username: string, password: string) {
  return tryLogin({ host: host.host, port: host.port, hostKeyFingerprint: host.hostKeyFingerprint, username, password });
}

describe("The rotation runner (real sshd hosts)", function () {
  let a: StartedSshHost;
  let b: StartedSshHost;
  let t: TestStore;

  before(async function () {
    requireRootForHosts();
    [a, b] = await Promise.all([
      startSshHost({ users: [{ name: "alice", password: "Alice-Initial-1" }, { name: "bob", password: "Bob-Initial-1" }] }),
      startSshHost(),
    ]);
  });
  after(async () => Promise.all([a?.stop(), b?.stop()]));
  storePerTest((s) => (t = s));

  /** Three secrets: two due after 6h on host a, one on a 30-day period on host b. */
  async function seed() {
    const ctx = t.context();
    const alice = await ecs.create(ecsInputs(a, { managedUser: "alice", initialValue: await passwordOf(a, "alice"), rotationPeriod: "6h" }), ctx);
    const bob = await ecs.create(ecsInputs(a, { managedUser: "bob", initialValue: await passwordOf(a, "bob"), rotationPeriod: "6h" }), ctx);
    const root = await ecs.create(ecsInputs(b, { rotationPeriod: "30d" }), ctx);
    return { alice: alice.id, bob: bob.id, root: root.id };
  }
  async function passwordOf(host: StartedSshHost, user: string) {
    return host.users[user]!;
  }
  function remember(host: StartedSshHost, user: string, password: string) {
    Object.assign(host, { users: { ...host.users, [user]: password } });
  }

  it("rotates exactly the due secrets, and their new credentials work", async () => {
    const ids = await seed();
    const early = await runOnce({ store: t.store, clock: t.clock, owner: "r1", targetFor: (m) => targetFromMetadata(m, t.context()), retry: noWait });
    assert.deepEqual(countOutcomes(early), { rotated: 0, "would-rotate": 0, skipped: 3, failed: 0, "not-attempted": 0 });

    t.clock.advance(6 * HOUR_MS + MAX_JITTER_MS);
    const dry = await runOnce({ store: t.store, clock: t.clock, owner: "r1", targetFor: (m) => targetFromMetadata(m, t.context()), dryRun: true });
    assert.deepEqual(byName(dry, "status"), { [ids.alice]: "would-rotate", [ids.bob]: "would-rotate", [ids.root]: "skipped" });
    assert.equal((await t.store.getValue(ids.alice)).versionId, "v1", "a dry run rotates nothing");

    const report = await runOnce({ store: t.store, clock: t.clock, owner: "r1", targetFor: (m) => targetFromMetadata(m, t.context()), retry: noWait });
    assert.deepEqual(byName(report, "status"), { [ids.alice]: "rotated", [ids.bob]: "rotated", [ids.root]: "skipped" });
    assert.deepEqual(byName(report, "versionId"), { [ids.alice]: "v2", [ids.bob]: "v2", [ids.root]: undefined });
    for (const [user, id] of [["alice", ids.alice], ["bob", ids.bob]] as const) {
      const now = await currentPassword(t, id);
      assert.equal(await login(a, user, now), true);
      remember(a, user, now);
    }
    const next = (await t.store.describeSecret(ids.alice))!.metadata.nextRotationAt!;
    assert.equal(Date.parse(next), Date.parse((await t.store.describeSecret(ids.alice))!.metadata.lastRotatedAt!) + 6 * HOUR_MS);

    // As of a time past the 30-day period, root falls due too: --at plans without waiting.
    const planned = await runOnce({ store: t.store, clock: t.clock, owner: "r1", targetFor: (m) => targetFromMetadata(m, t.context()), dryRun: true, at: new Date(t.clock().getTime() + 31 * DAY_MS) });
    assert.deepEqual(planned.outcomes.map((o) => o.status), ["would-rotate", "would-rotate", "would-rotate"]);
  });

  it("two runners at once rotate each due secret exactly once", async () => {
    const ids = await seed();
    t.clock.advance(6 * HOUR_MS + MAX_JITTER_MS);
    const [r1, r2] = await Promise.all(
      ["runner-1", "runner-2"].map((owner) => runOnce({ store: t.store, clock: t.clock, owner, targetFor: (m) => targetFromMetadata(m, t.context()), retry: noWait })),
    );
    const rotated = [...r1!.outcomes, ...r2!.outcomes].filter((o) => o.status === "rotated").map((o) => o.name).sort();
    assert.deepEqual(rotated, [ids.alice, ids.bob]);
    for (const id of [ids.alice, ids.bob]) assert.equal((await t.store.getValue(id)).versionId, "v2");
    remember(a, "alice", await currentPassword(t, ids.alice));
    remember(a, "bob", await currentPassword(t, ids.bob));
  });

  it("a runner that listed the secrets before another rotated them does not rotate them again", async () => {
    const ids = await seed();
    t.clock.advance(6 * HOUR_MS + MAX_JITTER_MS);
    const stale = await t.store.listSecrets();
    await runOnce({ store: t.store, clock: t.clock, owner: "first", targetFor: (m) => targetFromMetadata(m, t.context()), retry: noWait });
    const staleStore = new Proxy(t.store, {
      get: (target, prop) => (prop === "listSecrets" ? async () => stale : (Reflect.get(target, prop) as (...a: unknown[]) => unknown).bind(target)),
    });
    const late = await runOnce({ store: staleStore, clock: t.clock, owner: "late", targetFor: (m) => targetFromMetadata(m, t.context()), retry: noWait });
    assert.deepEqual(byName(late, "status"), { [ids.alice]: "skipped", [ids.bob]: "skipped", [ids.root]: "skipped" });
    assert.equal(late.outcomes.find((o) => o.name === ids.alice)!.reason, "already rotated by another rotator");
    for (const id of [ids.alice, ids.bob]) assert.equal((await t.store.getValue(id)).versionId, "v2");
    remember(a, "alice", await currentPassword(t, ids.alice));
    remember(a, "bob", await currentPassword(t, ids.bob));
  });

  it("a host that is down fails only its own secret, is retried, and is recorded for check", async () => {
    const down = await startSshHost();
    const ctx = t.context();
    const okId = (await ecs.create(ecsInputs(a, { managedUser: "alice", initialValue: a.users.alice!, rotationPeriod: "6h" }), ctx)).id;
    const downId = (await ecs.create(ecsInputs(down, { rotationPeriod: "6h" }), ctx)).id;
    await down.stop();
    t.clock.advance(6 * HOUR_MS + MAX_JITTER_MS);
    const { logger, lines } = capturedLogger();
    const report = await runOnce({ store: t.store, clock: t.clock, owner: "r", targetFor: (m) => targetFromMetadata(m, t.context()), retry: noWait, logger });
    const byName = Object.fromEntries(report.outcomes.map((o) => [o.name, o]));
    assert.equal(byName[okId]!.status, "rotated");
    assert.equal(byName[downId]!.status, "failed");
    assert.equal(byName[downId]!.attempts, 3, "an unreachable host is transient: retried");
    assert.match(byName[downId]!.reason, /^Unreachable: cannot reach root@/);
    assert.equal((await t.store.describeSecret(downId))!.metadata[FAILURE_META.code], "Unreachable");
    remember(a, "alice", await currentPassword(t, okId));
    for (const secret of [a.users.alice!, down.rootPassword, t.passphrase]) assert.ok(!lines.join("\n").includes(secret), "no credential in the logs");
    assert.ok(lines.some((l) => JSON.parse(l).event === "failed" && JSON.parse(l).code === "Unreachable"));
  });

  it("a credential rejected by its host is a permanent failure: tried once, no retry storm", async () => {
    const id = (await ecs.create(ecsInputs(b, { secretName: "oob", rotationPeriod: "6h" }), t.context())).id;
    const outOfBand = "Changed-Out-Of-Band-7";
    await b.exec("chpasswd", { stdin: `root:${outOfBand}\n` });
    Object.assign(b, { rootPassword: outOfBand });
    t.clock.advance(6 * HOUR_MS + MAX_JITTER_MS);
    const report = await runOnce({ store: t.store, clock: t.clock, owner: "r", targetFor: (m) => targetFromMetadata(m, t.context()), retry: noWait });
    const outcome = report.outcomes.find((o) => o.name === id)!;
    assert.deepEqual([outcome.status, outcome.attempts], ["failed", 1]);
    assert.match(outcome.reason, /^AuthenticationFailed: root@.* rejected the current credential and no connection.admin/);
  });

  it("an interrupted rotation is finished first, whatever the schedule; jitter stays within its bound", async () => {
    const id = (await ecs.create(ecsInputs(b), t.context())).id; // automatic rotation off
    const meta = (await t.store.describeSecret(id))!;
    await t.store.putValue(id, { versionId: "v2", value: JSON.stringify({ UserName: "root", Password: "Pending-Pass-8" }), stages: ["ACSPending"] });
    const report = await runOnce({ store: t.store, clock: t.clock, owner: "r", targetFor: (m) => targetFromMetadata(m, t.context()), retry: noWait });
    assert.deepEqual(report.outcomes.map((o) => [o.status, o.versionId]), [["rotated", "v2"]]);
    assert.equal(await login(b, "root", "Pending-Pass-8"), true);
    Object.assign(b, { rootPassword: "Pending-Pass-8" });
    assert.equal(meta.metadata.rotationPeriodSeconds, undefined);
    for (const name of ["a", "b", "ecs/i-1/root"]) {
      const j = jitterMs(name, 30 * 86400);
      assert.ok(j >= 0 && j < MAX_JITTER_MS && j === jitterMs(name, 30 * 86400));
    }
  });

  it("CLI: run --dry-run, run, check exit codes, and purging after the recovery window", async () => {
    const io = () => {
      let out = "";
      const { logger, lines } = capturedLogger();
      return { io: { out: { write: (s: string) => void (out += s) }, err: { write: () => {} }, context: () => t.context("cli"), runner: { logger } }, out: () => out, lines };
    };
    const id = (await ecs.create(ecsInputs(b, { secretName: "cli-run", rotationPeriod: "6h" }), t.context())).id;
    const gone = (await ecs.create(ecsInputs(b, { secretName: "to-purge", instanceId: "i-topurge" }), t.context()));
    await ecs.remove(gone.id, { ...gone.outs, recoveryWindowDays: 7 }, t.context());

    const healthy = io();
    assert.equal(await runCli(["check", "--no-probe"], healthy.io), 0);
    assert.match(healthy.out(), /all 2 secrets healthy/);

    t.clock.advance(8 * DAY_MS);
    const overdue = io();
    assert.equal(await runCli(["check", "--no-probe"], overdue.io), 1);
    assert.match(overdue.out(), /cli-run +overdue +rotation was due at/);

    const dry = io();
    assert.equal(await runCli(["run", "--dry-run"], dry.io), 0);
    assert.match(dry.out(), /dry run: 0 rotated, 1 would rotate, 0 skipped, 0 failed/);

    const run = io();
    assert.equal(await runCli(["run", "--once", "--json"], run.io), 0);
    const report = JSON.parse(run.out());
    assert.deepEqual(report.purged, ["to-purge"]);
    assert.deepEqual(report.outcomes.map((o: { name: string; status: string }) => [o.name, o.status]), [["cli-run", "rotated"]]);
    Object.assign(b, { rootPassword: await currentPassword(t, id) });

    const probed = io();
    assert.equal(await runCli(["check"], probed.io), 0, probed.out());
    await b.exec("chpasswd", { stdin: "root:Drifted-Password-9\n" });
    Object.assign(b, { rootPassword: "Drifted-Password-9" });
    const rejected = io();
    assert.equal(await runCli(["check", "--json"], rejected.io), 1);
    assert.deepEqual(JSON.parse(rejected.out()).map((f: { problems: string[] }) => f.problems), [["rejected"]]);

    const usage = io();
    assert.equal(await runCli(["run", "--every", "10s"], usage.io), 2);
  });
});
