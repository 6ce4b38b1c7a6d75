import assert from "node:assert/strict";
import { openSshSession, probeLogin, type SshEndpoint } from "../../provider/ssh/ssh-session";
import { reconfigureSshd } from "../../testkit/sshd/sshd-reconfigure";
import { requireRootForHosts, startSshHost, type StartedSshHost } from "../../testkit/sshd/ssh-host";
import { generateKeyPair } from "../../provider/credentials/generate-key-pair";

/**
 * A login proves the credential it was given, and nothing else: a host that
 * lets an account in with SSH's "none" method (an empty password and
 * PermitEmptyPasswords yes) must not make a key it does not hold look
 * accepted, or the rotation's test step would pass for a key pair the host
 * never took. (Its password method takes any password for such an account:
 * that is the host's answer, not the client's doing.)
 */
describe("ssh logins offer only the credential given", function () {
  this.timeout(60_000);
  let host: StartedSshHost;
  let endpoint: SshEndpoint;

  before(async () => {
    requireRootForHosts();
    host = await startSshHost({ users: [{ name: "nopw" }] });
    endpoint = { host: host.host, port: host.port, hostKeyFingerprint: host.hostKeyFingerprint };
    const cleared = await host.exec("passwd -d nopw");
    assert.equal(cleared.code, 0, cleared.stderr);
    await reconfigureSshd(host, { set: { PermitEmptyPasswords: "yes" } });
  });

  after(async () => {
    await host?.stop();
  });

  it("a host that takes the none method still refuses a key it does not hold", async () => {
    const { privateKey } = await generateKeyPair("ed25519");
    assert.equal(await probeLogin(endpoint, "nopw", { privateKey }), false);
  });

  it("and the session such a key would open is refused with AuthenticationFailed", async () => {
    const { privateKey } = await generateKeyPair("ed25519");
    const error = await openSshSession(endpoint, "nopw", { privateKey }).then(
      (s) => {
        s.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    assert.equal((error as { code?: string } | undefined)?.code, "AuthenticationFailed");
  });
});
