import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSshHost, requireRootForHosts, type StartedSshHost } from "../../testkit/sshd/ssh-host";
import * as ecs from "../../provider/resources/ecs-secret/ecs-secret-handler";
import { ramContext } from "../support/ram-fixtures";
import { useRamCli } from "../support/ram-cli";

/**
 * `rotate --value-file` is a front door onto the same rules as a declared
 * customValue. Through Cloud Assistant a chosen password is never allowed
 * (its hash would be kept in the invocation records, where a person's choice
 * can be guessed back), whatever its length, and the refusal comes before
 * anything is written: no pending version that no later pass could finish,
 * and no RunCommand.
 */
describe("attack: rotate --value-file cannot push a chosen password through Cloud Assistant", function () {
  const h = useRamCli();
  let host: StartedSshHost;
  let dir: string;
  const instanceId = "i-valuefile1";
  const savedPoll = process.env.MANAGED_SECRETS_CLOUD_ASSISTANT_POLL_MS;

  before(async function () {
    requireRootForHosts();
    process.env.MANAGED_SECRETS_CLOUD_ASSISTANT_POLL_MS = "50";
    host = await startSshHost({ users: [{ name: "alice", password: "alice-Initial-1" }] });
    dir = mkdtempSync(join(tmpdir(), "value-file-"));
  });
  before(() => h.emu.emu.control.registerInstance({ instanceId, privateIp: host.host, nsPid: host.nsPid }));
  after(async () => {
    if (savedPoll === undefined) delete process.env.MANAGED_SECRETS_CLOUD_ASSISTANT_POLL_MS;
    else process.env.MANAGED_SECRETS_CLOUD_ASSISTANT_POLL_MS = savedPoll;
    rmSync(dir, { recursive: true, force: true });
    await host?.stop();
  });

  for (const length of [51, 32, 20]) {
    it(`a chosen ${length}-character password is refused before anything is written or sent`, async function () {
      const { id } = await ecs.create(
        { instanceId, managedUser: "alice", credentialType: "password", initialValue: "alice-Initial-1", connection: { transport: "cloudAssistant", region: h.emu.emu.regionId } },
        ramContext(h.t, h.emu),
      );
      const file = join(dir, `pw-${length}`);
      const chosen = "Chosen-Pw-".padEnd(length, "x");
      writeFileSync(file, `${chosen}\n`);
      const invocations = h.emu.emu.control.invocationRecords().length;
      const r = await h.cli(["rotate", id, "--value-file", file]);
      assert.notEqual(r.code, 0, r.out);
      assert.match(r.err, /InvalidInput: --value-file cannot be set for a password with connection.transport "cloudAssistant"/);
      assert.doesNotMatch(r.err + r.out, new RegExp(chosen));
      const meta = (await h.t.store.describeSecret(id))!;
      assert.deepEqual(meta.versions.map((v) => [v.versionId, v.stages]), [["v1", ["ACSCurrent"]]], "no pending version is left behind");
      assert.equal(h.emu.emu.control.invocationRecords().length, invocations, "no Cloud Assistant command was sent");
      assert.equal((await h.cli(["check", "--no-probe"])).code, 0, "later passes have nothing to finish");
    });
  }
});
