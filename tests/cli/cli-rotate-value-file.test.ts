import { strict as assert } from "node:assert";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { StartedSshHost } from "../../testkit/sshd/ssh-host";
import type { TestStore } from "../../testkit/store/test-store";
import * as ecs from "../../provider/resources/ecs-secret/ecs-secret-handler";
import { runCli } from "../../provider/cli/program";
import { ecsInputs, loginWith } from "../support/ecs-fixtures";
import { sshHostPerSuite, storePerTest } from "../support/suite-hooks";

describe("CLI rotate --value-file while a rotation is pending (real sshd)", function () {
  let host: StartedSshHost;
  let t: TestStore;

  sshHostPerSuite((h) => (host = h));
  storePerTest((s) => (t = s));

  const currentPassword = async (id: string) => JSON.parse((await t.store.getValue(id)).value).Password as string;

  it("completes the interrupted rotation, then sets the requested value, and says both", async () => {
    const { id } = await ecs.create(ecsInputs(host), t.context());
    // An interrupted rotation: its value is stored as ACSPending, the host never saw it.
    await t.store.putValue(id, { versionId: "v2", value: JSON.stringify({ UserName: "root", Password: "Pending-Left-Behind-4" }), stages: ["ACSPending"] });
    const requested = "Requested-By-File-7x";
    const file = join(t.dir, "password");
    await writeFile(file, `${requested}\n`, { mode: 0o600 });

    let out = "";
    let err = "";
    const io = { out: { write: (s: string) => void (out += s) }, err: { write: (s: string) => void (err += s) }, context: () => t.context("cli") };
    const code = await runCli(["rotate", id, "--value-file", file], io);
    host = Object.assign(host, { rootPassword: await currentPassword(id) });

    assert.equal(code, 0, err);
    assert.equal(await currentPassword(id), requested, "the requested value is ACSCurrent");
    assert.equal(await loginWith(host, "root", { password: requested }), true, "and the host takes it");
    assert.equal((await t.store.getValue(id)).versionId, "v3");
    assert.match(out, /completed an interrupted rotation to v2/);
    assert.match(out, /rotated .*-> v3/);
    assert.ok(!out.includes(requested) && !err.includes(requested) && !out.includes("Pending-Left-Behind-4"), "no credential in the output");
  });
});
