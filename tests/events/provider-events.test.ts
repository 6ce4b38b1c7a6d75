import { strict as assert } from "node:assert";
import { startSshHost, requireRootForHosts, type StartedSshHost } from "../../testkit/sshd/ssh-host";
import { createTestStore, type TestStore } from "../../testkit/store/test-store";
import * as ecs from "../../provider/resources/ecs-secret/ecs-secret-handler";
import { cloudMonitorSink } from "../../provider/events/cloudmonitor-sink";
import type { RotationEvent } from "../../provider/events/rotation-event";
import type { RuntimeContext } from "../../provider/context/runtime-context";
import type { EcsSecretOutputs } from "../../provider/resources/secret-outputs";
import { ecsInputs, loginWith } from "../support/ecs-fixtures";

/** Rotations the provider makes in `pulumi up` (a new rotationTrigger) and in a drift repair, reported to the emulator's CloudMonitor. */
describe("Rotation events from pulumi up and drift repair (real sshd, emulator CloudMonitor)", function () {
  let host: StartedSshHost;
  let t: TestStore;

  before(async function () {
    requireRootForHosts();
    host = await startSshHost();
    t = await createTestStore({ backend: "kms" });
  });
  after(async () => {
    await host?.stop();
    await t?.[Symbol.asyncDispose]();
  });

  async function received(): Promise<RotationEvent[]> {
    const response = await fetch(`http://${t.cloud!.endpoint}/__emulator/cms/custom-events`);
    return ((await response.json()) as { events: { content: string }[] }).events.map((e) => JSON.parse(e.content) as RotationEvent);
  }

  it("a rotationTrigger change reports trigger pulumi-up; an overdue secret repaired by update reports repair; no credential sent", async () => {
    const ctx: RuntimeContext = { ...t.context("provider"), events: (() => {
      const sink = cloudMonitorSink({ settings: t.cloud! });
      return () => sink;
    })() };
    const inputs = ecsInputs(host, { rotationPeriod: "7d" });
    const created = await ecs.create(inputs, ctx);
    assert.deepEqual(await received(), [], "creation is not a rotation");

    const repaired = await ecs.update(created.id, { ...created.outs, health: { healthy: false, problems: ["overdue"] } } as EcsSecretOutputs, inputs, ctx);
    await ecs.update(created.id, repaired.outs, { ...inputs, rotationTrigger: "release-1" }, ctx);
    const events = await received();
    assert.deepEqual(events.map((e) => [e.trigger, e.outcome, e.oldVersionId, e.newVersionId, e.target]), [
      ["repair", "succeeded", "v1", "v2", `i-test${host.port}/root`],
      ["pulumi-up", "succeeded", "v2", "v3", `i-test${host.port}/root`],
    ]);
    const password = JSON.parse((await t.store.getValue(created.id)).value).Password as string;
    assert.equal(await loginWith(host, "root", { password }), true);
    Object.assign(host, { rootPassword: password });
    const sent = JSON.stringify(events);
    for (const v of ["v1", "v2", "v3"]) {
      const value = JSON.parse((await t.store.getValue(created.id, { versionId: v })).value).Password as string;
      assert.ok(!sent.includes(value), "a credential reached CloudMonitor");
    }
  });
});
