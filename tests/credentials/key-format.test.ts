import { strict as assert } from "node:assert";
import { createPrivateKey } from "node:crypto";
import { utils } from "ssh2";
import { generateKeyPair, PUBLIC_KEY_COMMENT } from "../../provider/credentials/generate-key-pair";
import { EcsSshTarget } from "../../provider/targets/ecs-ssh/ecs-ssh-target";
import { decodeEcsValue } from "../../provider/targets/ecs-host/ecs-value";
import { tryLogin } from "../../testkit/ssh-client/ssh-client";
import { hostTarget, requireRootForHosts, startSshHost, type StartedSshHost } from "../../testkit/sshd/ssh-host";

/**
 * Stored ECS private keys in the format KMS documents (issue 12 #17): RSA as
 * PKCS#1 PEM with a commented public key line, ed25519 in OpenSSH format
 * (PEM cannot hold it), and values stored earlier (OpenSSH-format RSA, public
 * key without a comment) still read and rotated away from.
 */

const PEM_RSA = /^-----BEGIN RSA PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END RSA PRIVATE KEY-----\n?$/;

function blobOf(privateKey: string): string {
  const parsed = utils.parseKey(privateKey);
  assert.ok(!(parsed instanceof Error) && !Array.isArray(parsed));
  return `${parsed.type} ${parsed.getPublicSSH().toString("base64")}`;
}

/** What generateKeyPair("rsa-2048") stored before: ssh2's OpenSSH-format RSA key and a bare "type base64" line. */
function legacyRsaPair(): Promise<{ privateKey: string; publicKey: string }> {
  return new Promise((resolve, reject) =>
    utils.generateKeyPair("rsa", { bits: 2048 }, (err, kp) => (err ? reject(err) : resolve({ privateKey: kp.private, publicKey: blobOf(kp.private) }))),
  );
}

describe("Stored ECS key formats", function () {
  it("a generated RSA key is PKCS#1 PEM, 2048 bits, with a commented OpenSSH public key line of the same key", async function () {
    const pair = await generateKeyPair("rsa-2048");
    // assert.ok, not match: a failed match would print the private key.
    assert.ok(PEM_RSA.test(pair.privateKey), "PKCS#1 PEM");
    const key = createPrivateKey(pair.privateKey);
    assert.equal(key.asymmetricKeyType, "rsa");
    assert.equal(key.asymmetricKeyDetails?.modulusLength, 2048);
    assert.equal(pair.publicKey, `${blobOf(pair.privateKey)} ${PUBLIC_KEY_COMMENT}`);
    assert.match(pair.publicKey, /^ssh-rsa AAAAB3NzaC1yc2E[A-Za-z0-9+/=]+ managed-secrets$/);
  });

  it("a generated ed25519 key stays in OpenSSH format (PKCS#1 has none, ssh2 reads no PKCS#8), its public line commented too", async function () {
    const pair = await generateKeyPair("ed25519");
    assert.ok(pair.privateKey.startsWith("-----BEGIN OPENSSH PRIVATE KEY-----\n"), "OpenSSH format");
    assert.match(pair.publicKey, /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5[A-Za-z0-9+/=]+ managed-secrets$/);
    assert.equal(pair.publicKey, `${blobOf(pair.privateKey)} ${PUBLIC_KEY_COMMENT}`);
  });

  describe("on a real sshd", function () {
    let host: StartedSshHost;
    const secretName = "ecs/i-keyformat/root";
    let legacy: { privateKey: string; publicKey: string };

    before(async function () {
      requireRootForHosts();
      legacy = await legacyRsaPair();
      // As the earlier version left a host it had rotated to v1.
      host = await startSshHost({ rootAuthorizedKeys: [`${legacy.publicKey} managed-secrets:${secretName}:v1`] });
    });
    after(async () => host?.stop());

    it("rotates away from a stored OpenSSH-format RSA value to a PEM key that ssh2 logs in with, and retires the old line", async function () {
      const target = new EcsSshTarget({ secretName, managedUser: "root", credentialType: "keyPair", keyAlgorithm: "rsa-2048", endpoint: hostTarget(host) });
      const old = JSON.stringify({ UserName: "root", PublicKey: legacy.publicKey, PrivateKey: legacy.privateKey });
      assert.equal(await target.accepts(old), true, "the earlier format still logs in");

      const pending = await target.generate();
      const next = decodeEcsValue(pending);
      assert.ok("PrivateKey" in next);
      assert.ok(PEM_RSA.test(next.PrivateKey), "PKCS#1 PEM");
      assert.match(next.PublicKey, / managed-secrets$/);

      await target.apply(old, pending, "v2");
      const tested = await target.test(pending);
      assert.ok(tested, "a fresh ssh2 login with the PEM key");
      try {
        await target.retire(pending, "v2", async () => [old], tested);
      } finally {
        tested.close();
      }

      const login = (privateKey: string) => tryLogin({ ...hostTarget(host), username: "root", privateKey });
      assert.equal(await login(next.PrivateKey), true);
      assert.equal(await login(legacy.privateKey), false, "the old key is retired");
      assert.equal(await host.readFile("/root/.ssh/authorized_keys"), `${next.PublicKey} managed-secrets:${secretName}:v2\n`);
    });
  });
});
