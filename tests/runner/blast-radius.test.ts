import { strict as assert } from "node:assert";
import { startSshHost, requireRootForHosts, type StartedSshHost } from "../../testkit/sshd/ssh-host";
import { createTestStore, type TestStore } from "../../testkit/store/test-store";
import * as ecs from "../../provider/resources/ecs-secret/ecs-secret-handler";
import { inProcessCli } from "../support/in-process-cli";
import { MAX_JITTER_MS } from "../../provider/schedule/due";
import { ecsInputs, loginWith } from "../support/ecs-fixtures";

const HOUR_MS = 3_600_000;
const USERS = ["u1", "u2", "u3", "u4"] as const;

/**
 * The users' login shell on the host records when each SSH session starts
 * and ends (nanoseconds, from the host's own clock), so overlap is judged
 * from what sshd ran, not from the runner's own account of itself.
 */
const PROBE_SHELL = `#!/bin/sh
echo "start $(date +%s%N) $(id -un)" >> /var/tmp/sessions.log
/bin/bash "$@"
rc=$?
echo "end $(date +%s%N) $(id -un)" >> /var/tmp/sessions.log
exit $rc
`;

interface Session {
  readonly user: string;
  readonly start: bigint;
  readonly end: bigint;
}

async function sessions(host: StartedSshHost): Promise<Session[]> {
  const text = await host.readFile("/var/tmp/sessions.log").catch(() => "");
  const open = new Map<string, bigint[]>();
  const out: Session[] = [];
  for (const line of text.split("\n").filter(Boolean)) {
    const [kind, at, user] = line.split(" ") as [string, string, string];
    if (kind === "start") open.set(user, [...(open.get(user) ?? []), BigInt(at)]);
    else out.push({ user, start: open.get(user)!.shift()!, end: BigInt(at) });
  }
  return out;
}

/** Each user's rotation as the host saw it: first session start to last session end. */
function spans(list: readonly Session[]): Map<string, { start: bigint; end: bigint }> {
  const byUser = new Map<string, { start: bigint; end: bigint }>();
  for (const s of list) {
    const span = byUser.get(s.user);
    byUser.set(s.user, span ? { start: s.start < span.start ? s.start : span.start, end: s.end > span.end ? s.end : span.end } : { start: s.start, end: s.end });
  }
  return byUser;
}

function overlapping(list: readonly Session[]): boolean {
  const all = [...spans(list).values()].sort((x, y) => (x.start < y.start ? -1 : 1));
  return all.some((s, i) => i > 0 && s.start < all[i - 1]!.end);
}

describe("Blast radius: canary, failure budget, one rotation per host (real sshd hosts)", function () {
  let host: StartedSshHost;
  let t: TestStore;
  /** Where sshd's log stood when the pass began. */
  let logMark = 0;

  before(async function () {
    requireRootForHosts();
    host = await startSshHost({ users: USERS.map((name) => ({ name, password: `${name}-Initial-Pass-1` })) });
    await host.exec("cat > /usr/local/bin/probe-shell && chmod 755 /usr/local/bin/probe-shell", { stdin: PROBE_SHELL });
    for (const user of USERS) await host.exec(`usermod -s /usr/local/bin/probe-shell ${user}`);
  });
  after(async () => host?.stop());
  beforeEach(async () => {
    t = await createTestStore();
    await host.exec(": > /var/tmp/sessions.log && chmod 666 /var/tmp/sessions.log");
    for (const user of USERS) await host.exec("chpasswd", { stdin: `${user}:${user}-Initial-Pass-1\n` });
  });
  afterEach(async () => t[Symbol.asyncDispose]());

  /** One due secret per user, named br-<user> so the order by name is u1..u4. */
  async function seed(due = true): Promise<void> {
    for (const user of USERS) {
      await ecs.create(ecsInputs(host, { secretName: `br-${user}`, managedUser: user, initialValue: `${user}-Initial-Pass-1`, rotationPeriod: "6h" }), t.context());
    }
    if (due) t.clock.advance(6 * HOUR_MS + MAX_JITTER_MS);
    await host.exec(": > /var/tmp/sessions.log");
    logMark = host.logs().length;
  }

  /** The credential the store holds no longer works: its rotation will fail with AuthenticationFailed. */
  async function breakUser(user: string): Promise<void> {
    await host.exec("chpasswd", { stdin: `${user}:Changed-Out-Of-Band-7\n` });
  }

  const cli = (args: string[]) => inProcessCli(() => t.context("cli"))(args);

  async function versions(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const user of USERS) out[user] = (await t.store.getValue(`br-${user}`)).versionId;
    return out;
  }

  it("a failing canary stops the run: exit 3, nothing else attempted, no session for any other user", async () => {
    await seed();
    await breakUser("u1");
    const run = await cli(["run", "--canary", "1", "--concurrency", "8", "--per-host", "4", "--json"]);
    assert.equal(run.code, 3, run.out + run.err);
    const report = JSON.parse(run.out) as { stoppedEarly: string; outcomes: { name: string; status: string }[] };
    assert.match(report.stoppedEarly, /canary br-u1 failed/);
    assert.deepEqual(report.outcomes.map((o) => [o.name, o.status]), [["br-u1", "failed"], ["br-u2", "not-attempted"], ["br-u3", "not-attempted"], ["br-u4", "not-attempted"]]);
    assert.deepEqual(await versions(), { u1: "v1", u2: "v1", u3: "v1", u4: "v1" });
    const seen = new Set((await sessions(host)).map((s) => s.user));
    for (const user of ["u2", "u3", "u4"]) assert.ok(!seen.has(user), `${user} had an SSH session on the host: ${[...seen].join(",")}`);
    assert.doesNotMatch(host.logs().slice(logMark), /Accepted password for u[234]\b/);
    for (const user of ["u2", "u3", "u4"]) assert.equal(await loginWith(host, user, { password: `${user}-Initial-Pass-1` }), true);
  });

  it("a passing canary lets the rest go on", async () => {
    await seed();
    const run = await cli(["run", "--canary", "2"]);
    assert.equal(run.code, 0, run.out + run.err);
    assert.match(run.out, /4 rotated, 0 would rotate, 0 skipped, 0 failed/);
    assert.deepEqual(await versions(), { u1: "v2", u2: "v2", u3: "v2", u4: "v2" });
  });

  it("--max-failures stops exactly when the budget is spent; the summary lists what was not attempted", async () => {
    await seed();
    for (const user of ["u1", "u2", "u3"]) await breakUser(user);
    const run = await cli(["run", "--max-failures", "2"]);
    assert.equal(run.code, 3, run.out + run.err);
    assert.match(run.out, /0 rotated, 0 would rotate, 0 skipped, 2 failed, 2 not attempted/);
    assert.match(run.out, /stopped early: failure budget spent \(2 failed, --max-failures allows 2\)/);
    assert.match(run.out, /br-u3 +not-attempted/);
    assert.match(run.out, /br-u4 +not-attempted/);
    const seen = new Set((await sessions(host)).map((s) => s.user));
    assert.ok(!seen.has("u4"), "u4 was not to be touched");
    assert.equal((await t.store.getValue("br-u4")).versionId, "v1");
  });

  it("--max-failures 100% (or 1) spent by the last due secret did not stop anything: exit 1, not 3 'stopped early'", async () => {
    await seed();
    for (const user of USERS) await breakUser(user);
    const all = await cli(["run", "--max-failures", "100%", "--json"]);
    assert.equal(all.code, 1, all.out + all.err);
    const report = JSON.parse(all.out) as { stoppedEarly?: string; outcomes: { status: string }[] };
    assert.deepEqual(report.outcomes.map((o) => o.status), ["failed", "failed", "failed", "failed"]);
    assert.equal(report.stoppedEarly, undefined);

    const one = await cli(["run", "--select", "name:br-u1", "--max-failures", "1"]);
    assert.equal(one.code, 1, one.out + one.err);
    assert.match(one.out, /0 rotated, 0 would rotate, 0 skipped, 1 failed \(/);
    assert.doesNotMatch(one.out, /stopped early/);
  });

  it("--max-failures 50% of four due secrets allows two", async () => {
    await seed();
    for (const user of ["u1", "u2"]) await breakUser(user);
    const run = await cli(["run", "--max-failures", "50%", "--json"]);
    assert.equal(run.code, 3);
    const report = JSON.parse(run.out) as { outcomes: { status: string }[] };
    assert.deepEqual(report.outcomes.map((o) => o.status), ["failed", "failed", "not-attempted", "not-attempted"]);
  });

  it("two secrets on one host never rotate at once by default, though concurrency allows it (and do with --per-host 2)", async () => {
    await seed();
    const run = await cli(["run", "--concurrency", "8"]);
    assert.equal(run.code, 0, run.out + run.err);
    const serial = await sessions(host);
    assert.deepEqual([...spans(serial).keys()].sort(), [...USERS]);
    assert.equal(overlapping(serial), false, JSON.stringify(serial, (_k, v) => (typeof v === "bigint" ? String(v) : v)));

    // The probe can see overlap: the same pass with two per host has some.
    t.clock.advance(6 * HOUR_MS + MAX_JITTER_MS);
    await host.exec(": > /var/tmp/sessions.log");
    const parallel = await cli(["run", "--concurrency", "8", "--per-host", "4"]);
    assert.equal(parallel.code, 0, parallel.out + parallel.err);
    assert.equal(overlapping(await sessions(host)), true);
  });

  it("--select picks by name prefix, instance, kind and tag, for run and check alike", async () => {
    await seed();
    const dry = await cli(["run", "--dry-run", "--json", "--select", "name:br-u1", "--select", "name:br-u3", "--select", "kind:ecs"]);
    assert.equal(dry.code, 0, dry.err);
    assert.deepEqual((JSON.parse(dry.out) as { outcomes: { name: string }[] }).outcomes.map((o) => o.name), ["br-u1", "br-u3"]);
    const none = await cli(["run", "--dry-run", "--json", "--select", "kind:ram"]);
    assert.deepEqual((JSON.parse(none.out) as { outcomes: unknown[] }).outcomes, []);
    const instance = await cli(["check", "--no-probe", "--json", "--select", `instance:i-test${host.port}`, "--select", "tag:managedUser=u2"]);
    assert.deepEqual((JSON.parse(instance.out) as { name: string }[]).map((f) => f.name), ["br-u2"]);
  });

  it("rotate --select rotates every selected secret now, due or not, under the same canary", async () => {
    await seed(false);
    const picked = await cli(["rotate", "--select", "name:br-u1", "--select", "name:br-u2"]);
    assert.equal(picked.code, 0, picked.out + picked.err);
    assert.match(picked.out, /2 rotated, 0 would rotate, 0 skipped, 0 failed/);
    assert.deepEqual(await versions(), { u1: "v2", u2: "v2", u3: "v1", u4: "v1" });

    await breakUser("u1");
    const stopped = await cli(["rotate", "--select", `instance:i-test${host.port}`, "--canary", "1", "--json"]);
    assert.equal(stopped.code, 3, stopped.out + stopped.err);
    const report = JSON.parse(stopped.out) as { outcomes: { name: string; status: string }[] };
    assert.deepEqual(report.outcomes.map((o) => o.status), ["failed", "not-attempted", "not-attempted", "not-attempted"]);
    assert.deepEqual(await versions(), { u1: "v2", u2: "v2", u3: "v1", u4: "v1" });
  });

  for (const [args, flag] of [
    [["rotate", "br-u1", "--canary", "1"], "--canary"],
    [["rotate", "br-u1", "--select", "kind:ecs"], "--select"],
    [["rotate"], "name"],
    [["rotate", "--select", "kind:ecs", "--value-file", "/dev/null"], "--value-file"],
  ] as const) {
    it(`${args.join(" ")}: usage error naming ${flag}, exit 2`, async () => {
      await seed(false);
      const run = await cli([...args]);
      assert.equal(run.code, 2, run.out + run.err);
      assert.match(run.err, new RegExp(`InvalidInput: .*${flag}`));
      assert.deepEqual(await versions(), { u1: "v1", u2: "v1", u3: "v1", u4: "v1" });
    });
  }

  for (const [args, flag] of [
    [["--canary", "0"], "--canary"],
    [["--canary", "two"], "--canary"],
    [["--max-failures", "0"], "--max-failures"],
    [["--max-failures", "150%"], "--max-failures"],
    [["--max-failures", "-1"], "--max-failures"],
    [["--per-host", "65"], "--per-host"],
    [["--rate", "10"], "--rate"],
    [["--rate", "0/min"], "--rate"],
    [["--select", "colour:red"], "--select"],
    [["--select", "kind:vm"], "--select"],
    [["--select", "tag:=x"], "--select"],
  ] as const) {
    it(`run ${args.join(" ")}: usage error naming ${flag}, exit 2, nothing rotated`, async () => {
      await seed();
      const run = await cli(["run", ...args]);
      assert.equal(run.code, 2, run.out + run.err);
      assert.match(run.err, new RegExp(`InvalidInput: ${flag} "`));
      assert.match(run.err, /must be/);
      assert.deepEqual(await versions(), { u1: "v1", u2: "v1", u3: "v1", u4: "v1" });
    });
  }
});
