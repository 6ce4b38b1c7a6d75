import { strict as assert } from "node:assert";
import { startSshHost, requireRootForHosts, type StartedSshHost } from "../../../testkit/sshd/ssh-host";
import { BACKENDS, type TestStore } from "../../../testkit/store/test-store";
import * as ecs from "../../../provider/resources/ecs-secret/ecs-secret-handler";
import { generateKeyPair } from "../../../provider/credentials/generate-key-pair";
import { ecsInputs, loginWith } from "../../support/ecs-fixtures";
import type { ManagedSecretsError } from "../../../provider/core/errors";
import { storePerTest } from "../../support/suite-hooks";

for (const backend of BACKENDS) {
  describe(`EcsSecret key pair over SSH (real sshd) [${backend} store]`, function () {
    let host: StartedSshHost;
    let t: TestStore;
    let initial: { privateKey: string; publicKey: string };
    // Lines that are not ours: they must survive every rotation byte for byte.
    const foreign = [
      'command="/usr/bin/uptime",no-pty ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherKeyOfSomeoneElse0000000000000000000 ops@bastion',
      "# a comment line the operator wrote",
    ];

    before(async function () {
      requireRootForHosts();
      initial = await generateKeyPair("ed25519");
      const bob = await generateKeyPair("rsa-2048");
      host = await startSshHost({
        rootAuthorizedKeys: [foreign[0]!, `${initial.publicKey} root@laptop`, foreign[1]!],
        users: [{ name: "bob", password: null, authorizedKeys: [`${bob.publicKey} bob@laptop`] }],
      });
      Object.assign(initial, { bob });
    });
    after(async () => host?.stop());
    storePerTest((s) => (t = s), backend);

    it("adopts the initial key, rotates to a generated RSA-2048 key, and retires only the old key's line", async () => {
      const inputs = ecsInputs(host, { credentialType: "keyPair", initialValue: initial.privateKey });
      const { id, outs } = await ecs.create(inputs, t.context());
      assert.equal(outs.publicKey, initial.publicKey);
      const before = await host.readFile("/root/.ssh/authorized_keys");

      const updated = (await ecs.update(id, outs, { ...inputs, rotationTrigger: "r1" }, t.context())).outs;
      assert.match(updated.publicKey!, /^ssh-rsa /);
      assert.match(updated.value, /^-----BEGIN RSA PRIVATE KEY-----\n/, "generated RSA keys are stored as PKCS#1 PEM, as KMS documents");
      assert.equal(await loginWith(host, "root", { privateKey: updated.value }), true);
      assert.equal(await loginWith(host, "root", { privateKey: initial.privateKey }), false);

      const after = await host.readFile("/root/.ssh/authorized_keys");
      const lines = after.split("\n").filter((l) => l !== "");
      assert.deepEqual(lines.slice(0, 2), foreign, "every other line is intact, in order");
      assert.equal(lines[2], `${updated.publicKey} managed-secrets:${id}:v2`);
      assert.equal(lines.length, 3);
      assert.ok(before.startsWith(`${foreign[0]}\n`));

      // A second rotation removes the first marked line and nothing else. The key algorithm is part of the target:
      // on the kms store, declaring another one puts the current value again as v3 first, and the rotation makes v4.
      const again = (await ecs.update(id, updated, { ...inputs, rotationTrigger: "r2", keyAlgorithm: "ed25519" }, t.context())).outs;
      assert.match(again.publicKey!, /^ssh-ed25519 /);
      assert.equal(again.versionId, backend === "kms" ? "v4" : "v3");
      const final = (await host.readFile("/root/.ssh/authorized_keys")).split("\n").filter((l) => l !== "");
      assert.deepEqual(final, [...foreign, `${again.publicKey} managed-secrets:${id}:${again.versionId}`]);
      assert.equal(await loginWith(host, "root", { privateKey: updated.value }), false);
      assert.equal(await loginWith(host, "root", { privateKey: again.value }), true);
    });

    it("rotates a non-root user's key with its own key (no admin), keeping file ownership and mode", async () => {
      const bob = (initial as unknown as { bob: { privateKey: string } }).bob;
      const inputs = ecsInputs(host, { managedUser: "bob", credentialType: "keyPair", initialValue: bob.privateKey });
      const { id, outs } = await ecs.create(inputs, t.context());
      const updated = (await ecs.update(id, outs, { ...inputs, rotationTrigger: 1 }, t.context())).outs;
      assert.equal(await loginWith(host, "bob", { privateKey: updated.value }), true);
      assert.equal(await loginWith(host, "bob", { privateKey: bob.privateKey }), false);
      const stat = await host.exec("stat -c '%U %a' /home/bob/.ssh/authorized_keys");
      assert.equal(stat.stdout.trim(), "bob 600");
    });

    it("refuses a malformed private key before anything is stored or contacted", async () => {
      const bad = "-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n-----END OPENSSH PRIVATE KEY-----\n";
      await assert.rejects(ecs.create(ecsInputs(host, { credentialType: "keyPair", initialValue: bad }), t.context()), (e: ManagedSecretsError) => {
        assert.equal(e.code, "InvalidInput");
        assert.equal(e.details.property, "initialValue");
        assert.match(e.message, /initialValue must be an unencrypted OpenSSH or PEM private key/);
        assert.ok(!e.message.includes("not a key"));
        return true;
      });
      assert.deepEqual(await t.store.listSecrets({ includePendingDeletion: true }), []);
    });

    it("customValue rotates to exactly the given private key", async () => {
      const current = await t.store.listSecrets();
      assert.deepEqual(current, []);
      const seed = await generateKeyPair("ed25519");
      await host.exec("cat >> /root/.ssh/authorized_keys", { stdin: `${seed.publicKey} seed\n` });
      const custom = await generateKeyPair("ed25519");
      const inputs = ecsInputs(host, { secretName: "custom-key", credentialType: "keyPair", initialValue: seed.privateKey });
      const { id, outs } = await ecs.create(inputs, t.context());
      const updated = (await ecs.update(id, outs, { ...inputs, customValue: custom.privateKey }, t.context())).outs;
      assert.equal(updated.value, custom.privateKey);
      assert.equal(updated.publicKey, custom.publicKey);
      assert.equal(await loginWith(host, "root", { privateKey: custom.privateKey }), true);
      assert.equal(await loginWith(host, "root", { privateKey: seed.privateKey }), false);
    });
  });
}
