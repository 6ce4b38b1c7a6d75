import { strict as assert } from "node:assert";
import { rotateSecret } from "../../provider/rotation/rotate-secret";
import { targetRegistry } from "../../provider/context/runtime-context";
import { KmsSecretStore } from "../../provider/store/kms/kms-store";
import { createKmsClient } from "../../provider/alicloud/kms-client";
import { openApiConfig } from "../../provider/alicloud/cloud-settings";
import { kmsCall, expectApiError } from "../support/emulator-helpers";
import { expectError } from "../support/expect-error";
import { NO_WAIT, startKmsEmulatorStore, type KmsEmulatorStore } from "../../testkit/store/kms-emulator-store";
import { createTestClock, type TestClock } from "../../testkit/clock/test-clock";
import { FakeTarget } from "../../testkit/rotation/fake-target";
import { isManagedSecretsError } from "../../provider/core/errors";
import { legacyBinding } from "./fixtures/legacy-binding";

const VALUE = JSON.stringify({ UserName: "root", Password: "Bound-Initial-Pw-1" });
/** Where the credential went first, with a bastion; then re-declared elsewhere, without one. */
const T1 = { kind: "ecs", instanceId: "i-bound", managedUser: "root", host: "127.0.0.10", port: "22", hostKeyFingerprint: "SHA256:first", bastionHost: "127.0.0.20" };
const T2 = { kind: "ecs", instanceId: "i-bound", managedUser: "root", host: "127.0.0.11", port: "22", hostKeyFingerprint: "SHA256:second" };
/** A Pulumi program declaring T2: every target entry set by the write itself (and the bastion removed). */
const DECLARE_T2 = { ...T2, bastionHost: null, rotationPeriodSeconds: "2592000" };
const WRITES = new Set(["AsymmetricSign", "CreateSecret", "PutSecretValue", "UpdateSecretVersionStage", "TagResource", "UntagResource"]);

type Tag = { TagKey: string; TagValue: string };

/**
 * The kms store's target bindings, call by call against the emulator: every
 * write of a re-declared target or of a rotation's finish may be the last
 * one before a crash, and each leaves the secret's target either verified
 * or refused, never a binding a copy can turn against it; a re-run repairs it.
 */
describe("kms store: target bindings through crashes, re-declared targets and refused signers (emulator)", function () {
  let kms: KmsEmulatorStore;
  let clock: TestClock;

  beforeEach(async () => {
    clock = createTestClock(new Date());
    kms = await startKmsEmulatorStore({ clock });
  });
  afterEach(async () => kms.dispose());

  const create = (name: string, metadata: Record<string, string> = T1) => kms.store.createSecret({ name, description: "", metadata, versionId: "v1", value: VALUE });
  const tagsOf = async (name: string) =>
    ((await kmsCall(kms.emulator, "DescribeSecret", { SecretName: name, FetchTags: true })).Tags as { Tag: Tag[] }).Tag.filter((t) => t.TagKey.startsWith("managed-secrets"));
  const putBack = (name: string, tags: Tag[]) => kmsCall(kms.emulator, "TagResource", { SecretName: name, Tags: JSON.stringify(tags) });
  /** A fresh process's verdict on the target the tags name now. */
  const verdict = async (name: string): Promise<"verified" | "refused"> => {
    const store = kms.another();
    const meta = (await store.describeSecret(name))!;
    try {
      await store.authenticateTarget(name, meta.metadata);
      return "verified";
    } catch (e) {
      if (isManagedSecretsError(e, "TargetUnverified")) return "refused";
      throw e;
    }
  };
  const targetNow = async (name: string) => {
    const m = (await kms.another().describeSecret(name))!.metadata;
    return targetRegistry().boundKeys.filter((k) => Object.hasOwn(m, k)).map((k) => `${k}=${m[k]}`).join(" ");
  };
  const target = (t: Record<string, string>) => targetRegistry().boundKeys.filter((k) => Object.hasOwn(t, k)).map((k) => `${k}=${t[k]}`).join(" ");
  const stages = async (name: string) => (await kms.another().describeSecret(name))!.versions.map((v) => [v.versionId, v.stages]);
  /** The writes `run` sends, as (action, how many of that action so far): the points a crash can come before. */
  async function writesOf(run: () => Promise<unknown>): Promise<Array<[string, number]>> {
    kms.calls.length = 0;
    await run();
    const seen = new Map<string, number>();
    return kms.actions().filter((a) => WRITES.has(a)).map((a) => {
      seen.set(a, (seen.get(a) ?? 0) + 1);
      return [a, seen.get(a)!] as [string, number];
    });
  }
  const crashBefore = (action: string, nth: number) =>
    kms.emulator.control.injectFault({ action, nth, times: 1, code: "Injected.ProcessDied", httpStatus: 400, message: "the process died before this call" });

  it("a re-declared target, cut short before each of its writes: the old target verified or the secret refused, a copied old binding refused once the value moved, and a re-run binds the new target", async () => {
    await create("twin");
    const points = await writesOf(() => kms.store.updateSecret("twin", { metadata: DECLARE_T2 }));
    // Signed first, then the value again as v2 (ACSCurrent), ACSPrevious back, the tags with the binding, the bastion's tag removed.
    assert.deepEqual(points.map(([a]) => a), ["AsymmetricSign", "PutSecretValue", "TagResource", "UntagResource"]);
    for (const [action, nth] of points) {
      const name = `crash/${action}/${nth}`;
      await create(name);
      const copied = await tagsOf(name);
      crashBefore(action, nth);
      await expectError(kms.store.updateSecret(name, { metadata: DECLARE_T2 }), "CloudRejected", { message: /Injected\.ProcessDied/ });
      kms.emulator.control.clearFaults();
      const moved = (await stages(name)).length > 1;
      const now = await verdict(name);
      if (now === "verified") assert.equal(await targetNow(name), moved ? target(T2) : target(T1), `${name}: a verified target is a declared one`);
      if (moved && (await targetNow(name)) === target(T1)) assert.equal(now, "refused", `${name}: the old target is never verified once the value moved`);

      // An attacker who copied the tags before puts them back, then the program's next `pulumi up` runs.
      await putBack(name, copied);
      assert.equal(await verdict(name), moved ? "refused" : "verified", `${name}: the copy holds only while the value has not moved`);
      await kms.store.updateSecret(name, { metadata: DECLARE_T2 });
      assert.equal(await verdict(name), "verified", `${name}: the re-run binds the declared target`);
      assert.equal(await targetNow(name), target(T2));
      await putBack(name, copied);
      assert.equal(await verdict(name), "refused", `${name}: after the re-run the copy is refused`);
    }
  });

  it("a rotation cut short before each of its writes leaves the target verified, and the re-run moves the binding to the new current version", async () => {
    const rotate = (name: string, t: FakeTarget) => rotateSecret({ store: kms.store, name, target: t, owner: "runner", clock });
    await create("twin");
    const points = await writesOf(() => rotate("twin", new FakeTarget(VALUE)));
    assert.ok(points.some(([a]) => a === "AsymmetricSign"), JSON.stringify(points));
    for (const [action, nth] of points) {
      const name = `rot/${action}/${nth}`;
      await create(name);
      const fake = new FakeTarget(VALUE);
      crashBefore(action, nth);
      await rotate(name, fake).catch(() => undefined);
      kms.emulator.control.clearFaults();
      assert.equal(await verdict(name), "verified", `${name}: a rotation never leaves its own target unverified`);
      await rotate(name, fake);
      assert.equal(await verdict(name), "verified");
      const current = (await kms.another().getValue(name)).versionId;
      assert.equal((await tagsOf(name)).find((t) => t.TagKey === "managed-secrets:binding")!.TagValue.split(":")[1], current, `${name}: bound to the current version`);
      assert.equal(await fake.accepts((await kms.another().getValue(name)).value), true, `${name}: the current value works`);
    }
  });

  it("a rotation's pending version, signed for the old target before a crash, never becomes current after the target is re-declared: its value comes back as a newer version", async () => {
    await create("moving");
    const fake = new FakeTarget(VALUE);
    const rotate = () => rotateSecret({ store: kms.store, name: "moving", target: fake, owner: "runner", clock });
    // Finish signs v2 for T1, then dies before ACSCurrent moves to it.
    const points = await writesOf(async () => {
      await create("moving-twin");
      await rotateSecret({ store: kms.store, name: "moving-twin", target: new FakeTarget(VALUE), owner: "runner", clock });
    });
    const move = points.filter(([a]) => a === "UpdateSecretVersionStage")[1]!;
    crashBefore(...move);
    await expectError(rotate(), "CloudRejected");
    kms.emulator.control.clearFaults();
    const copied = await tagsOf("moving");
    assert.match(copied.find((t) => t.TagKey === "managed-secrets:binding")!.TagValue, /:v2$/, "the pending version was bound for T1");
    const pendingValue = (await kms.store.getValue("moving", { stage: "ACSPending" })).value;

    await kms.store.updateSecret("moving", { metadata: DECLARE_T2 });
    assert.deepEqual(await stages("moving"), [["v1", ["ACSPrevious"]], ["v2", ["ACSPending"]], ["v3", ["ACSCurrent"]]]);
    await rotate();
    // v2 (bound to T1 once) stays behind; v4 holds its value, bound to T2.
    assert.deepEqual(await stages("moving"), [["v1", []], ["v2", []], ["v3", ["ACSPrevious"]], ["v4", ["ACSCurrent"]]]);
    assert.equal((await kms.store.getValue("moving")).value, pendingValue);
    assert.equal(await verdict("moving"), "verified");
    assert.equal(await targetNow("moving"), target(T2));
    await putBack("moving", copied);
    assert.equal(await verdict("moving"), "refused", "the copy of v2's binding names a version older than the current one");
    assert.deepEqual([...fake.accepted], [pendingValue], "retire revoked the old value, not the kept one's copy");
  });

  it("a rotation by a process whose clock is behind KMS's finishes on its own pending version: what it wrote is newer than what KMS held", async () => {
    await create("skewed");
    clock.advance(30 * 86_400_000);
    // The FC runner judges with the machine's clock; KMS stamps versions with its own, here two months ahead (v1 is a month old).
    const behind = () => new Date(clock().getTime() - 60 * 86_400_000);
    const outcome = await rotateSecret({ store: kms.another({ clock: behind }), name: "skewed", target: new FakeTarget(VALUE), owner: "runner", clock: behind });
    assert.equal(outcome.versionId, "v2");
    assert.deepEqual(await stages("skewed"), [["v1", ["ACSPrevious"]], ["v2", ["ACSCurrent"]]], "no copy: v2 was never taken for an older version");
    assert.equal(await verdict("skewed"), "verified");
  });

  it("re-declaring keeps ACSPrevious on the previous credential, also after a re-declare that died before putting it back", async () => {
    await create("prev");
    const fake = new FakeTarget(VALUE);
    await rotateSecret({ store: kms.store, name: "prev", target: fake, owner: "runner", clock });
    await kms.store.updateSecret("prev", { metadata: DECLARE_T2 });
    assert.deepEqual(await stages("prev"), [["v1", ["ACSPrevious"]], ["v2", []], ["v3", ["ACSCurrent"]]]);
    assert.equal((await kms.store.getValue("prev", { stage: "ACSPrevious" })).value, VALUE);

    crashBefore("UpdateSecretVersionStage", 1);
    await expectError(kms.store.updateSecret("prev", { metadata: { ...T1, rotationPeriodSeconds: "2592000" } }), "CloudRejected");
    kms.emulator.control.clearFaults();
    assert.deepEqual(await stages("prev"), [["v1", []], ["v2", []], ["v3", ["ACSPrevious"]], ["v4", ["ACSCurrent"]]], "ACSPrevious left on a copy of the current value");
    await kms.store.updateSecret("prev", { metadata: { ...T1, rotationPeriodSeconds: "2592000" } });
    assert.equal((await kms.store.getValue("prev", { stage: "ACSPrevious" })).value, VALUE, "back on the previous credential");
    assert.equal(await verdict("prev"), "verified");
  });

  it("a principal that may read the value, tag the secret and read the binding key's public key cannot make a binding: AsymmetricSign is refused, nothing is written", async () => {
    await create("guarded");
    const region = kms.emulator.regionId;
    const account = kms.emulator.accountId;
    kms.emulator.control.createUser({ name: "consumer" });
    const creds = kms.emulator.control.createAccessKey("consumer");
    kms.emulator.control.createPolicy({
      name: "consume-and-tag",
      document: {
        Version: "1",
        Statement: [
          {
            Effect: "Allow",
            Action: ["kms:GetSecretValue", "kms:DescribeSecret", "kms:ListSecretVersionIds", "kms:TagResource", "kms:UntagResource", "kms:PutSecretValue", "kms:UpdateSecretVersionStage"],
            Resource: [`acs:kms:${region}:${account}:secret/*`],
          },
          { Effect: "Allow", Action: ["kms:ListKeyVersions", "kms:GetPublicKey"], Resource: [`acs:kms:${region}:${account}:key/${kms.bindingKeyId}`] },
        ],
      },
    });
    kms.emulator.control.attachPolicyToUser("consumer", "consume-and-tag");
    const cloud = { ...kms.cloud, accessKeyId: creds.accessKeyId, accessKeySecret: creds.accessKeySecret };
    const consumer = new KmsSecretStore({ client: createKmsClient(openApiConfig(cloud, "kms.invalid"), NO_WAIT), bindingKeyId: kms.bindingKeyId, boundKeys: targetRegistry().boundKeys });
    await consumer.authenticateTarget("guarded", T1);
    const before = [await tagsOf("guarded"), await stages("guarded")];
    const evil = { ...T1, host: "127.0.0.66", hostKeyFingerprint: "SHA256:attacker" };
    await expectError(consumer.updateSecret("guarded", { metadata: evil }), "CloudRejected", { message: /allows kms:AsymmetricSign/ });
    assert.deepEqual([await tagsOf("guarded"), await stages("guarded")], before, "nothing was written");
    const [version] = ((await kmsCall(kms.emulator, "ListKeyVersions", { KeyId: kms.bindingKeyId! })).KeyVersions as { KeyVersion: { KeyVersionId: string }[] }).KeyVersion;
    await expectApiError(
      kmsCall(kms.emulator, "AsymmetricSign", { KeyId: kms.bindingKeyId!, KeyVersionId: version!.KeyVersionId, Algorithm: "ECDSA_SHA_256", Digest: Buffer.alloc(32).toString("base64") }, { creds }),
      { code: "Forbidden.NoPermission", statusCode: 403 },
    );
    // What it can do, tag the secret, leaves a target nobody follows.
    await putBack("guarded", [{ TagKey: "managed-secrets/host", TagValue: evil.host }, { TagKey: "managed-secrets/hostKeyFingerprint", TagValue: evil.hostKeyFingerprint }]);
    assert.equal(await verdict("guarded"), "refused");
  });

  it("a rotator that may verify bindings but not sign them fails before the target is touched, not at finish after the host took the new value", async () => {
    await create("unsigned");
    const region = kms.emulator.regionId;
    const account = kms.emulator.accountId;
    kms.emulator.control.createUser({ name: "half-runner" });
    const creds = kms.emulator.control.createAccessKey("half-runner");
    kms.emulator.control.createPolicy({
      name: "rotate-without-signing",
      document: {
        Version: "1",
        Statement: [
          { Effect: "Allow", Action: ["kms:*"], Resource: [`acs:kms:${region}:${account}:secret/*`] },
          { Effect: "Allow", Action: ["kms:ListKeyVersions", "kms:GetPublicKey"], Resource: [`acs:kms:${region}:${account}:key/${kms.bindingKeyId}`] },
        ],
      },
    });
    kms.emulator.control.attachPolicyToUser("half-runner", "rotate-without-signing");
    const cloud = { ...kms.cloud, accessKeyId: creds.accessKeyId, accessKeySecret: creds.accessKeySecret };
    const runner = new KmsSecretStore({ client: createKmsClient(openApiConfig(cloud, "kms.invalid"), NO_WAIT), bindingKeyId: kms.bindingKeyId, boundKeys: targetRegistry().boundKeys });
    const target = new FakeTarget(VALUE);
    await expectError(rotateSecret({ store: runner, name: "unsigned", target, owner: "half-runner", clock: () => new Date() }), "CloudRejected", { message: /allows kms:AsymmetricSign/ });
    assert.deepEqual([...target.accepted], [VALUE], "the target never saw a new value");
    assert.deepEqual(await stages("unsigned"), [["v1", ["ACSCurrent"]]], "no pending version is left for consumers to trip on");
  });

  it("a binding of an earlier release is refused, and the program's next declaration binds its target anew, in a new version", async () => {
    await create("old-release", T2);
    await putBack("old-release", [{ TagKey: "managed-secrets:binding", TagValue: legacyBinding("old-release", "v1", VALUE, T2) }]);
    await expectError(kms.another().authenticateTarget("old-release", T2), "TargetUnverified", { message: /bound by an earlier release of managed-secrets/ });
    await kms.store.updateSecret("old-release", { metadata: DECLARE_T2 });
    assert.equal(await verdict("old-release"), "verified");
    assert.deepEqual((await stages("old-release")).at(-1), ["v2", ["ACSCurrent"]]);
    await kms.store.updateSecret("old-release", { metadata: DECLARE_T2 });
    assert.equal((await stages("old-release")).length, 2, "a declaration the binding holds for writes no version");
  });

  it("refuses, before anything is written, a versionId that leaves no room for the signature in the tag, and a binding key KMS cannot sign with", async () => {
    const long = `v${"1".repeat(31)}`;
    await expectError(kms.store.createSecret({ name: "long", description: "", metadata: T1, versionId: long, value: VALUE }), "InvalidInput", {
      property: "versionId",
      message: /^versionId must be at most 31 characters in the kms store with a binding key: it is kept beside the binding's signature in one KMS tag value of at most 128$/,
    });
    await kms.another({ bindingKeyId: null }).createSecret({ name: "long", description: "", metadata: T1, versionId: long, value: VALUE });

    const aes = kms.emulator.control.createKmsKey({ keySpec: "Aliyun_AES_256" }).keyId;
    kms.calls.length = 0;
    await expectError(kms.another({ bindingKeyId: aes }).createSecret({ name: "aes", description: "", metadata: T1, versionId: "v1", value: VALUE }), "StoreConfig", {
      property: "managed-secrets:bindingKeyId",
      message: /^the key set in managed-secrets:bindingKeyId \(or MANAGED_SECRETS_BINDING_KEY_ID\) cannot sign with ECDSA_SHA_256: use an EC_P256 key with KeyUsage SIGN\/VERIFY \(KMS AsymmetricSign: Rejected\.UnsupportedOperation, request id /,
    });
    await expectError(kms.another({ bindingKeyId: "key-nosuchkey0000000000000" }).createSecret({ name: "none", description: "", metadata: T1, versionId: "v1", value: VALUE }), "StoreConfig", {
      message: /^KMS has no key with the id set in managed-secrets:bindingKeyId/,
    });
    assert.ok(!kms.actions().includes("CreateSecret"), "no secret was created");
  });

  it("a store opened without boundKeys is refused: binding nothing would let every stored target through", async () => {
    await expectError(() => new KmsSecretStore({ client: createKmsClient(openApiConfig(kms.cloud, "kms.invalid")), boundKeys: [] }), "StoreConfig", { property: "boundKeys" });
    assert.equal(targetRegistry().boundKeys[0], "kind", "the kind comes first: alone it names no target");
  });
});
