import { strict as assert } from "node:assert";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { StartedSshHost } from "../../testkit/sshd/ssh-host";
import * as ecs from "../../provider/resources/ecs-secret/ecs-secret-handler";
import * as ram from "../../provider/resources/ram-secret/ram-secret-handler";
import { isManagedSecretsError } from "../../provider/core/errors";
import { ramContext, ramInputs, userWithKey } from "../support/ram-fixtures";
import { useRamCli } from "../support/ram-cli";
import { sshHostPerSuite } from "../support/suite-hooks";
import { ecsInputs } from "../support/ecs-fixtures";
import { generateKeyPair } from "../../provider/credentials/generate-key-pair";

/**
 * One credential, one secret. Two secrets over one instance user's password
 * (or one RAM user's AccessKeys) would each rotate it away from the other,
 * so a create, an adopt and a restore are refused while another live secret
 * manages it, naming that secret. And `adopt` onto a name that already exists
 * used to print "adopted" without checking the credential it was given.
 */
describe("one credential is managed by one secret", function () {
  const h = useRamCli();
  let host: StartedSshHost;
  sshHostPerSuite((started) => (host = started));

  const namesOther = (other: string) => (e: unknown) => isManagedSecretsError(e, "SecretExists") && e.message.includes(`already managed by secret "${other}"`);

  it("adopt onto a name already managed, with a wrong password: refused, nothing checked or changed", async () => {
    const { id } = await ecs.create(ecsInputs(host), ramContext(h.t, h.emu));
    const file = join(h.t.dir, "wrong");
    await writeFile(file, "Wrong-Password-1\n", { mode: 0o600 });
    const args = ["adopt", "ecs", "--instance-id", `i-test${host.port}`, "--user", "root", "--type", "password", "--host", host.host, "--port", String(host.port), "--host-key-fingerprint", host.hostKeyFingerprint, "--value-file", file];
    const r = await h.cli(args);
    assert.equal(r.code, 1, r.out);
    assert.match(r.err, new RegExp(`SecretExists: secret ${id} already exists: adopt takes credentials no secret holds yet`));
    assert.doesNotMatch(r.out, /adopted/);
    const versions = (await h.t.store.describeSecret(id))!.versions;
    assert.deepEqual(versions.map((v) => v.versionId), ["v1"]);
  });

  it("adopt of the same instance user under a second name is refused, naming the first", async () => {
    const { id } = await ecs.create(ecsInputs(host), ramContext(h.t, h.emu));
    const file = join(h.t.dir, "pw");
    await writeFile(file, `${host.rootPassword}\n`, { mode: 0o600 });
    const r = await h.cli(["adopt", "ecs", "--instance-id", `i-test${host.port}`, "--user", "root", "--type", "password", "--host", host.host, "--port", String(host.port), "--host-key-fingerprint", host.hostKeyFingerprint, "--value-file", file, "--secret-name", "second/root"]);
    assert.equal(r.code, 1, r.out);
    assert.match(r.err, new RegExp(`already managed by secret "${id}"`));
    assert.equal(await h.t.store.describeSecret("second/root"), undefined);
  });

  it("two Pulumi resources declaring one instance user's password: the second create is refused; a key pair of the same user is another credential", async () => {
    const ctx = ramContext(h.t, h.emu);
    const { id } = await ecs.create(ecsInputs(host), ctx);
    await assert.rejects(() => ecs.create(ecsInputs(host, { secretName: "copy/root" }), ctx), namesOther(id));
    // Reached another way (Cloud Assistant) it is still the same credential.
    await assert.rejects(() => ecs.create(ecsInputs(host, { secretName: "copy/ca", connection: { transport: "cloudAssistant", region: h.emu.emu.regionId } }), ctx), namesOther(id));
    assert.equal(await h.t.store.describeSecret("copy/root"), undefined);
    const key = await generateKeyPair("ed25519");
    await host.exec("mkdir -p /root/.ssh && cat >> /root/.ssh/authorized_keys", { stdin: `${key.publicKey}\n` });
    const keyPair = await ecs.create(ecsInputs(host, { credentialType: "keyPair", initialValue: key.privateKey, secretName: "root/key" }), ctx);
    assert.equal(keyPair.id, "root/key");
  });

  it("RAM: a second secret for one RAM user is refused (adopt and create)", async () => {
    const ctx = ramContext(h.t, h.emu);
    const { userName, key } = userWithKey(h.emu, "sole");
    const { id } = await ram.create(ramInputs(userName, key), ctx);
    await assert.rejects(() => ram.create(ramInputs(userName, key, { secretName: "other/key" }), ctx), namesOther(id));
    const file = join(h.t.dir, "ak");
    await writeFile(file, `${key.accessKeySecret}\n`, { mode: 0o600 });
    const r = await h.cli(["adopt", "ram", "--user-name", userName, "--access-key-id", key.accessKeyId, "--access-key-secret-file", file, "--secret-name", "third/key"]);
    assert.equal(r.code, 1);
    assert.match(r.err, new RegExp(`already managed by secret "${id}"`));
  });

  it("renaming a secret deletes the old one first, so the new one may take the credential; restoring the old one is then refused", async () => {
    const ctx = ramContext(h.t, h.emu);
    const { userName, key } = userWithKey(h.emu, "rename");
    const { id, outs } = await ram.create(ramInputs(userName, key), ctx);
    const diff = await ram.diff(id, outs, ramInputs(userName, key, { secretName: "renamed/key" }));
    assert.equal(diff.deleteBeforeReplace, true);
    // The engine's order for deleteBeforeReplace: delete, then create.
    await ram.remove(id, outs, ctx);
    await ram.create(ramInputs(userName, key, { secretName: "renamed/key" }), ctx);
    const r = await h.cli(["restore", id]);
    assert.equal(r.code, 1);
    assert.match(r.err, /already managed by secret "renamed\/key"/);
    assert.ok((await h.t.store.describeSecret(id))!.plannedDeleteAt, "the old secret stays scheduled for deletion");
  });
});
