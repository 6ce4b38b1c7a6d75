import { strict as assert } from "node:assert";
import { startSshHost, requireRootForHosts, type StartedSshHost } from "../../testkit/sshd/ssh-host";
import { shq } from "../../provider/ssh/shell-quote";
import { authorizedKeysOf, suAs } from "../../provider/targets/ecs-host/user-shell";
import { APPEND_KEY, RETIRE_KEYS } from "../../provider/targets/ecs-host/authorized-keys-scripts";
import { EcsSshTarget } from "../../provider/targets/ecs-ssh/ecs-ssh-target";
import { EcsCloudAssistantTarget } from "../../provider/targets/ecs-cloud-assistant/cloud-assistant-target";
import { isManagedSecretsError } from "../../provider/core/errors";

/**
 * Every user name, key and marker reaches the host's shell through one quoting
 * helper (shq), and user names also through the scripts built on it (suAs,
 * authorizedKeysOf, the authorized_keys edits). Validation keeps hostile
 * names out; this suite is the second wall: the scripts, handed hostile
 * strings directly, run on a real host and run nothing of the attacker's.
 */
const HOSTILE = [
  "x$(touch /root/pwned-1)",
  "x`touch /root/pwned-2`",
  "x;touch /root/pwned-3;#",
  "x' ; touch /root/pwned-4 ; '",
  'x" ; touch /root/pwned-5 ; "',
  "x\ntouch /root/pwned-6",
  "x|touch /root/pwned-7",
  "-x",
  "x&&touch /root/pwned-8",
  "$(touch /root/pwned-9)",
  "~root/../../root/pwned-10",
  "x\\'$(touch /root/pwned-11)",
];

describe("attack: hostile strings through the shell quoting of scripts (real host)", function () {
  let host: StartedSshHost;

  before(async function () {
    requireRootForHosts();
    host = await startSshHost({ users: [{ name: "alice", password: "alice-Initial-1" }] });
  });
  after(async () => host?.stop());

  async function pwned(): Promise<string> {
    return (await host.exec("ls /root | grep pwned; true")).stdout.trim();
  }

  it("shq: the shell gets back exactly the string, for every hostile string and every byte 1..255", async function () {
    const all = String.fromCharCode(...Array.from({ length: 255 }, (_, i) => i + 1));
    for (const text of [...HOSTILE, all, "", "'", "''", "\\"]) {
      const out = await host.exec(`printf '%s' ${shq(text)}`);
      assert.equal(out.code, 0);
      assert.equal(out.stdout, text);
    }
    assert.equal(await pwned(), "");
  });

  for (const user of HOSTILE) {
    it(`scripts built for the user ${JSON.stringify(user)} run nothing of it`, async function () {
      const scripts = [
        suAs(user, "true"),
        `${authorizedKeysOf(user)}\n[ -f "$f" ] && echo present`,
        APPEND_KEY(user, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostileTestKey0000000000000000000000000000 managed-secrets:x:v1"),
        RETIRE_KEYS(user, "AAAA", "managed-secrets:x:v2", "managed-secrets:x:", [user]),
      ];
      for (const script of scripts) {
        const result = await host.exec(script);
        assert.notEqual(result.code, 0, `a script for a user that does not exist fails: ${script.slice(0, 60)}`);
      }
      assert.equal(await pwned(), "", "no command of the attacker's ran");
    });
  }

  it("a real user's name still works through the same scripts", async function () {
    const line = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIQuotingTestKey00000000000000000000000000000 managed-secrets:q:v1";
    assert.equal((await host.exec(APPEND_KEY("alice", line))).code, 0);
    assert.match(await host.readFile("/home/alice/.ssh/authorized_keys"), /QuotingTestKey/);
    assert.equal((await host.exec(suAs("alice", "id -un"))).stdout.trim(), "alice");
  });

  it("targets refuse a user name check would refuse, before anything is built", () => {
    for (const user of HOSTILE) {
      const refused = (e: unknown) => isManagedSecretsError(e, "InvalidInput") && e.details.property === "managedUser";
      assert.throws(
        () => new EcsSshTarget({ secretName: "s", managedUser: user, credentialType: "password", keyAlgorithm: "rsa-2048", endpoint: { host: host.host, port: host.port, hostKeyFingerprint: host.hostKeyFingerprint } }),
        refused,
      );
      assert.throws(
        () =>
          new EcsCloudAssistantTarget({
            secretName: "s",
            managedUser: user,
            credentialType: "password",
            keyAlgorithm: "rsa-2048",
            regionId: "cn-hangzhou",
            instanceId: "i-x",
            client: () => assert.fail("no client may be made"),
          }),
        refused,
      );
    }
  });
});
