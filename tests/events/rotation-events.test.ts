import { strict as assert } from "node:assert";
import { createHmac, timingSafeEqual } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { StartedSshHost } from "../../testkit/sshd/ssh-host";
import { createTestStore, type TestStore } from "../../testkit/store/test-store";
import { startHttpsReceiver, type HttpsReceiver } from "../support/https-receiver";
import * as ecs from "../../provider/resources/ecs-secret/ecs-secret-handler";
import { runCli } from "../../provider/cli/program";
import { createLogger } from "../../provider/core/log";
import { MAX_JITTER_MS } from "../../provider/schedule/due";
import { handler } from "../../provider/runner/fc-handler";
import { SIGNATURE_HEADER } from "../../provider/events/webhook-sink";
import type { RotationEvent } from "../../provider/events/rotation-event";
import { ecsInputs } from "../support/ecs-fixtures";
import { sshHostPerSuite } from "../support/suite-hooks";

const HOUR_MS = 3_600_000;
const WEBHOOK_SECRET = "whsec-0123456789abcdef-events";

interface CustomEvent {
  eventName: string;
  content: string;
  time: string | null;
  groupId: string;
}

/** What the emulator's CloudMonitor received, read over its control surface. */
async function customEvents(t: TestStore): Promise<CustomEvent[]> {
  const response = await fetch(`http://${t.cloud!.endpoint}/__emulator/cms/custom-events`);
  return ((await response.json()) as { events: CustomEvent[] }).events;
}

/** The receiver's check, as a webhook consumer would write it. */
function verified(body: string, header: string, secret: string): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!m) return false;
  const expected = createHmac("sha256", secret).update(`${m[1]}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(m[2]!, "hex"));
}

/** Every credential the test knows of: each version's value (and its fields), the webhook secret, the cloud AccessKey secret. */
async function credentials(t: TestStore, names: readonly string[], extra: readonly string[]): Promise<string[]> {
  const found = [...extra, WEBHOOK_SECRET, t.cloud!.accessKeySecret!];
  for (const name of names) {
    for (const v of (await t.store.describeSecret(name))!.versions) {
      const value = (await t.store.getValue(name, { versionId: v.versionId })).value;
      found.push(value, ...Object.values(JSON.parse(value) as Record<string, string>).filter((f) => f.length >= 8 && f !== "root" && !/^e\d$/.test(f)));
    }
  }
  return found;
}

describe("Rotation events: JSON lines, a signed HTTPS webhook and CloudMonitor custom events (real sshd, emulator)", function () {
  let host: StartedSshHost;
  let t: TestStore;
  let receiver: HttpsReceiver | undefined;

  sshHostPerSuite((h) => (host = h), { users: [{ name: "e1", password: "e1-Initial-Pass-1" }, { name: "e2", password: "e2-Initial-Pass-1" }] });
  beforeEach(async () => {
    t = await createTestStore({ backend: "kms" });
    for (const user of ["e1", "e2"]) await host.exec("chpasswd", { stdin: `${user}:${user}-Initial-Pass-1\n` });
  });
  afterEach(async () => {
    await receiver?.stop();
    receiver = undefined;
    await t[Symbol.asyncDispose]();
  });

  async function seed(): Promise<void> {
    for (const user of ["e1", "e2"]) {
      await ecs.create(ecsInputs(host, { secretName: `ev-${user}`, managedUser: user, initialValue: `${user}-Initial-Pass-1`, rotationPeriod: "6h" }), t.context());
    }
  }

  async function cli(args: string[]) {
    let out = "";
    let err = "";
    const logLines: string[] = [];
    const logger = createLogger({ destination: new Writable({ write: (c, _e, cb) => { logLines.push(String(c)); cb(); } }) });
    const io = { out: { write: (s: string) => void (out += s) }, err: { write: (s: string) => void (err += s) }, context: () => t.context("cli"), runner: { logger } };
    const code = await runCli(args, io);
    return { code, out, err, logs: logLines.join("") };
  }

  it("each attempt is one event at every sink, the webhook's signature verifies after a retried 503, and no sink holds a credential", async () => {
    await seed();
    t.clock.advance(6 * HOUR_MS + MAX_JITTER_MS);
    await host.exec("chpasswd", { stdin: "e2:Changed-Out-Of-Band-7\n" });
    receiver = await startHttpsReceiver((n) => (n === 1 ? 503 : 200));
    const secretFile = join(t.dir, "webhook-secret");
    await writeFile(secretFile, `${WEBHOOK_SECRET}\n`, { mode: 0o600 });

    const run = await cli(["run", "--events", "json", "--webhook-url", receiver.url, "--webhook-secret-file", secretFile, "--webhook-ca-file", receiver.caFile, "--cloudmonitor-events", "--cloudmonitor-group-id", "123456"]);
    assert.equal(run.code, 1, run.out);

    const lines = run.out.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as RotationEvent);
    const byName = Object.fromEntries(lines.map((e) => [e.secretName, e]));
    assert.deepEqual(Object.keys(byName).sort(), ["ev-e1", "ev-e2"]);
    const { at: _a, durationMs: _d, ...ok } = byName["ev-e1"]!;
    assert.deepEqual(ok, {
      type: "managed-secrets.rotation", schemaVersion: 1, secretName: "ev-e1", kind: "ecs", target: `i-test${host.port}/e1`,
      oldVersionId: "v1", newVersionId: "v2", outcome: "succeeded", errorCode: null, attempt: 1, trigger: "schedule",
    });
    assert.equal(byName["ev-e2"]!.outcome, "failed");
    assert.equal(byName["ev-e2"]!.errorCode, "AuthenticationFailed");
    assert.equal(byName["ev-e2"]!.newVersionId, null);

    // One 503, then each event delivered once, each signed over its exact body.
    assert.equal(receiver.requests.filter((r) => r.status === 503).length, 1);
    const delivered = receiver.requests.filter((r) => r.status === 200);
    assert.equal(delivered.length, 2);
    for (const r of receiver.requests) {
      assert.equal(r.method, "POST");
      assert.equal(r.headers["content-type"], "application/json");
      assert.ok(verified(r.body, String(r.headers[SIGNATURE_HEADER]), WEBHOOK_SECRET), `signature of ${r.body}`);
      assert.ok(!verified(r.body, String(r.headers[SIGNATURE_HEADER]), "another-secret-of-some-length"));
    }
    assert.deepEqual(delivered.map((r) => JSON.parse(r.body) as RotationEvent).sort((a, b) => a.secretName.localeCompare(b.secretName)), [byName["ev-e1"], byName["ev-e2"]]);

    const cms = await customEvents(t);
    assert.deepEqual(cms.map((e) => e.eventName).sort(), ["ManagedSecretsRotationFailed", "ManagedSecretsRotationSucceeded"]);
    for (const e of cms) {
      assert.equal(e.groupId, "123456");
      const event = JSON.parse(e.content) as RotationEvent;
      assert.deepEqual(event, byName[event.secretName]);
      assert.equal(e.time, String(Date.parse(event.at)));
    }

    const secrets = await credentials(t, ["ev-e1", "ev-e2"], ["e1-Initial-Pass-1", "e2-Initial-Pass-1", "Changed-Out-Of-Band-7"]);
    assert.ok(secrets.length >= 8, `${secrets.length} credentials to look for`);
    const everything = [run.out, ...receiver.requests.map((r) => `${JSON.stringify(r.headers)}\n${r.body}`), ...cms.map((e) => JSON.stringify(e))].join("\n");
    for (const secret of secrets) assert.ok(!everything.includes(secret), "a credential reached a sink");
  });

  it("a webhook that never answers well does not fail the rotation: retried with back-off, then logged", async () => {
    await seed();
    t.clock.advance(6 * HOUR_MS + MAX_JITTER_MS);
    receiver = await startHttpsReceiver(() => 500);
    const secretFile = join(t.dir, "webhook-secret");
    await writeFile(secretFile, WEBHOOK_SECRET, { mode: 0o600 });
    const run = await cli(["run", "--select", "name:ev-e1", "--webhook-url", receiver.url, "--webhook-secret-file", secretFile, "--webhook-ca-file", receiver.caFile]);
    assert.equal(run.code, 0, run.out);
    assert.match(run.out, /1 rotated/);
    assert.equal(receiver.requests.length, 4, "four attempts");
    assert.match(run.logs, /"event":"webhook-undelivered".*"why":"HTTP 500"/);
    assert.equal((await t.store.getValue("ev-e1")).versionId, "v2");
  });

  it("rotate <name> reports its one rotation (trigger rotate-now); bad event flags are usage errors naming the flag", async () => {
    await seed();
    const run = await cli(["rotate", "ev-e1", "--events", "json"]);
    assert.equal(run.code, 0, run.out);
    const event = JSON.parse(run.out.split("\n").find((l) => l.startsWith("{"))!) as RotationEvent;
    assert.deepEqual([event.secretName, event.trigger, event.oldVersionId, event.newVersionId, event.outcome], ["ev-e1", "rotate-now", "v1", "v2", "succeeded"]);

    for (const [args, flag] of [
      [["run", "--webhook-url", "http://127.0.0.1:9/hook"], "--webhook-url"],
      [["run", "--webhook-url", "https://127.0.0.1:9/hook"], "--webhook-secret-file"],
      [["run", "--webhook-ca-file", "/etc/hostname"], "--webhook-url"],
      [["run", "--events", "yaml"], "--events"],
      [["run", "--events", "json", "--json"], "--events"],
      [["run", "--cloudmonitor-group-id", "abc"], "--cloudmonitor-group-id"],
    ] as const) {
      const bad = await cli([...args]);
      assert.equal(bad.code, 2, `${args.join(" ")}: ${bad.out}`);
      assert.ok(bad.err.includes(flag), `${args.join(" ")}: ${bad.err}`);
    }
    assert.equal((await t.store.getValue("ev-e2")).versionId, "v1");
  });

  it("the Function Compute runner reports to CloudMonitor with its role's credentials (trigger schedule)", async () => {
    await seed();
    await t.store.updateSecret("ev-e1", { metadata: { nextRotationAt: new Date(Date.now() - 86_400_000).toISOString() } });
    const saved = { ...process.env };
    const env = t.env();
    Object.assign(process.env, {
      MANAGED_SECRETS_STORE: "kms",
      MANAGED_SECRETS_ENDPOINT: env.MANAGED_SECRETS_ENDPOINT,
      MANAGED_SECRETS_BINDING_KEY_ID: env.MANAGED_SECRETS_BINDING_KEY_ID,
      MANAGED_SECRETS_CLOUDMONITOR_EVENTS: "1",
      MANAGED_SECRETS_PREFIX: "ev-e1",
      MANAGED_SECRETS_LOG_LEVEL: "silent",
    });
    try {
      const summary = JSON.parse(await handler({}, { region: t.cloud!.regionId, requestId: "req-ev", credentials: { accessKeyId: t.cloud!.accessKeyId, accessKeySecret: t.cloud!.accessKeySecret } }));
      assert.equal(summary.rotated, 1, JSON.stringify(summary));
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
    const [event, ...more] = await customEvents(t);
    assert.equal(more.length, 0);
    assert.equal(event!.eventName, "ManagedSecretsRotationSucceeded");
    assert.equal(event!.groupId, "0");
    const content = JSON.parse(event!.content) as RotationEvent;
    assert.deepEqual([content.secretName, content.trigger, content.outcome, content.newVersionId], ["ev-e1", "schedule", "succeeded", "v2"]);
    for (const secret of await credentials(t, ["ev-e1"], ["e1-Initial-Pass-1"])) assert.ok(!event!.content.includes(secret));
  });
});
