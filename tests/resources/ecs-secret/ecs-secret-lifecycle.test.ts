import { strict as assert } from "node:assert";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { StartedSshHost } from "../../../testkit/sshd/ssh-host";
import { BACKENDS, type TestStore } from "../../../testkit/store/test-store";
import { DAY_MS } from "../../../testkit/clock/test-clock";
import * as ecs from "../../../provider/resources/ecs-secret/ecs-secret-handler";
import { runCli } from "../../../provider/cli/program";
import { ecsInputs, loginWith } from "../../support/ecs-fixtures";
import { sshHostPerSuite, storePerTest } from "../../support/suite-hooks";

/** Runs the CLI in-process against the test store; returns exit code and both streams. */
async function cli(t: TestStore, ...argv: string[]) {
  let out = "";
  let err = "";
  const code = await runCli(argv, { out: { write: (s) => void (out += s) }, err: { write: (s) => void (err += s) }, context: () => t.context("cli") });
  return { code, out, err };
}

for (const backend of BACKENDS) {
  describe(`EcsSecret delete, restore and the CLI (real sshd) [${backend} store]`, function () {
    let host: StartedSshHost;
    let t: TestStore;

    sshHostPerSuite((h) => (host = h));
    storePerTest((s) => (t = s), backend);

    it("delete schedules deletion with the recovery window and never changes the instance; restore brings it back", async () => {
      const inputs = ecsInputs(host, { recoveryWindowDays: 7 });
      const { id, outs } = await ecs.create(inputs, t.context());
      await ecs.remove(id, outs, t.context());
      const meta = await t.store.describeSecret(id);
      const window = Date.parse(meta!.plannedDeleteAt!) - t.clock().getTime();
      assert.ok(Math.abs(window - 7 * DAY_MS) < 60_000, `planned ${meta!.plannedDeleteAt}, 7 days from now`);
      assert.equal(await loginWith(host, "root", { password: host.rootPassword }), true, "deletion leaves the password on the host");

      const listed = await cli(t, "list", "--all", "--json");
      assert.equal(JSON.parse(listed.out)[0].plannedDeleteAt, meta!.plannedDeleteAt);
      assert.match((await cli(t, "get-value", id)).err, /scheduled for deletion/);

      t.clock.advance(6 * DAY_MS);
      const restored = await cli(t, "restore", id);
      assert.equal(restored.code, 0, restored.err);
      assert.equal((await t.store.getValue(id)).value, JSON.stringify({ UserName: "root", Password: host.rootPassword }));
      assert.equal((await ecs.read(id, outs, t.context())).props?.plannedDeleteAt, undefined);
    });

    it("after the window the secret is gone: restore fails and says the window has passed; refresh reports it deleted", async () => {
      const { id, outs } = await ecs.create(ecsInputs(host, { recoveryWindowDays: 7 }), t.context());
      const deleted = await cli(t, "delete", id, "--recovery-window-days", "7", "--json");
      assert.equal(deleted.code, 0, deleted.err);
      t.clock.advance(7 * DAY_MS + 1000);
      const restored = await cli(t, "restore", id);
      assert.equal(restored.code, 1);
      assert.match(restored.err, /SecretNotFound: .*recovery window/);
      assert.deepEqual(await ecs.read(id, outs, t.context()), {});
    });

    it("forceDeleteWithoutRecovery deletes at once; creating again on a name pending deletion restores it for the same target", async () => {
      const forced = await ecs.create(ecsInputs(host, { secretName: "forced", forceDeleteWithoutRecovery: true }), t.context());
      await ecs.remove(forced.id, forced.outs, t.context());
      assert.equal(await t.store.describeSecret("forced"), undefined);

      const inputs = ecsInputs(host, { secretName: "comes-back" });
      const first = await ecs.create(inputs, t.context());
      await ecs.remove(first.id, first.outs, t.context());
      const again = await ecs.create(inputs, t.context());
      assert.equal(again.outs.versionId, "v1");
      assert.equal((await t.store.describeSecret("comes-back"))?.plannedDeleteAt, undefined);

      await ecs.remove(again.id, again.outs, t.context());
      await assert.rejects(ecs.create({ ...inputs, managedUser: "nobody" }, t.context()), /comes-back is scheduled for deletion .* and manages password root@i-test\d+ \(127[.0-9]+:\d+\); .*managed-secrets delete comes-back --force/);
    });

    it("CLI: list, describe, get-value by stage, rotate from a value file, bad usage", async () => {
      const { id } = await ecs.create(ecsInputs(host, { rotationPeriod: "30d" }), t.context());
      const list = await cli(t, "list");
      assert.match(list.out, new RegExp(`^NAME .*\\n${id.replace(/\//g, "\\/")} +ecs +password root@`, "m"));
      assert.ok(!list.out.includes(host.rootPassword));
      const described = JSON.parse((await cli(t, "describe", id, "--json")).out);
      assert.equal(described.metadata.rotationPeriodSeconds, String(30 * 86400));
      assert.ok(!JSON.stringify(described).includes(host.rootPassword));

      const file = join(t.dir, "new-password");
      await writeFile(file, "From-File-Password-3\n", { mode: 0o600 });
      const rotated = await cli(t, "rotate", id, "--value-file", file, "--json");
      assert.equal(rotated.code, 0, rotated.err);
      assert.deepEqual(JSON.parse(rotated.out), { name: id, versionId: "v2", previousVersionId: "v1", resumed: false });
      assert.equal(await loginWith(host, "root", { password: "From-File-Password-3" }), true);
      assert.equal((await cli(t, "get-value", id)).out, `${JSON.stringify({ UserName: "root", Password: "From-File-Password-3" })}\n`);
      const previous = JSON.parse((await cli(t, "get-value", id, "--stage", "ACSPrevious", "--json")).out);
      assert.equal(previous.versionId, "v1");

      // Generated rotation through the CLI, then hand the password back to the host fixture.
      const generated = await cli(t, "rotate", id);
      assert.match(generated.out, /^rotated .*: v2 -> v3\n$/);
      host = Object.assign(host, { rootPassword: JSON.parse((await t.store.getValue(id)).value).Password });

      const missing = await cli(t, "describe", "nope");
      assert.deepEqual([missing.code, missing.err], [1, "managed-secrets: SecretNotFound: secret \"nope\" does not exist\n"]);
      const badDays = await cli(t, "delete", id, "--recovery-window-days", "31");
      assert.equal(badDays.code, 2);
      assert.match(badDays.err, /must be an integer 7\.\.30/);
      const badStage = await cli(t, "get-value", id, "--stage", "Current");
      assert.equal(badStage.code, 2);
      assert.match(badStage.err, /Allowed choices are ACSCurrent, ACSPrevious, ACSPending/);
    });
  });
}
