import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startSshHost, requireRootForHosts, type StartedSshHost } from "../../testkit/sshd/ssh-host";
import { createRunningTestClock, DAY_MS } from "../../testkit/clock/test-clock";
import { startKmsEmulatorStore, type KmsEmulatorStore } from "../../testkit/store/kms-emulator-store";
import * as ecs from "../../provider/resources/ecs-secret/ecs-secret-handler";
import * as ram from "../../provider/resources/ram-secret/ram-secret-handler";
import type { RuntimeContext } from "../../provider/context/runtime-context";
import { runOnce } from "../../provider/runner/run-once";
import { MAX_JITTER_MS } from "../../provider/schedule/due";
import { targetRegistry, targetFromMetadata } from "../../provider/context/runtime-context";
import { assessSecret } from "../../provider/health/secret-health";
import { PROVIDER_ONLY_ACTIONS, RUNNER_API_ACTIONS, UNAUTHORIZED_ACTIONS } from "../../provider/alicloud/api-actions";
import { ecsInputs } from "../support/ecs-fixtures";

/** Log lines look like "Kms.GetSecretValue 200 ..." / "Ram.CreateAccessKey ..." / "Sts.GetCallerIdentity ...". */
function actionsIn(lines: readonly string[]): string[] {
  return [...new Set(lines.map((l) => /^(\w+)\.(\w+) /.exec(l)).filter((m) => m !== null).map((m) => `${m[1]!.toLowerCase()}:${m[2]}`))].sort();
}

describe("The runner's RAM policy matches what the runner calls (emulator call log, real sshd)", function () {
  let host: StartedSshHost;
  let kms: KmsEmulatorStore;
  const clock = createRunningTestClock();

  before(async function () {
    requireRootForHosts();
    host = await startSshHost();
    kms = await startKmsEmulatorStore({ clock });
  });
  after(async () => {
    await host?.stop();
    await kms?.dispose();
  });

  it("a pass that rotates ECS and RAM secrets on the kms store, checks and purges, calls only listed actions", async () => {
    const ctx: RuntimeContext = { store: kms.store, clock, targets: targetRegistry(), owner: "setup", cloud: () => kms.cloud };
    await ecs.create(ecsInputs(host, { rotationPeriod: "7d" }), ctx);
    kms.emulator.control.createUser({ name: "app-user" });
    const key = kms.emulator.control.createAccessKey("app-user");
    await ram.create({ userName: "app-user", initialAccessKeyId: key.accessKeyId, initialAccessKeySecret: key.accessKeySecret, rotationPeriod: "7d", previousKeyAction: "deactivate" }, ctx);
    const doomed = await ecs.create(ecsInputs(host, { secretName: "doomed", instanceId: "i-doomed" }), ctx);
    await ecs.remove(doomed.id, { ...doomed.outs, recoveryWindowDays: 7 }, ctx);

    clock.advance(8 * DAY_MS + MAX_JITTER_MS);
    const mark = kms.calls.length;
    const report = await runOnce({ store: kms.store, clock, owner: "runner", targetFor: (m) => targetFromMetadata(m, ctx) });
    assert.deepEqual(report.outcomes.map((o) => o.status), ["rotated", "rotated"], JSON.stringify(report.outcomes));
    for (const meta of await kms.store.listSecrets()) {
      const health = await assessSecret(meta, { now: clock(), probe: async () => targetFromMetadata(meta, ctx).accepts((await kms.store.getValue(meta.name)).value) });
      assert.equal(health.healthy, true, `${meta.name}: ${health.details.join("; ")}`);
    }
    Object.assign(host, { rootPassword: JSON.parse((await kms.store.getValue(`ecs/i-test${host.port}/root`)).value).Password });

    const called = actionsIn(kms.calls.slice(mark));
    const listed = [...Object.entries(RUNNER_API_ACTIONS), ...Object.entries(UNAUTHORIZED_ACTIONS)].flatMap(([p, actions]) => actions.map((a) => `${p}:${a}`));
    const missing = called.filter((a) => !listed.includes(a));
    assert.deepEqual(missing, [], "every action the runner sent is in the policy list or needs no authorization");
    assert.ok(["ram:CreateAccessKey", "sts:GetCallerIdentity", "kms:PutSecretValue", "kms:ListSecretVersionIds"].every((a) => called.includes(a)), called.join(" "));
    // The store's lease table was made with its first secret, at create: this runner created nothing (one that
    // finds a store without a table, written by an earlier release, creates it: tests/runner/deploy/runner-policy.test.ts).
    assert.ok(!called.includes("kms:CreateSecret"), called.join(" "));
  });

  it("every action the thin clients can send is either the runner's or listed as provider-only", () => {
    const listed = new Set<string>(
      (Object.keys(RUNNER_API_ACTIONS) as Array<keyof typeof RUNNER_API_ACTIONS>).flatMap((p) => [...RUNNER_API_ACTIONS[p], ...PROVIDER_ONLY_ACTIONS[p], ...UNAUTHORIZED_ACTIONS[p]]),
    );
    const sent = new Set<string>();
    // Every thin client: a new call site in any of them must be placed in one list or the other.
    for (const file of ["kms-client.ts", "ram-client.ts", "sts-client.ts", "cms-client.ts", "cms-system-events.ts", "cloud-assistant-client.ts"]) {
      const source = readFileSync(join(__dirname, "..", "..", "provider", "alicloud", file), "utf8");
      for (const m of source.matchAll(/\b(?:call|once|idempotent|read|write|rpcPostParams)\(\s*"([A-Z]\w+)"/g)) sent.add(m[1]!);
      if (/\.getCallerIdentity\(\)/.test(source)) sent.add("GetCallerIdentity");
    }
    assert.ok(sent.size >= 25, `found ${sent.size} call sites`);
    assert.deepEqual([...sent].filter((a) => !listed.has(a)), []);
  });
});
