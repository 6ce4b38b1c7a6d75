import { strict as assert } from "node:assert";
import * as ecs from "../../provider/resources/ecs-secret/ecs-secret-handler";
import type { EcsSecretOutputs } from "../../provider/resources/ecs-secret/ecs-secret-handler";
import { sameValue } from "../../provider/resources/same-value";

/**
 * The Pulumi engine hands a provider its old outputs through protobuf Structs,
 * so object keys arrive sorted. Found with the real CLI (tests/engine-cli): an
 * EcsSecret with connection.admin proposed an update on every `pulumi up`.
 */

/** As the engine returns an object: keys in sorted order, at every level. */
function sortedKeys<T>(v: T): T {
  if (Array.isArray(v)) return v.map(sortedKeys) as T;
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortedKeys((v as Record<string, unknown>)[k])])) as T;
  }
  return v;
}

describe("diff against outputs as the engine returns them (sorted keys)", () => {
  const inputs = {
    instanceId: "i-keyorder",
    managedUser: "root",
    credentialType: "password",
    initialValue: "Initial-Passw0rd-1",
    connection: { host: "127.0.0.5", port: 22, hostKeyFingerprint: `SHA256:${"A".repeat(43)}`, admin: { user: "root", password: "Admin-Passw0rd-1" } },
    rotationPeriod: "7d",
    recoveryWindowDays: 7,
  };
  const olds = {
    secretName: "ecs/i-keyorder/root",
    instanceId: "i-keyorder",
    managedUser: "root",
    credentialType: "password",
    keyAlgorithm: "rsa-2048",
    description: "",
    rotationPeriod: "7d",
    rotationPeriodSeconds: 604800,
    recoveryWindowDays: 7,
    forceDeleteWithoutRecovery: false,
    // Written by create in its own order: host, port, hostKeyFingerprint, adminUser.
    connection: { host: "127.0.0.5", port: 22, hostKeyFingerprint: `SHA256:${"A".repeat(43)}`, adminUser: "root" },
    health: { healthy: true, problems: [] },
  } as unknown as EcsSecretOutputs;

  it("an unchanged EcsSecret with an admin connection is no change, whatever the key order", async () => {
    assert.equal((await ecs.diff("ecs/i-keyorder/root", olds, inputs)).changes, false);
    assert.equal((await ecs.diff("ecs/i-keyorder/root", sortedKeys(olds), inputs)).changes, false);
  });

  it("a changed port is still a change", async () => {
    assert.equal((await ecs.diff("ecs/i-keyorder/root", sortedKeys(olds), { ...inputs, connection: { ...inputs.connection, port: 2222 } })).changes, true);
  });

  it("sameValue ignores key order and undefined members, not values", () => {
    assert.equal(sameValue({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } }, { a: { d: [1, { x: 1, y: 2 }] }, b: 1 }), true);
    assert.equal(sameValue({ a: [1, 2] }, { a: [2, 1] }), false);
    assert.equal(sameValue({ a: "1" }, { a: 1 }), false);
  });
});
