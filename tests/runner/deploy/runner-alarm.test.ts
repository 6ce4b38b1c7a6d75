import { strict as assert } from "node:assert";
import { runnerAlarm, configure } from "../../../provider/runtime";
import { resetStackConfig, targetRegistry } from "../../../provider/context/runtime-context";
import { alarmRule } from "../../../provider/runner/deploy/runner-alarm";
import { parseRunnerDeployment } from "../../../provider/runner/deploy/runner-deployment";
import { runOnce } from "../../../provider/runner/run-once";
import { cloudMonitorSink } from "../../../provider/events/cloudmonitor-sink";
import { emitAttempts } from "../../../provider/events/emit-attempts";
import { META } from "../../../provider/schedule/rotation-metadata";
import { DAY_MS } from "../../../testkit/clock/test-clock";
import { createTestClock, type TestClock } from "../../../testkit/clock/test-clock";
import { startKmsEmulatorStore, type KmsEmulatorStore } from "../../../testkit/store/kms-emulator-store";
import { FakeTarget } from "../../../testkit/rotation/fake-target";

/**
 * Issue 26 item 5: a failed rotation reaches a person. The RotationRunner's
 * alarm, created by its dynamic provider (the runtime's `runnerAlarm` entry,
 * as `pulumi up` runs it) through the real CloudMonitor client against the
 * emulator, which matches custom events to rules and records the
 * notifications. The runner's passes report through the CloudMonitor sink,
 * as the Function Compute runner does.
 *
 * The rule earlier releases declared (alicloud.cms.EventRule with product
 * "CustomEvent": PutEventRule, whose EventType that resource cannot set, so
 * SYSTEM) received no custom event at all: such a pass notified nobody.
 */
describe("the RotationRunner's alarm: a failed rotation reaches the contact group (emulator, real SDK clients)", function () {
  const name = "ecs/i-alarm/root";
  const value = JSON.stringify({ UserName: "root", Password: "Alarm-Initial-1" });
  let clock: TestClock;
  let kms: KmsEmulatorStore;
  let target: FakeTarget;

  beforeEach(async function () {
    clock = createTestClock();
    kms = await startKmsEmulatorStore({ clock });
    target = new FakeTarget(value);
    await kms.store.createSecret({ name, description: "", metadata: { kind: "ecs", [META.rotationPeriodSeconds]: "86400", [META.nextRotationAt]: new Date(clock.ms() + 3_600_000).toISOString() }, versionId: "v1", value });
    // The deploying stack's config, as the dynamic provider's configure() receives it.
    // A runner stack's: the alicloud provider's keys, no store at all (the rule's region is the runner's, not the stack's).
    const config: Record<string, string> = {
      "managed-secrets:endpoint": kms.emulator.endpoint,
      "alicloud:region": "ap-southeast-1",
      "alicloud:accessKey": kms.emulator.accessKeyId,
      "alicloud:secretKey": kms.emulator.accessKeySecret,
    };
    configure({ get: (k) => config[k] });
  });
  afterEach(async function () {
    resetStackConfig();
    await kms.dispose();
  });

  const deployment = (extra: Record<string, unknown> = {}) =>
    parseRunnerDeployment({ schedule: "@every 15m", region: kms.emulator.regionId, accountId: kms.emulator.accountId, bindingKeyId: "key-alarm", functionName: "rotator", alarmContactGroup: "secrets-oncall", ...extra });

  /** A runner pass reporting to CloudMonitor, as the FC runner does (cloudMonitorEvents on). */
  async function pass(groupId?: string): Promise<string[]> {
    clock.advance(2 * DAY_MS);
    const events = cloudMonitorSink({ settings: kms.cloud, ...(groupId ? { groupId } : {}) });
    const report = await runOnce({
      store: kms.another(),
      clock,
      owner: "runner",
      targetFor: () => target,
      retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0, sleep: async () => undefined },
      onAttempt: emitAttempts(events, "schedule", clock, (meta) => targetRegistry().factsOf(meta)),
    });
    await events.flush();
    return report.outcomes.map((o) => o.status);
  }
  const failing = () => (target.apply = async () => undefined);
  const working = () => (target.apply = FakeTarget.prototype.apply.bind(target));

  it("a failing pass's ManagedSecretsRotationFailed event reaches the contact group; a succeeding pass's event reaches nobody", async function () {
    const rule = alarmRule(deployment())!;
    assert.deepEqual((await runnerAlarm.check({}, { ...rule })).failures ?? [], []);
    const made = await runnerAlarm.create({ ...rule });
    assert.equal(made.id, "rotator-rotation-failed");

    failing();
    assert.deepEqual(await pass(), ["failed"]);
    const sent = kms.emulator.control.notifications();
    assert.deepEqual(sent.map((n) => [n.via, n.ruleName, n.contactGroup, n.level, n.eventName]), [
      ["customEventRule", "rotator-rotation-failed", "secrets-oncall", "CRITICAL", "ManagedSecretsRotationFailed"],
    ]);
    const content = JSON.parse(sent[0]!.content) as { secretName: string; outcome: string; errorCode: string };
    assert.deepEqual([content.secretName, content.outcome, content.errorCode], [name, "failed", "RotationTestFailed"]);

    working();
    assert.deepEqual(await pass(), ["rotated"]);
    assert.ok(kms.emulator.control.customEvents().some((e) => e.eventName === "ManagedSecretsRotationSucceeded"), "the success was reported");
    assert.equal(kms.emulator.control.notifications().length, 1, "and reached nobody");
  });

  it("updates the rule in place (level, group) and deletes it: after the delete a failure reaches nobody", async function () {
    const before = alarmRule(deployment())!;
    const made = await runnerAlarm.create({ ...before });
    const after = alarmRule(deployment({ alarmContactGroup: "security", alarmLevel: "WARN" }))!;
    const diff = await runnerAlarm.diff(made.id, made.outs, { ...after });
    assert.deepEqual([diff.changes, diff.replaces], [true, []], "same rule id: an update, not a replacement");
    const updated = await runnerAlarm.update(made.id, made.outs, { ...after });

    failing();
    await pass();
    assert.deepEqual(kms.emulator.control.notifications().map((n) => [n.contactGroup, n.level]), [["security", "WARN"]]);

    await runnerAlarm.delete(made.id, updated.outs);
    await pass();
    assert.equal(kms.emulator.control.notifications().length, 1, "no rule, no notification");
  });

  it("sees only the runner's own CloudMonitor group: events of another group reach nobody", async function () {
    await runnerAlarm.create({ ...alarmRule(deployment({ cloudMonitorGroupId: "7378" }))! });
    failing();
    await pass();
    assert.equal(kms.emulator.control.notifications().length, 0, "the runner's events of group 0");
    await pass("7378");
    assert.equal(kms.emulator.control.notifications().length, 1);
  });

  it("check refuses a rule that is not one, naming the property", async function () {
    const rule = alarmRule(deployment())!;
    const refused = await runnerAlarm.check({}, { ...rule, level: "LOUD", periodSeconds: 90 });
    assert.deepEqual(refused.failures?.map((f) => f.property), ["level"]);
    assert.match(refused.failures![0]!.reason, /level must be one of CRITICAL, WARN, INFO/);
    assert.deepEqual((await runnerAlarm.check({}, { ...rule, periodSeconds: 90 })).failures?.map((f) => f.reason), ["the runner's alarm: periodSeconds must be a whole number, at least 60, a multiple of 60"]);
  });
});
