import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { startSshHost, requireRootForHosts, type StartedSshHost } from "../../testkit/sshd/ssh-host";
import { createTestStore, type TestStore } from "../../testkit/store/test-store";
import * as ecs from "../../provider/resources/ecs-secret/ecs-secret-handler";
import { bundleFcHandler } from "../../provider/runner/deploy/bundle";
import { tryLogin } from "../../testkit/ssh-client/ssh-client";
import { ecsInputs } from "../support/ecs-fixtures";

const run = promisify(execFile);

/** Invokes the bundled handler the way FC's Node.js runtime does: require the file, call handler(event, context). */
const INVOKE = `require(process.argv[1]).handler({}, { region: "cn-hangzhou", requestId: "req-1" })
  .then((r) => process.stdout.write(r), (e) => { process.stderr.write(e.message); process.exitCode = 7; })`;

describe("The Function Compute handler, bundled into one file (real sshd)", function () {
  let host: StartedSshHost;
  let t: TestStore;
  let dir: string;
  let bundle: string;

  before(async function () {
    requireRootForHosts();
    dir = await mkdtemp(join(tmpdir(), "ms-fc-"));
    // Outside the repo, so the bundle cannot lean on the project's node_modules.
    bundle = (await bundleFcHandler(join(dir, "index.js"))).path;
    host = await startSshHost();
    t = await createTestStore();
  });
  after(async () => {
    await host?.stop();
    await t?.[Symbol.asyncDispose]();
    await rm(dir, { recursive: true, force: true });
  });

  it("rotates what is due and returns a summary; a failed secret is reported without failing the invocation (FC would retry the whole pass)", async () => {
    const { id } = await ecs.create(ecsInputs(host, { rotationPeriod: "6h" }), t.context());
    await ecs.create(ecsInputs(host, { secretName: "not-due", instanceId: "i-notdue", rotationPeriod: "30d" }), t.context());
    // The bundle runs on the real clock: make the first one due by moving its schedule back.
    await t.store.updateSecret(id, { metadata: { nextRotationAt: new Date(Date.now() - 86400_000).toISOString() } });
    const env = { ...t.env(), MANAGED_SECRETS_LOG_LEVEL: "warn" };

    const ok = await run(process.execPath, ["-e", INVOKE, bundle], { env, cwd: dir });
    const { judgedAt, ...summary } = JSON.parse(ok.stdout);
    assert.ok(Math.abs(Date.parse(judgedAt) - Date.now()) < 60_000);
    assert.deepEqual(summary, { rotated: 1, "would-rotate": 0, skipped: 1, failed: 0, "not-attempted": 0, purged: 0, failedSecrets: [] });
    const password = JSON.parse((await t.store.getValue(id)).value).Password;
    assert.equal(await tryLogin({ host: host.host, port: host.port, hostKeyFingerprint: host.hostKeyFingerprint, username: "root", password }), true);
    Object.assign(host, { rootPassword: password });

    await t.store.updateSecret("not-due", { metadata: { nextRotationAt: new Date(Date.now() - 86400_000).toISOString() } });
    await host.exec("chpasswd", { stdin: "root:Changed-Behind-Its-Back-3\n" });
    const failed = await run(process.execPath, ["-e", INVOKE, bundle], { env: { ...env, MANAGED_SECRETS_LOG_LEVEL: "error" }, cwd: dir });
    const { judgedAt: _at, ...failedSummary } = JSON.parse(failed.stdout);
    assert.deepEqual(failedSummary, { rotated: 0, "would-rotate": 0, skipped: 1, failed: 1, "not-attempted": 0, purged: 0, failedSecrets: ["not-due"] });
    const event = failed.stderr.split("\n").concat(failed.stdout.split("\n")).find((l) => l.includes('"pass-failed"'));
    assert.ok(event, `a pass-failed event is logged: ${failed.stderr}`);
    assert.match(event, /rotation pass finished with 1 failure\(s\): .*\\"failedSecrets\\":\[\\"not-due\\"\]/);
    assert.ok(!failed.stderr.includes("Changed-Behind-Its-Back-3") && !failed.stdout.includes("Changed-Behind-Its-Back-3"));
    await host.exec("chpasswd", { stdin: `root:${password}\n` });
  });

  it("a number in the function's environment outside its form or range fails the invocation, naming the variable, before anything rotates", async () => {
    const { id } = await ecs.create(ecsInputs(host, { secretName: "fc-env", instanceId: "i-fcenv", rotationPeriod: "6h" }), t.context());
    await t.store.updateSecret(id, { metadata: { nextRotationAt: new Date(Date.now() - 86400_000).toISOString() } });
    for (const [name, value] of [
      ["MANAGED_SECRETS_CONCURRENCY", "0x10"],
      ["MANAGED_SECRETS_CONCURRENCY", "1e1"],
      ["MANAGED_SECRETS_CONCURRENCY", "65"],
      ["MANAGED_SECRETS_RATE", "0.00001/min"],
      ["MANAGED_SECRETS_EVENTS_DEADLINE_MS", "30s"],
    ] as const) {
      const env = { ...t.env(), MANAGED_SECRETS_LOG_LEVEL: "silent", MANAGED_SECRETS_PREFIX: "fc-env", [name]: value };
      const refused = await run(process.execPath, ["-e", INVOKE, bundle], { env, cwd: dir }).then(
        (r) => assert.fail(`${name}=${value} was taken: ${r.stdout}`),
        (e: { code?: number; stderr?: string }) => e,
      );
      assert.equal(refused.code, 7, `${name}=${value}`);
      assert.match(refused.stderr ?? "", new RegExp(`${name}.*must be`), `${name}=${value}`);
      assert.equal((await t.store.getValue(id)).versionId, "v1");
    }
  });

  it("the deployed blast radius holds: a failed canary leaves the other due secrets not attempted", async () => {
    const names = ["fc-canary-a", "fc-canary-b", "fc-canary-c"];
    for (const secretName of names) await ecs.create(ecsInputs(host, { secretName, instanceId: `i-${secretName.replace(/-/g, "")}`, rotationPeriod: "30d" }), t.context());
    for (const name of names) await t.store.updateSecret(name, { metadata: { nextRotationAt: new Date(Date.now() - 86400_000).toISOString() } });
    // The canary (first by name) holds a password the host no longer takes.
    await t.store.putValue("fc-canary-a", { versionId: "stale", value: JSON.stringify({ UserName: "root", Password: "Not-The-Password-4" }), stages: ["ACSCurrent"] });
    const env = { ...t.env(), MANAGED_SECRETS_LOG_LEVEL: "error", MANAGED_SECRETS_CANARY: "1", MANAGED_SECRETS_PER_HOST: "1", MANAGED_SECRETS_PREFIX: "fc-canary-" };
    const out = await run(process.execPath, ["-e", INVOKE, bundle], { env, cwd: dir });
    const { judgedAt: _at, ...summary } = JSON.parse(out.stdout);
    assert.deepEqual(summary, { rotated: 0, "would-rotate": 0, skipped: 0, failed: 1, "not-attempted": 2, purged: 0, failedSecrets: ["fc-canary-a"], stoppedEarly: "canary fc-canary-a failed" });
    for (const name of ["fc-canary-b", "fc-canary-c"]) assert.equal((await t.store.getValue(name)).versionId, "v1");
  });
});
