import { strict as assert } from "node:assert";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { StartedSshHost } from "../../testkit/sshd/ssh-host";
import { pairOf, signsAs, userWithKey } from "../support/ram-fixtures";
import { useRamCli } from "../support/ram-cli";
import { sshHostPerSuite } from "../support/suite-hooks";

/**
 * `managed-secrets adopt` goes through the resources' create path: the same
 * validation (named by flag), the same check that the credential works before
 * anything is stored, and a secret the runner then rotates. Credentials come
 * from files or stdin and never reach stdout or stderr.
 */
describe("managed-secrets adopt", function () {
  const h = useRamCli();
  const cli = h.cli;

  it("ram: adopts a working key from a file, prints no secret, and the runner rotates it when due", async () => {
    const { userName, key } = userWithKey(h.emu, "adopt");
    const file = join(h.t.dir, "ak-secret");
    await writeFile(file, `${key.accessKeySecret}\n`, { mode: 0o600 });
    const r = await cli(["adopt", "ram", "--user-name", userName, "--access-key-id", key.accessKeyId, "--access-key-secret-file", file, "--rotation-period", "7d"]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, new RegExp(`^adopted ram/${userName}: AccessKey ${key.accessKeyId} of RAM user ${userName}`));
    assert.ok(!r.out.includes(key.accessKeySecret) && !r.err.includes(key.accessKeySecret));
    assert.deepEqual(pairOf((await h.t.store.getValue(`ram/${userName}`)).value), key);

    const at = new Date(h.t.clock().getTime() + 8 * 86_400_000).toISOString();
    const run = await cli(["run", "--at", at, "--json"]);
    assert.equal(run.code, 0, run.err);
    const rotated = pairOf((await h.t.store.getValue(`ram/${userName}`)).value);
    assert.notEqual(rotated.accessKeyId, key.accessKeyId);
    assert.match(await signsAs(h.emu, rotated), new RegExp(userName));
  });

  it("ram: the secret may come from stdin (-); a wrong secret is refused and nothing is stored", async () => {
    const { userName, key } = userWithKey(h.emu, "adopt");
    const wrong = await cli(["adopt", "ram", "--user-name", userName, "--access-key-id", key.accessKeyId, "--access-key-secret-file", "-"], `${"W".repeat(30)}\n`);
    assert.equal(wrong.code, 1, wrong.err);
    assert.equal(await h.t.store.describeSecret(`ram/${userName}`), undefined);
    const right = await cli(["adopt", "ram", "--user-name", userName, "--access-key-id", key.accessKeyId, "--access-key-secret-file", "-", "--json"], `${key.accessKeySecret}\n`);
    assert.equal(right.code, 0, right.err);
    const printed = JSON.parse(right.out) as Record<string, unknown>;
    assert.equal(printed.name, `ram/${userName}`);
    assert.equal(printed.accessKeySecret, undefined);
    assert.ok(!right.out.includes(key.accessKeySecret));
  });

  it("bad input is refused by the resources' schema, named by flag, before anything is contacted or stored", async () => {
    const file = join(h.t.dir, "pw");
    await writeFile(file, "Some-Password-123\n", { mode: 0o600 });
    const base = ["adopt", "ecs", "--instance-id", "i-bp1x", "--user", "root", "--type", "password", "--host", "127.0.0.1", "--port", "1", "--value-file", file];
    const badFingerprint = await cli([...base, "--host-key-fingerprint", "MD5:aa"]);
    assert.equal(badFingerprint.code, 2, badFingerprint.err);
    assert.match(badFingerprint.err, /^managed-secrets: InvalidInput: --host-key-fingerprint \(connection\.hostKeyFingerprint\) must be an OpenSSH SHA256 fingerprint/);
    const badPeriod = await cli([...base, "--host-key-fingerprint", `SHA256:${"A".repeat(43)}`, "--rotation-period", "1d2h"]);
    assert.equal(badPeriod.code, 2, badPeriod.err);
    assert.match(badPeriod.err, /--rotation-period \(rotationPeriod\)/);
    const missing = await cli(["adopt", "ram", "--user-name", "u"]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /UsageError: required option '--access-key-id <id>' not specified/);
    const noSecretOnArgv = await cli(["adopt", "ram", "--user-name", "u", "--access-key-id", "LTAI", "--access-key-secret", "x"]);
    assert.equal(noSecretOnArgv.code, 2);
    assert.deepEqual(await h.t.store.listSecrets({}), []);
  });

  describe("ecs (real sshd)", () => {
    let host: StartedSshHost;
    sshHostPerSuite((h) => (host = h));

    it("adopts the root password from stdin after an SSH login proves it, and prints no credential", async () => {
      const r = await cli(
        ["adopt", "ecs", "--instance-id", `i-test${host.port}`, "--user", "root", "--type", "password", "--host", host.host, "--port", String(host.port), "--host-key-fingerprint", host.hostKeyFingerprint, "--value-file", "-", "--rotation-period", "30d"],
        `${host.rootPassword}\n`,
      );
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, new RegExp(`^adopted ecs/i-test${host.port}/root: password of root@i-test${host.port}`));
      assert.ok(!r.out.includes(host.rootPassword) && !r.err.includes(host.rootPassword));
      assert.equal(JSON.parse((await h.t.store.getValue(`ecs/i-test${host.port}/root`)).value).Password, host.rootPassword);
      const check = await cli(["check"]);
      assert.equal(check.code, 0, check.out + check.err);
    });
  });
});
