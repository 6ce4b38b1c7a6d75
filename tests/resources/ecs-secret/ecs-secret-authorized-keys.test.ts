import { strict as assert } from "node:assert";
import { startSshHost, requireRootForHosts, type StartedSshHost } from "../../../testkit/sshd/ssh-host";
import type { TestStore } from "../../../testkit/store/test-store";
import * as ecs from "../../../provider/resources/ecs-secret/ecs-secret-handler";
import { generateKeyPair } from "../../../provider/credentials/generate-key-pair";
import type { ManagedSecretsError } from "../../../provider/core/errors";
import { ecsInputs, loginWith } from "../../support/ecs-fixtures";
import { storePerTest } from "../../support/suite-hooks";

/**
 * authorized_keys as operators really leave them (written on Windows, shared
 * through a symlink) and users who cannot run commands: key rotation must
 * still retire exactly the old key, in the file sshd reads.
 */
describe("EcsSecret key pairs and unusual authorized_keys (real sshd)", function () {
  let host: StartedSshHost;
  let t: TestStore;
  let daveKey: { privateKey: string; publicKey: string };

  before(async function () {
    requireRootForHosts();
    daveKey = await generateKeyPair("ed25519");
    host = await startSshHost({ users: [{ name: "carol", password: null }, { name: "dave", password: null, authorizedKeys: [`${daveKey.publicKey} dave@laptop`] }] });
    // A service account: it may log in with a key (for port forwarding, say), but its shell runs nothing.
    const shell = await host.exec("usermod -s /usr/sbin/nologin dave");
    assert.equal(shell.code, 0, shell.stderr);
  });
  after(async () => host?.stop());
  storePerTest((s) => (t = s), "local");

  async function writeRootKeys(text: string): Promise<void> {
    const written = await host.exec("cat > /root/.ssh/authorized_keys && chmod 0600 /root/.ssh/authorized_keys", { stdin: text });
    assert.equal(written.code, 0, written.stderr);
  }

  it("retires an adopted key written on a CRLF line with no comment, and keeps the other CRLF lines byte for byte", async () => {
    const adopted = await generateKeyPair("ed25519");
    const foreign = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherKeyOfSomeoneElse0000000000000000000 ops@bastion\r\n";
    // Type and key only: generated public key lines carry a comment, and this line must have none.
    const bare = adopted.publicKey.split(" ").slice(0, 2).join(" ");
    await writeRootKeys(`${foreign}${bare}\r\n`);
    const inputs = ecsInputs(host, { secretName: "crlf", credentialType: "keyPair", initialValue: adopted.privateKey });
    const { id, outs } = await ecs.create(inputs, t.context());

    const updated = (await ecs.update(id, outs, { ...inputs, rotationTrigger: 1 }, t.context())).outs;
    assert.equal(await loginWith(host, "root", { privateKey: updated.value }), true);
    assert.equal(await loginWith(host, "root", { privateKey: adopted.privateKey }), false, "the adopted key no longer logs in");
    assert.equal(await host.readFile("/root/.ssh/authorized_keys"), `${foreign}${updated.publicKey} managed-secrets:${id}:v2\n`);
  });

  it("retires through a symlinked authorized_keys: the link stays, its shared target loses the old key and keeps mode 0644 and its owner", async () => {
    const adopted = await generateKeyPair("ed25519");
    const shared = "/etc/ssh/shared_authorized_keys";
    // Root and carol read one file through links, as some images ship a team key.
    const setup = await host.exec(
      `cat > ${shared} && chown root:root ${shared} && chmod 0644 ${shared} && ` +
        `ln -sfn ${shared} /root/.ssh/authorized_keys && ` +
        `install -d -m 0700 -o carol -g carol /home/carol/.ssh && ln -sfn ${shared} /home/carol/.ssh/authorized_keys`,
      { stdin: `${adopted.publicKey} team@laptop\n` },
    );
    assert.equal(setup.code, 0, setup.stderr);
    assert.equal(await loginWith(host, "carol", { privateKey: adopted.privateKey }), true, "the shared key logs in as carol before");

    const inputs = ecsInputs(host, { secretName: "linked", credentialType: "keyPair", initialValue: adopted.privateKey });
    const { id, outs } = await ecs.create(inputs, t.context());
    const updated = (await ecs.update(id, outs, { ...inputs, rotationTrigger: 1 }, t.context())).outs;

    const link = await host.exec(`stat -c '%F' /root/.ssh/authorized_keys && readlink /root/.ssh/authorized_keys && stat -c '%a %U:%G' ${shared}`);
    assert.equal(link.stdout, `symbolic link\n${shared}\n644 root:root\n`);
    assert.equal(await host.readFile(shared), `${updated.publicKey} managed-secrets:${id}:v2\n`);
    assert.equal(await loginWith(host, "carol", { privateKey: adopted.privateKey }), false, "the retired key no longer logs in as carol either");
    assert.equal(await loginWith(host, "root", { privateKey: adopted.privateKey }), false);
    assert.equal(await loginWith(host, "root", { privateKey: updated.value }), true);
    assert.equal((await host.exec("ls -A /etc/ssh /root/.ssh | grep -c managed-secrets")).stdout.trim(), "0", "no temp file left behind");
  });

  it("a user whose shell is nologin and no admin: rotation fails saying the shell runs no commands and what to set, and changes nothing", async () => {
    const inputs = ecsInputs(host, { managedUser: "dave", secretName: "nologin-alone", credentialType: "keyPair", initialValue: daveKey.privateKey });
    const { id, outs } = await ecs.create(inputs, t.context());
    const before = await host.readFile("/home/dave/.ssh/authorized_keys");
    await assert.rejects(ecs.update(id, outs, { ...inputs, rotationTrigger: 1 }, t.context()), (e: ManagedSecretsError) => {
      assert.equal(e.code, "TargetCommandFailed");
      assert.match(e.message, /dave on .* cannot run commands: its login shell answered "This account is currently not available\."/);
      assert.match(e.message, /set connection\.admin/);
      return true;
    });
    assert.equal(await host.readFile("/home/dave/.ssh/authorized_keys"), before);
    assert.equal(await loginWith(host, "dave", { privateKey: daveKey.privateKey }), true);
  });

  it("a user whose shell is nologin gets its key rotated through the root admin connection", async () => {
    const admin = { user: "root", password: host.rootPassword };
    const inputs = ecsInputs(host, {
      managedUser: "dave",
      secretName: "nologin-admin",
      credentialType: "keyPair",
      initialValue: daveKey.privateKey,
      connection: { host: host.host, port: host.port, hostKeyFingerprint: host.hostKeyFingerprint, admin },
    });
    const { id, outs } = await ecs.create(inputs, t.context());
    const updated = (await ecs.update(id, outs, { ...inputs, rotationTrigger: 1 }, t.context())).outs;
    assert.equal(await loginWith(host, "dave", { privateKey: updated.value }), true);
    assert.equal(await loginWith(host, "dave", { privateKey: daveKey.privateKey }), false, "the old key is retired");
    assert.equal(await host.readFile("/home/dave/.ssh/authorized_keys"), `${updated.publicKey} managed-secrets:${id}:v2\n`);
    assert.equal((await host.exec("stat -c '%U %a' /home/dave/.ssh/authorized_keys")).stdout, "dave 600\n");
  });
});
