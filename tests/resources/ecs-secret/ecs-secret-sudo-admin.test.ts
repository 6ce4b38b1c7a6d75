import { strict as assert } from "node:assert";
import { startSshHost, requireRootForHosts, type StartedSshHost } from "../../../testkit/sshd/ssh-host";
import type { TestStore } from "../../../testkit/store/test-store";
import { generateClientKeyPair, type ClientKeyPair } from "../../../testkit/ssh-client/client-keys";
import * as ecs from "../../../provider/resources/ecs-secret/ecs-secret-handler";
import { generateKeyPair } from "../../../provider/credentials/generate-key-pair";
import type { ManagedSecretsError } from "../../../provider/core/errors";
import { ecsInputs, loginWith } from "../../support/ecs-fixtures";
import { storePerTest } from "../../support/suite-hooks";

/**
 * A non-root admin connection (as on images whose admin is `ecs-user`): every
 * change goes through the host's real sudo, whichever way its sudoers is set.
 */
describe("EcsSecret through a non-root admin with sudo (real sshd, real sudo)", function () {
  let host: StartedSshHost;
  let t: TestStore;
  let opsKey: ClientKeyPair;
  const passwords = {
    ops: "ops-Sudo-Pass-1", // sudo asks for this password
    deployer: "deployer-Nopasswd-2", // NOPASSWD sudo, but logs in with a password
    plain: "plain-NoSudo-3", // not in sudoers
  };
  // A line that is not ours: it must survive byte for byte.
  const foreign = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherKeyOfSomeoneElse0000000000000000000 ops@bastion";

  const admin = (user: string, credential: { password: string } | { privateKey: string }) => ({
    connection: { host: host.host, port: host.port, hostKeyFingerprint: host.hostKeyFingerprint, admin: { user, ...credential } },
  });

  before(async function () {
    requireRootForHosts();
    opsKey = await generateClientKeyPair();
    host = await startSshHost({
      users: [
        { name: "alice", password: "alice-Initial-1", authorizedKeys: [foreign] },
        { name: "ops", password: passwords.ops, sudo: "password", authorizedKeys: [opsKey.publicKey] },
        { name: "deployer", password: passwords.deployer, sudo: "nopasswd" },
        { name: "plain", password: passwords.plain },
      ],
    });
  });
  after(async () => host?.stop());
  storePerTest((s) => (t = s), "local");

  /** Proves no admin password reached a file the rotation wrote. */
  async function assertNoAdminSecretIn(path: string): Promise<void> {
    const text = await host.readFile(path);
    for (const p of Object.values(passwords)) assert.ok(!text.includes(p), `${path} holds no admin password`);
  }

  it("sudo that asks for the admin's password: a rejected initial password is replaced through chpasswd", async () => {
    const inputs = ecsInputs(host, { managedUser: "alice", initialValue: "not-alices-password", ...admin("ops", { password: passwords.ops }) });
    const { outs } = await ecs.create(inputs, t.context());
    assert.equal(outs.versionId, "v2");
    assert.equal(await loginWith(host, "alice", { password: outs.value }), true);
    assert.equal(await loginWith(host, "alice", { password: "alice-Initial-1" }), false);
    assert.equal(await loginWith(host, "ops", { password: passwords.ops }), true, "the admin's own password is unchanged");
    host = Object.assign(host, { users: { ...host.users, alice: outs.value } });
  });

  it("NOPASSWD sudo with a password admin: the admin's password never reaches chpasswd or authorized_keys", async () => {
    // Password: chpasswd would fail on an extra line, and would show it no mercy.
    const pw = ecsInputs(host, { managedUser: "alice", initialValue: "wrong-again", secretName: "alice-pw", ...admin("deployer", { password: passwords.deployer }) });
    const created = (await ecs.create(pw, t.context())).outs;
    assert.equal(await loginWith(host, "alice", { password: created.value }), true);
    host = Object.assign(host, { users: { ...host.users, alice: created.value } });

    // Key pair: the append script reads its one line from stdin.
    const stale = await generateKeyPair("ed25519");
    const kp = ecsInputs(host, {
      managedUser: "alice",
      credentialType: "keyPair",
      initialValue: stale.privateKey,
      secretName: "alice-key",
      ...admin("deployer", { password: passwords.deployer }),
    });
    const { id, outs } = await ecs.create(kp, t.context());
    assert.equal(outs.versionId, "v2");
    assert.equal(await loginWith(host, "alice", { privateKey: outs.value }), true);
    const lines = (await host.readFile("/home/alice/.ssh/authorized_keys")).split("\n").filter((l) => l !== "");
    assert.deepEqual(lines, [foreign, `${outs.publicKey} managed-secrets:${id}:v2`]);
    await assertNoAdminSecretIn("/home/alice/.ssh/authorized_keys");
    const owner = await host.exec("stat -c '%U %a' /home/alice/.ssh/authorized_keys");
    assert.equal(owner.stdout, "alice 600\n", "written as alice, not as root");
  });

  it("NOPASSWD sudo with a key admin: rotates root's password", async () => {
    const keyAdmin = await generateClientKeyPair();
    await host.exec(`install -d -m 700 -o deployer -g deployer /home/deployer/.ssh && printf '%s\\n' '${keyAdmin.publicKey}' > /home/deployer/.ssh/authorized_keys && chown deployer /home/deployer/.ssh/authorized_keys && chmod 600 /home/deployer/.ssh/authorized_keys`);
    const inputs = ecsInputs(host, { initialValue: "not-roots-password", ...admin("deployer", { privateKey: keyAdmin.privateKey }) });
    const { outs } = await ecs.create(inputs, t.context());
    assert.equal(await loginWith(host, "root", { password: outs.value }), true);
    host = Object.assign(host, { rootPassword: outs.value });
  });

  it("sudo that wants a password from a key-only admin fails naming connection.admin; a re-run after sudoers is fixed completes", async () => {
    const inputs = ecsInputs(host, { managedUser: "alice", initialValue: "nope", secretName: "alice-fix", ...admin("ops", { privateKey: opsKey.privateKey }) });
    await assert.rejects(ecs.create(inputs, t.context()), (e: ManagedSecretsError) => {
      assert.equal(e.code, "TargetCommandFailed");
      assert.equal(e.details.property, "connection.admin");
      assert.match(e.message, /sudo asks ops for a password and connection\.admin has a privateKey/);
      assert.match(e.message, /NOPASSWD/);
      return true;
    });
    assert.equal(await loginWith(host, "alice", { password: host.users.alice! }), true, "alice's password is untouched");

    // The operator allows ops NOPASSWD; running the same create again repairs.
    const fixed = await host.exec("printf 'ops ALL=(ALL:ALL) NOPASSWD: ALL\\n' > /etc/sudoers.d/ops && visudo -cq");
    assert.equal(fixed.code, 0, fixed.stderr);
    try {
      const { outs } = await ecs.create(inputs, t.context());
      assert.equal(await loginWith(host, "alice", { password: outs.value }), true);
      host = Object.assign(host, { users: { ...host.users, alice: outs.value } });
    } finally {
      await host.exec("printf 'ops ALL=(ALL:ALL) ALL\\n' > /etc/sudoers.d/ops");
    }
  });

  it("an admin sudo refuses fails with sudo's own reason, never its password, and changes nothing", async () => {
    const inputs = ecsInputs(host, { managedUser: "alice", initialValue: "nope", secretName: "alice-plain", ...admin("plain", { password: passwords.plain }) });
    await assert.rejects(ecs.create(inputs, t.context()), (e: ManagedSecretsError) => {
      assert.equal(e.code, "TargetCommandFailed");
      assert.equal(e.details.property, "connection.admin");
      assert.match(e.message, /plain@127\.[0-9.]+\) cannot run commands as root through sudo: .*not in the sudoers file/);
      assert.ok(!e.message.includes(passwords.plain));
      return true;
    });
    assert.equal(await loginWith(host, "alice", { password: host.users.alice! }), true);
  });
});
