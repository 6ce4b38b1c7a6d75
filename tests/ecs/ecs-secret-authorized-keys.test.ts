import { strict as assert } from "node:assert";
import { startSshHost, requireRootForHosts, type StartedSshHost } from "../support/ssh-host";
import { createTestStore, type TestStore } from "../support/test-store";
import * as ecs from "../../provider/ecs/ecs-secret-handler";
import { generateKeyPair } from "../../provider/credentials/generate-key-pair";
import { ecsInputs, loginWith } from "./ecs-fixtures";

/**
 * authorized_keys as operators really leave them (written on Windows, shared
 * through a symlink) and users who cannot run commands: key rotation must
 * still retire exactly the old key, in the file sshd reads.
 */
describe("EcsSecret key pairs and unusual authorized_keys (real sshd)", function () {
  let host: StartedSshHost;
  let t: TestStore;

  before(async function () {
    requireRootForHosts();
    host = await startSshHost();
  });
  after(async () => host?.stop());
  beforeEach(async () => {
    t = await createTestStore({ backend: "local" });
  });
  afterEach(async () => t[Symbol.asyncDispose]());

  async function writeRootKeys(text: string): Promise<void> {
    const written = await host.exec("cat > /root/.ssh/authorized_keys && chmod 0600 /root/.ssh/authorized_keys", { stdin: text });
    assert.equal(written.code, 0, written.stderr);
  }

  it("retires an adopted key written on a CRLF line with no comment, and keeps the other CRLF lines byte for byte", async () => {
    const adopted = await generateKeyPair("ed25519");
    const foreign = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherKeyOfSomeoneElse0000000000000000000 ops@bastion\r\n";
    await writeRootKeys(`${foreign}${adopted.publicKey}\r\n`);
    const inputs = ecsInputs(host, { secretName: "crlf", credentialType: "keyPair", initialValue: adopted.privateKey });
    const { id, outs } = await ecs.create(inputs, t.context());

    const updated = (await ecs.update(id, outs, { ...inputs, rotationTrigger: 1 }, t.context())).outs;
    assert.equal(await loginWith(host, "root", { privateKey: updated.value }), true);
    assert.equal(await loginWith(host, "root", { privateKey: adopted.privateKey }), false, "the adopted key no longer logs in");
    assert.equal(await host.readFile("/root/.ssh/authorized_keys"), `${foreign}${updated.publicKey} managed-secrets:${id}:v2\n`);
  });
});
