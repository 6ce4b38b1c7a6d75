import { strict as assert } from "node:assert";
import { registerTargetKind, registeredTargetKinds, type TargetKind } from "../../provider/rotation/target-registry";
import { targetFromMetadata } from "../../provider/targets/all-targets";
import { rotateSecret } from "../../provider/rotation/rotate-secret";
import type { SecretStore } from "../../provider/store/secret-store";
import { isManagedSecretsError } from "../../provider/core/errors";
import { createTestStore, type TestStore } from "../../testkit/store/test-store";
import { FakeTarget } from "../../testkit/rotation/fake-target";

/**
 * The registry is how the protocol, the runner and the CLI rebuild a
 * secret's target from what the store keeps without naming ECS or RAM. A
 * kind of this test's own, on a real store, with the fake target: what is
 * under test is the registry, not a host.
 */

const KIND = "registry-test";
const INITIAL = JSON.stringify({ UserName: "root", Password: "Initial-Pw-1" });

/** Says, in one list, when the store was asked to vouch for the target and when the target was used. */
function events(store: SecretStore, seen: string[]): { store: SecretStore; target: FakeTarget } {
  const target = new FakeTarget(INITIAL);
  for (const method of ["accepts", "apply", "test", "retire", "generate"] as const) {
    const own = target[method].bind(target) as (...args: unknown[]) => Promise<unknown>;
    Object.assign(target, { [method]: (...args: unknown[]) => (seen.push(`target.${method}`), own(...args)) });
  }
  const vouching = new Proxy(store, {
    get(s, prop, receiver) {
      const value = Reflect.get(s, prop, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (prop === "authenticateTarget") seen.push("store.authenticateTarget");
        return value.apply(s, args);
      };
    },
  });
  return { store: vouching, target };
}

describe("target registry: a secret's target rebuilt from the store (fake target, real store)", function () {
  let t: TestStore;
  let built: FakeTarget | undefined;
  const kind: TargetKind = {
    name: "registry test (fake)",
    keys: ["kind"],
    matches: (m) => m.kind === KIND,
    decode: () => ({}),
    encode: () => ({ kind: KIND }),
    credentialKey: () => KIND,
    build: () => built!,
  };

  before(() => registerTargetKind(kind));
  beforeEach(async () => {
    t = await createTestStore();
    built = undefined;
  });
  afterEach(async () => t[Symbol.asyncDispose]());

  it("registering a kind again (a module loaded twice) lists it once", () => {
    registerTargetKind({ ...kind });
    assert.equal(registeredTargetKinds().filter((k) => k === kind.name).length, 1);
  });

  it("a secret of a kind nobody registered is refused with InvalidInput naming its kind", async () => {
    const meta = await t.store.createSecret({ name: "unknown/kind", description: "", metadata: { kind: "no-such-kind" }, versionId: "v1", value: INITIAL });
    assert.throws(
      () => targetFromMetadata(meta, t.context()),
      (e: unknown) => isManagedSecretsError(e, "InvalidInput") && /of kind no-such-kind, which this version cannot rotate/.test(e.message),
    );
  });

  it("the store vouches for the target once, before anything reaches it, through a whole rotation", async () => {
    const seen: string[] = [];
    const { store, target } = events(t.store, seen);
    built = target;
    const meta = await store.createSecret({ name: "fake/one", description: "", metadata: { kind: KIND }, versionId: "v1", value: INITIAL });
    const rebuilt = targetFromMetadata(meta, { ...t.context(), store });
    assert.deepEqual(seen, [], "building the target sends nothing");
    const outcome = await rotateSecret({ store, name: meta.name, target: rebuilt, owner: "registry-test", clock: t.clock });
    assert.equal(outcome.versionId, "v2");
    assert.deepEqual(seen, ["store.authenticateTarget", "target.generate", "target.apply", "target.test", "target.retire"]);
  });
});
