import assert from "node:assert/strict";
import { floorKeyRotation, floorPasswordRotation, generateFloorKeyPair } from "../../../testkit/ssh-client/bare-ssh2-floor";
import { tryLogin } from "../../../testkit/ssh-client/ssh-client";
import { hostTarget, requireRootForHosts, startSshHost, type StartedSshHost } from "../../../testkit/sshd/ssh-host";

describe("bench floor (bare ssh2) against a real host", () => {
  let host: StartedSshHost;
  let rootKey: { privateKey: string; publicKey: string };

  before(async () => {
    requireRootForHosts();
    rootKey = await generateFloorKeyPair("ed25519", "initial");
    host = await startSshHost({ rootAuthorizedKeys: [rootKey.publicKey] });
  });

  after(async () => {
    await host?.stop();
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed" && host) console.error(`--- sshd log ---\n${host.logs()}`);
  });

  it("floorPasswordRotation: the new password logs in, the old one no longer does", async () => {
    const newPassword = "floor-New-" + host.rootPassword;
    const changesBefore = (await host.readFile("/etc/shadow")).split("\n").find((l) => l.startsWith("root:"));
    await floorPasswordRotation({ ...hostTarget(host), user: "root", oldPassword: host.rootPassword, newPassword });
    const after = (await host.readFile("/etc/shadow")).split("\n").find((l) => l.startsWith("root:"));
    assert.notEqual(after, changesBefore);
    const logins = await Promise.all([
      tryLogin({ ...hostTarget(host), username: "root", password: newPassword }),
      tryLogin({ ...hostTarget(host), username: "root", password: host.rootPassword }),
    ]);
    assert.deepEqual(logins, [true, false]);
    // Exactly one chpasswd session, then exactly one fresh login with the new password (plus ours above).
    assert.equal(host.logs().split("\n").filter((l) => /^Starting session: command for root /.test(l)).length, 1);
  });

  it("floorKeyRotation: rsa then ed25519; each new key logs in, the old key does not, one line remains", async () => {
    const rsa = await floorKeyRotation({ ...hostTarget(host), user: "root", oldPrivateKey: rootKey.privateKey, newKeyType: "rsa" });
    assert.match(rsa.publicKey, /^ssh-rsa AAAAB3NzaC1yc2E/);
    assert.equal(await host.readFile("/root/.ssh/authorized_keys"), rsa.publicKey + "\n");

    const ed = await floorKeyRotation({ ...hostTarget(host), user: "root", oldPrivateKey: rsa.privateKey, newKeyType: "ed25519" });
    assert.match(ed.publicKey, /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5/);
    assert.equal(await host.readFile("/root/.ssh/authorized_keys"), ed.publicKey + "\n");

    const logins = await Promise.all([
      tryLogin({ ...hostTarget(host), username: "root", privateKey: ed.privateKey }),
      tryLogin({ ...hostTarget(host), username: "root", privateKey: rsa.privateKey }),
      tryLogin({ ...hostTarget(host), username: "root", privateKey: rootKey.privateKey }),
    ]);
    assert.deepEqual(logins, [true, false, false]);

    const modes = await host.exec("stat -c '%U %a' /root/.ssh/authorized_keys");
    assert.equal(modes.stdout, "root 600\n");
  });

  it("floor functions throw on a wrong host key or a rejected old credential", async () => {
    await assert.rejects(
      floorPasswordRotation({ ...hostTarget(host), hostKeyFingerprint: "SHA256:" + "A".repeat(43), user: "root", oldPassword: "x", newPassword: "y" }),
      /host key mismatch/,
    );
    const stranger = await generateFloorKeyPair("ed25519");
    await assert.rejects(
      floorKeyRotation({ ...hostTarget(host), user: "root", oldPrivateKey: stranger.privateKey, newKeyType: "ed25519" }),
      /All configured authentication methods failed/,
    );
  });
});
