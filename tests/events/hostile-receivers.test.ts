import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as ram from "../../provider/resources/ram-secret/ram-secret-handler";
import { EVENTS_DEADLINE_ENV } from "../../provider/events/event-deadlines";
import { MAX_JITTER_MS } from "../../provider/schedule/due";
import { createTestStore, type TestStore } from "../../testkit/store/test-store";
import { startHostileReceiver, type HostileMode, type HostileReceiver } from "../support/hostile-receiver";
import { inProcessCli } from "../support/in-process-cli";

/**
 * A webhook receiver is whoever holds the URL: one that answers a line at a
 * time, or not at all, must not hold a finished rotation's exit, nor a
 * `run --every` loop's next pass. Real TLS receivers on loopback; RAM
 * secrets on the emulator are the cheapest real rotations. The events
 * deadline is set short (MANAGED_SECRETS_EVENTS_DEADLINE_MS, as an operator
 * would); the only wall-clock checks are generous upper bounds.
 */

const DEADLINE_MS = 1_000;
/** Far above the deadline plus a RAM rotation on a loaded machine; a hang is forever. */
const GENEROUS_MS = 25_000;
const SECRET = "hook/app";
const WEBHOOK_SECRET = "whsec-0123456789abcdef-hostile";

/** Each receiver, and whether its event counts as delivered: a status line of 200 is the receiver's answer, whatever its body does after. */
const MODES: ReadonlyArray<[HostileMode, string, boolean]> = [
  ["trickle-headers", "sends response headers one line every 3 s", false],
  ["silent", "accepts and never answers", false],
  ["trickle-body", "answers 200 and trickles the body a byte every 3 s", true],
];

describe("hostile webhook receivers never hold a rotation's exit (real TLS receivers on loopback, RAM on the emulator)", function () {
  let t: TestStore;
  let receiver: HostileReceiver | undefined;
  let secretFile: string;
  let saved: string | undefined;

  beforeEach(async () => {
    t = await createTestStore({ backend: "kms" });
    const control = (path: string, body: unknown) =>
      fetch(`http://${t.cloud!.endpoint}/__emulator${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<Record<string, string>>);
    await control("/users", { name: "hook-app" });
    const key = await control("/access-keys", { userName: "hook-app" });
    await ram.create({ userName: "hook-app", secretName: SECRET, initialAccessKeyId: key.accessKeyId, initialAccessKeySecret: key.accessKeySecret, rotationPeriod: "7d" }, t.context());
    secretFile = join(t.dir, "webhook-secret");
    await writeFile(secretFile, WEBHOOK_SECRET, { mode: 0o600 });
    saved = process.env[EVENTS_DEADLINE_ENV];
    process.env[EVENTS_DEADLINE_ENV] = String(DEADLINE_MS);
  });
  afterEach(async () => {
    if (saved === undefined) delete process.env[EVENTS_DEADLINE_ENV];
    else process.env[EVENTS_DEADLINE_ENV] = saved;
    await receiver?.stop();
    receiver = undefined;
    await t[Symbol.asyncDispose]();
  });

  const webhook = () => ["--webhook-url", receiver!.url, "--webhook-secret-file", secretFile, "--webhook-ca-file", receiver!.caFile];

  /** The client closed every connection it opened: nothing of the delivery is left to hold the process. */
  async function allClosed(): Promise<void> {
    for (const until = Date.now() + 5_000; receiver!.open() > 0 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
    assert.equal(receiver!.open(), 0, "a connection to the receiver is still open");
  }

  for (const [mode, what, delivered] of MODES) {
    it(`rotate <name>, a receiver that ${what}: exits 0 ${delivered ? "at once, the event delivered and the connection closed" : "once the events deadline passes, the event logged undelivered"}`, async () => {
      receiver = await startHostileReceiver(mode);
      const started = Date.now();
      const run = await inProcessCli(() => t.context("cli"))(["rotate", SECRET, ...webhook()]);
      assert.equal(run.code, 0, run.out + run.err);
      assert.match(run.out, /rotated hook\/app: v1 -> v2/);
      assert.ok(Date.now() - started < GENEROUS_MS, `${Date.now() - started} ms`);
      assert.ok(receiver.requests() >= 1, "the receiver was reached");
      if (delivered) assert.doesNotMatch(run.logs, /webhook-undelivered/);
      else assert.match(run.logs, /"event":"webhook-undelivered"[^\n]*"secret":"hook\/app"[^\n]*"why":"[^"]*deadline/);
      await allClosed();
    });
  }

  it("run --every: a pass whose event is stuck at the receiver reports, and the next pass starts", async () => {
    receiver = await startHostileReceiver("trickle-headers");
    t.clock.advance(8 * 86_400_000 + MAX_JITTER_MS);
    const stop = new AbortController();
    let waits = 0;
    const wait = async () => {
      // The wait between passes is the loop's own; the second one ends the test.
      if (++waits === 2) stop.abort();
    };
    const run = await inProcessCli(() => t.context("cli"), { wait, signal: stop.signal })(["run", "--every", "15m", ...webhook()]);
    assert.equal(run.code, 0, run.out + run.err);
    assert.equal(waits, 2, "two passes, each followed by the wait");
    assert.match(run.out, /1 rotated, 0 would rotate, 0 skipped, 0 failed/);
    assert.match(run.out, /nothing due \(1 secrets checked\)/, "the second pass ran");
    assert.match(run.logs, /"event":"webhook-undelivered"/);
    await allClosed();
  });

  it("CloudMonitor answering a minute late: rotate exits 0 once the deadline passes, the event logged undelivered, and the late answer is never waited for", async () => {
    await fetch(`http://${t.cloud!.endpoint}/__emulator/faults/latency`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ action: "PutCustomEvent", ms: 60_000 }) });
    const started = Date.now();
    const run = await inProcessCli(() => t.context("cli"))(["rotate", SECRET, "--cloudmonitor-events"]);
    assert.equal(run.code, 0, run.out + run.err);
    assert.match(run.out, /rotated hook\/app: v1 -> v2/);
    assert.ok(Date.now() - started < GENEROUS_MS, `${Date.now() - started} ms`);
    assert.match(run.logs, /"event":"cloudmonitor-undelivered"[^\n]*"secret":"hook\/app"[^\n]*"why":"[^"]*deadline/);
  });

  for (const mode of ["trickle-body", "silent"] as const) {
    it(`the real managed-secrets process exits with its normal code when the receiver ${mode === "silent" ? "never answers" : "trickles its body"}`, async () => {
      receiver = await startHostileReceiver(mode);
      const started = Date.now();
      const child = spawn(process.execPath, ["--import", "tsx", "provider/cli/main.ts", "rotate", SECRET, ...webhook()], {
        cwd: join(__dirname, "..", ".."),
        env: { ...t.env(), [EVENTS_DEADLINE_ENV]: String(DEADLINE_MS), MANAGED_SECRETS_LOG_FORMAT: "json" },
      });
      let out = "";
      let err = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      const code = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => {
          child.kill("SIGKILL");
          resolve(null);
        }, GENEROUS_MS);
        child.once("exit", (c) => {
          clearTimeout(timer);
          resolve(c);
        });
      });
      assert.equal(code, 0, `exit ${code} after ${Date.now() - started} ms\n${out}\n${err}`);
      assert.match(out, /rotated hook\/app: v1 -> v2/);
      if (mode === "silent") assert.match(err, /webhook-undelivered/);
      else assert.doesNotMatch(err, /webhook-undelivered/);
    });
  }
});
