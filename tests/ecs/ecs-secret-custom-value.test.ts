import { strict as assert } from "node:assert";
import { startSshHost, requireRootForHosts, type StartedSshHost } from "../support/ssh-host";
import { createTestStore, type TestStore } from "../support/test-store";
import * as ecs from "../../provider/ecs/ecs-secret-handler";
import { ecsInputs, loginWith } from "./ecs-fixtures";

/** customValue is the value the host ends up with, whichever path sets it, and only values that survive that path are taken. */
describe("EcsSecret customValue (real sshd)", function () {
  let host: StartedSshHost;
  let t: TestStore;

  before(async function () {
    requireRootForHosts();
    host = await startSshHost({ users: [{ name: "alice", password: "alice-Initial-1" }, { name: "erin", password: "erin-Initial-1" }] });
  });
  after(async () => host?.stop());
  beforeEach(async () => {
    t = await createTestStore({ backend: "local" });
  });
  afterEach(async () => t[Symbol.asyncDispose]());

  const withAdmin = () => ({ host: host.host, port: host.port, hostKeyFingerprint: host.hostKeyFingerprint, admin: { user: "root", password: host.rootPassword } });

  it("create that replaces a rejected initial value sets customValue, not a generated one, and later diffs agree", async () => {
    const custom = "Custom-At-Create-7!x";
    const inputs = ecsInputs(host, { managedUser: "alice", initialValue: "not-alices-password", customValue: custom, connection: withAdmin() });
    const { id, outs } = await ecs.create(inputs, t.context());
    assert.equal(outs.value, custom);
    assert.equal(outs.versionId, "v2");
    assert.equal(await loginWith(host, "alice", { password: custom }), true);
    assert.equal(await loginWith(host, "alice", { password: "alice-Initial-1" }), false);
    assert.deepEqual(await ecs.diff(id, outs, inputs), { changes: false, replaces: [], deleteBeforeReplace: false });
  });

  it("create with a working initial value and another customValue rotates to customValue at once", async () => {
    const custom = "Custom-Over-Initial-8?y";
    const inputs = ecsInputs(host, { managedUser: "erin", initialValue: "erin-Initial-1", customValue: custom });
    const { outs } = await ecs.create(inputs, t.context());
    assert.equal(outs.value, custom);
    assert.equal(outs.versionId, "v2");
    assert.equal(await loginWith(host, "erin", { password: custom }), true);
    assert.equal(await loginWith(host, "erin", { password: "erin-Initial-1" }), false);
  });
});
