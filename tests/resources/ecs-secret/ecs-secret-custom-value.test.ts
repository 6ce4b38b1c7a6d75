import { strict as assert } from "node:assert";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startSshHost, requireRootForHosts, type StartedSshHost } from "../../../testkit/sshd/ssh-host";
import type { TestStore } from "../../../testkit/store/test-store";
import * as ecs from "../../../provider/resources/ecs-secret/ecs-secret-handler";
import { runCli } from "../../../provider/cli/program";
import type { ManagedSecretsError } from "../../../provider/core/errors";
import { ecsInputs, loginWith } from "../../support/ecs-fixtures";
import { storePerTest } from "../../support/suite-hooks";

/** customValue is the value the host ends up with, whichever path sets it, and only values that survive that path are taken. */
describe("EcsSecret customValue (real sshd)", function () {
  let host: StartedSshHost;
  let t: TestStore;
  // A password someone set by hand: it logs in (SSH sends it as is), but passwd's terminal would eat the DEL.
  const hankPassword = "Hank\x7fInitial-1";

  before(async function () {
    requireRootForHosts();
    host = await startSshHost({ users: [{ name: "alice", password: "alice-Initial-1" }, { name: "erin", password: "erin-Initial-1" },
      { name: "gina", password: "gina-Initial-1" }, { name: "hank", password: hankPassword }] });
  });
  after(async () => host?.stop());
  storePerTest((s) => (t = s), "local");

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

  // Each is a line-discipline character on a terminal: erase, interrupt, end of file, kill line, literal next, erase word.
  const terminalCharacters = ["\x7f", "\x03", "\x04", "\x15", "\x16", "\x17"];

  it("a customValue with a terminal control character is refused at check, naming customValue, and update changes nothing", async () => {
    const inputs = ecsInputs(host, { managedUser: "gina", initialValue: "gina-Initial-1" });
    for (const c of terminalCharacters) {
      const result = await ecs.check({}, { ...inputs, customValue: `Abcdef${c}Ghij-123-xyz` });
      const failure = result.failures?.find((f) => f.property === "customValue");
      assert.ok(failure, `expected a customValue failure for U+${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
      assert.match(failure.reason, /no control characters/);
    }
    const { id, outs } = await ecs.create(inputs, t.context());
    await assert.rejects(ecs.update(id, outs, { ...inputs, customValue: "Abcdef\x7fGhij-123-xyz" }, t.context()), (e: ManagedSecretsError) => {
      assert.equal(e.code, "InvalidInput");
      assert.equal(e.details.property, "customValue");
      assert.ok(!e.message.includes("Abcdef"));
      return true;
    });
    assert.deepEqual((await t.store.describeSecret(id))?.versions.map((v) => v.versionId), ["v1"]);
    assert.equal(await loginWith(host, "gina", { password: "gina-Initial-1" }), true);
  });

  it("CLI rotate --value-file takes the same checks as customValue, before anything is touched", async () => {
    const { id } = await ecs.create(ecsInputs(host, { managedUser: "gina", initialValue: "gina-Initial-1" }), t.context());
    const file = join(t.dir, "new-password");
    for (const [value, reason] of [["Abcdef\x7fGhij-123-xyz", /no control characters/], ["Ab1-x", /8\.\.256 characters/]] as const) {
      await writeFile(file, `${value}\n`, { mode: 0o600 });
      let err = "";
      const code = await runCli(["rotate", id, "--value-file", file], { out: { write: () => undefined }, err: { write: (s) => void (err += s) }, context: () => t.context("cli") });
      assert.equal(code, 2, err);
      assert.match(err, /InvalidInput: --value-file must be/);
      assert.match(err, reason);
      assert.ok(!err.includes(value));
    }
    assert.deepEqual((await t.store.describeSecret(id))?.versions.map((v) => v.versionId), ["v1"]);
    assert.equal(await loginWith(host, "gina", { password: "gina-Initial-1" }), true);
  });

  it("a current password passwd's terminal would alter is never typed into passwd: the error says to use connection.admin", async () => {
    assert.equal(await loginWith(host, "hank", { password: hankPassword }), true);
    const inputs = ecsInputs(host, { managedUser: "hank", initialValue: hankPassword });
    const { id, outs } = await ecs.create(inputs, t.context());
    await assert.rejects(ecs.update(id, outs, { ...inputs, rotationTrigger: 1 }, t.context()), (e: ManagedSecretsError) => {
      assert.equal(e.code, "TargetCommandFailed");
      assert.match(e.message, /current password of hank has a control character.* set connection\.admin/);
      assert.ok(!e.message.includes("Hank"));
      return true;
    });
    assert.equal(await loginWith(host, "hank", { password: hankPassword }), true);
  });
});
