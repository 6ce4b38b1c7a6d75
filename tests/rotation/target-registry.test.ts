import { strict as assert } from "node:assert";
import { TargetRegistry, type TargetKind } from "../../provider/rotation/target-registry";
import { rotateSecret } from "../../provider/rotation/rotate-secret";
import type { SecretStore } from "../../provider/store/secret-store";
import { isManagedSecretsError } from "../../provider/core/errors";
import { targetRegistry } from "../../provider/context/runtime-context";
import { createTestStore, type TestStore } from "../../testkit/store/test-store";
import { FakeTarget } from "../../testkit/rotation/fake-target";

/**
 * The registry is how the protocol, the runner and the CLI rebuild a
 * secret's target from what the store keeps without naming ECS or RAM. It is
 * a value the runtime context builds and hands out; here one of this test's
 * own, with a kind of its own, on a real store, with the fake target: what is
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
    keys: ["kind", "zone"],
    matches: (m) => m.kind === KIND,
    decode: (r) => ({ zone: r.required("zone", (z) => /^[a-z]+$/.test(z), "lowercase letters") }),
    encode: () => ({ kind: KIND }),
    credentialKey: () => KIND,
    facts: (spec) => ({ family: "fake", subject: `zone/${(spec as { zone: string }).zone}`, description: "a fake", failureDomain: "zone" }),
    build: () => built!,
  };
  const registry = new TargetRegistry([kind]);

  beforeEach(async () => {
    t = await createTestStore();
    built = undefined;
  });
  afterEach(async () => t[Symbol.asyncDispose]());

  it("is a value: two registries know only their own kinds, and a kind listed twice is refused", () => {
    assert.deepEqual(registry.kinds.map((k) => k.name), ["registry test (fake)"]);
    assert.ok(!targetRegistry().kinds.some((k) => k.name === kind.name), "the runtime's registry never learns a kind by someone else's import");
    assert.throws(() => new TargetRegistry([kind, { ...kind }]), /listed twice/);
  });

  it("the keys a store must authenticate are every kind's, the kind first and the rest sorted, whatever order the kinds are listed in", () => {
    const runtime = targetRegistry();
    assert.deepEqual(new TargetRegistry([...runtime.kinds].reverse()).boundKeys, runtime.boundKeys);
    assert.deepEqual(runtime.boundKeys, ["kind", ...runtime.boundKeys.filter((k) => k !== "kind").sort()]);
    for (const key of ["host", "hostKeyFingerprint", "managedUser", "regionId", "userName", "bastionUser", "previousKeyGracePeriodSeconds"]) assert.ok(runtime.boundKeys.includes(key), key);
  });

  it("a secret of a kind it does not know is refused with InvalidInput naming its kind; facts are undefined, never a throw", async () => {
    const meta = await t.store.createSecret({ name: "unknown/kind", description: "", metadata: { kind: "no-such-kind" }, versionId: "v1", value: INITIAL });
    assert.throws(
      () => registry.targetFor(meta, t.context()),
      (e: unknown) => isManagedSecretsError(e, "InvalidInput") && /of kind no-such-kind, which this version cannot rotate/.test(e.message),
    );
    assert.equal(registry.factsOf(meta), undefined);
  });

  it("facts come from the decoded target; a field the kind refuses makes them undefined", async () => {
    const good = await t.store.createSecret({ name: "fake/good", description: "", metadata: { kind: KIND, zone: "north" }, versionId: "v1", value: INITIAL });
    assert.equal(registry.factsOf(good)?.subject, "zone/north");
    const bad = await t.store.createSecret({ name: "fake/bad", description: "", metadata: { kind: KIND, zone: "North;rm" }, versionId: "v1", value: INITIAL });
    assert.equal(registry.factsOf(bad), undefined);
    assert.throws(() => registry.targetFor(bad, t.context()), (e: unknown) => isManagedSecretsError(e, "StoreUnreadable") && e.details.property === "zone");
  });

  it("the store vouches for the target once, before anything reaches it, through a whole rotation", async () => {
    const seen: string[] = [];
    const { store, target } = events(t.store, seen);
    built = target;
    const meta = await store.createSecret({ name: "fake/one", description: "", metadata: { kind: KIND, zone: "south" }, versionId: "v1", value: INITIAL });
    const rebuilt = registry.targetFor(meta, { ...t.context(), store });
    assert.deepEqual(seen, [], "building the target sends nothing");
    const outcome = await rotateSecret({ store, name: meta.name, target: rebuilt, owner: "registry-test", clock: t.clock });
    assert.equal(outcome.versionId, "v2");
    assert.deepEqual(seen, ["store.authenticateTarget", "target.generate", "target.apply", "target.test", "target.retire"]);
  });
});
