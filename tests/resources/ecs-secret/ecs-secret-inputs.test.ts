import { strict as assert } from "node:assert";
import * as ecs from "../../../provider/resources/ecs-secret/ecs-secret-handler";
import { ManagedSecretsError } from "../../../provider/core/errors";
import { parseRotationPeriod } from "../../../provider/validation/rotation-period";
import { createTestStore } from "../../../testkit/store/test-store";
import { EcsSshTarget } from "../../../provider/targets/ecs-ssh/ecs-ssh-target";
import { DEFAULT_RETRY, withRetry } from "../../../provider/core/retry";

// A well-formed declaration pointing at a loopback port nobody listens on:
// if any bad input reached the network, the error would be Unreachable, not InvalidInput.
const valid = {
  instanceId: "i-bp1abc",
  managedUser: "root",
  credentialType: "password",
  initialValue: "Initial-Secret-1",
  connection: { host: "127.250.250.250", port: 1, hostKeyFingerprint: `SHA256:${"A".repeat(43)}` },
};

const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
  ["recoveryWindowDays 6", { recoveryWindowDays: 6 }, "recoveryWindowDays", /integer 7\.\.30/],
  ["recoveryWindowDays 31", { recoveryWindowDays: 31 }, "recoveryWindowDays", /integer 7\.\.30/],
  ["rotationPeriod 5h", { rotationPeriod: "5h" }, "rotationPeriod", /between 6h and 8760h/],
  ["rotationPeriod 1y", { rotationPeriod: "1y" }, "rotationPeriod", /unit d, h, m or s/],
  ["rotationPeriod 8761h", { rotationPeriod: "8761h" }, "rotationPeriod", /between 6h and 8760h/],
  ["unknown credentialType", { credentialType: "token" }, "credentialType", /"password" or "keyPair"/],
  ["missing host", { connection: { port: 22, hostKeyFingerprint: valid.connection.hostKeyFingerprint } }, "connection.host", /host name or IP/],
  ["host with a space", { connection: { ...valid.connection, host: "10.0.0.5 -oProxyCommand=x" } }, "connection.host", /host name .* or an IPv4\/IPv6 address/],
  ["host of 1 MB", { connection: { ...valid.connection, host: "a".repeat(1 << 20) } }, "connection.host", /at most 253 characters/],
  ["host label of 64 characters", { connection: { ...valid.connection, host: `${"a".repeat(64)}.example` } }, "connection.host", /labels of 1\.\.63/],
  ["host that is almost an IPv4 address", { connection: { ...valid.connection, host: "10.0.0.256" } }, "connection.host", /IPv4\/IPv6 address/],
  ["host as a URL", { connection: { ...valid.connection, host: "ssh://10.0.0.5" } }, "connection.host", /host name/],
  ["malformed fingerprint", { connection: { host: "10.0.0.1", hostKeyFingerprint: "MD5:aa:bb" } }, "connection.hostKeyFingerprint", /SHA256/],
  ["port 0", { connection: { ...valid.connection, port: 0 } }, "connection.port", /1\.\.65535/],
  ["admin with both password and key", { connection: { ...valid.connection, admin: { user: "root", password: "x", privateKey: "y" } } }, "connection.admin", /exactly one of password or privateKey/],
  ["instance id", { instanceId: "web-1" }, "instanceId", /ECS instance id/],
  ["user name", { managedUser: "Root User" }, "managedUser", /POSIX user name/],
  ["secret name reserved by KMS", { secretName: "acs/ram/user" }, "secretName", /must not start with acs\//],
  ["key algorithm", { keyAlgorithm: "dsa" }, "keyAlgorithm", /"rsa-2048" or "ed25519"/],
  ["password with a line break", { initialValue: "abc\nroot:x" }, "initialValue", /no line break/],
  ["missing initialValue", { initialValue: undefined }, "initialValue", /the credential that works today/],
];

describe("EcsSecret input validation", () => {
  for (const [label, patch, property, reason] of cases) {
    it(`check names ${property} and what is allowed: ${label}`, async () => {
      const result = await ecs.check({}, { ...valid, ...patch });
      const failure = result.failures?.find((f) => f.property === property);
      assert.ok(failure, `expected a failure for ${property}, got ${JSON.stringify(result.failures)}`);
      assert.match(failure.reason, reason);
    });
  }

  it("check accepts a valid declaration and passes the inputs through unchanged", async () => {
    const news = { ...valid, rotationPeriod: "604800s", __provider: "serialized" };
    assert.deepEqual(await ecs.check({}, news), { inputs: news, failures: [] });
  });

  it("create refuses a bad input before contacting the host or touching the store", async () => {
    await using t = await createTestStore();
    await assert.rejects(ecs.create({ ...valid, recoveryWindowDays: 31 }, t.context()), (e: ManagedSecretsError) => {
      assert.equal(e.code, "InvalidInput");
      assert.equal(e.details.property, "recoveryWindowDays");
      return true;
    });
    assert.deepEqual(await t.store.listSecrets({ includePendingDeletion: true }), []);
  });

  it("failure reasons never echo the offending value", async () => {
    const secret = "Leaky\nSecret";
    const result = await ecs.check({}, { ...valid, initialValue: secret, customValue: secret });
    assert.ok(result.failures && result.failures.length >= 2);
    for (const f of result.failures) assert.ok(!f.reason.includes("Leaky"), f.reason);
  });

  it("check accepts host names and IPv4/IPv6 literals for connection.host", async () => {
    for (const host of ["10.0.0.5", "127.0.0.1", "web-1.internal.example", "web-1.internal.example.", "fd00::5", "::1", "localhost"]) {
      const result = await ecs.check({}, { ...valid, connection: { ...valid.connection, host } });
      assert.deepEqual(result.failures, [], host);
    }
  });

  it("a stored target with an invalid host fails once, as an input error the runner does not retry", async () => {
    const target = new EcsSshTarget({
      secretName: "s", managedUser: "root", credentialType: "password", keyAlgorithm: "rsa-2048",
      endpoint: { host: "a".repeat(1 << 20), port: 22, hostKeyFingerprint: valid.connection.hostKeyFingerprint },
    });
    const value = JSON.stringify({ UserName: "root", Password: "Initial-Secret-1" });
    const attempted = await withRetry({ ...DEFAULT_RETRY, sleep: async () => undefined }, () => target.accepts(value));
    assert.equal(attempted.ok, false);
    assert.equal(attempted.attempts, 1);
    const error = (attempted as { error: ManagedSecretsError }).error;
    assert.equal(error.code, "InvalidInput");
    assert.equal(error.details.property, "connection.host");
    assert.ok(error.message.length < 400, "the message does not carry the host back");
  });

  it("rotation periods follow the KMS format and range", () => {
    assert.equal(parseRotationPeriod("7d"), 604800);
    assert.equal(parseRotationPeriod("12h"), 43200);
    assert.equal(parseRotationPeriod("604800s"), 604800);
    assert.equal(parseRotationPeriod("360m"), 21600);
    assert.equal(parseRotationPeriod("8760h"), 8760 * 3600);
    for (const bad of ["5h", "359m", "8761h", "1y", "0d", "-1d", "1.5d", "d", ""]) assert.equal(parseRotationPeriod(bad), undefined, bad);
  });
});
