import { strict as assert } from "node:assert";
import { createTestStore, type TestStore } from "../../testkit/store/test-store";
import type { StartedProviderHost, Props } from "../../testkit/provider-host/dynamic-provider-host";
import { serializeBuiltProvider, startEngineHost, type EngineHost } from "../support/engine-host";
import { arnOf, keysOf, signsAs, startRamEmulator, userWithKey, type RamEmulator } from "../support/ram-fixtures";

const URN = "urn:pulumi:stack::project::pulumi-nodejs:dynamic/alicloud-managed-secrets:RamSecret::app-key";

describe("RamSecret through @pulumi/pulumi's dynamic-provider host over gRPC (emulator)", function () {
  let cloud: RamEmulator;
  let t: TestStore;
  let engine: EngineHost;
  let provider: StartedProviderHost;
  let serialized: string;

  before(async function () {
    serialized = (await serializeBuiltProvider("ram")).text;
    cloud = await startRamEmulator();
    t = await createTestStore();
    engine = await startEngineHost(t, { cloud: cloud.settings, extra: { "project:unrelated": "ignored" } });
    provider = engine.provider;
  });
  after(async () => {
    await engine?.stop();
    await cloud?.stop();
    await t?.[Symbol.asyncDispose]();
  });

  it("check, create, diff, read, update (rotating), delete: as the engine drives them, with no secret in the host's output", async () => {
    const { userName, key } = userWithKey(cloud);
    const inputs: Props = {
      __provider: serialized,
      userName,
      initialAccessKeyId: key.accessKeyId,
      initialAccessKeySecret: key.accessKeySecret,
      rotationPeriod: "30d",
      rotationTrigger: "a",
      previousKeyAction: "deactivate",
      recoveryWindowDays: 7,
    };
    const bad = await provider.check(URN, {}, { ...inputs, previousKeyAction: "disable" });
    assert.deepEqual(bad.failures.map((f) => f.property), ["previousKeyAction"]);
    const checked = await provider.check(URN, {}, inputs);
    assert.deepEqual(checked.failures, []);

    const created = await provider.create(URN, checked.inputs);
    assert.equal(created.id, `ram/${userName}`);
    assert.deepEqual([created.properties.versionId, created.properties.accessKeyId, created.properties.accessKeyStatus], ["v1", key.accessKeyId, "Active"]);
    assert.equal(created.properties.__provider, serialized, "the host keeps __provider in the outputs");

    assert.deepEqual(await provider.diff(URN, created.id, created.properties, checked.inputs), { changes: "none", replaces: [], deleteBeforeReplace: false });
    const refreshed = await provider.read(URN, created.id, created.properties);
    assert.equal(refreshed.properties.accessKeyStatus, "Active");
    assert.equal(refreshed.properties.accessKeyId, key.accessKeyId);

    const news = { ...checked.inputs, rotationTrigger: "b" };
    assert.equal((await provider.diff(URN, created.id, refreshed.properties, news)).changes, "some");
    const updated = await provider.update(URN, created.id, refreshed.properties, news);
    assert.equal(updated.properties.versionId, "v2");
    const fresh = { accessKeyId: updated.properties.accessKeyId as string, accessKeySecret: updated.properties.accessKeySecret as string };
    assert.equal(await signsAs(cloud, fresh), arnOf(cloud, userName));
    assert.equal(await signsAs(cloud, key), "rejected:InvalidAccessKeyId.Inactive");

    await provider.delete(URN, created.id, updated.properties);
    assert.ok((await t.store.describeSecret(created.id))?.plannedDeleteAt, "deletion is scheduled, not immediate");
    assert.equal(await signsAs(cloud, fresh), arnOf(cloud, userName), "deletion leaves the user's keys alone");
    assert.equal((await keysOf(cloud, userName)).length, 2);
    for (const secret of [key.accessKeySecret, fresh.accessKeySecret, cloud.settings.accessKeySecret!, t.passphrase]) {
      assert.ok(!provider.stderr().includes(secret), "the host's own logging never shows a credential");
      assert.ok(!cloud.log.join("\n").includes(secret), "nor does the cloud's call log");
    }
  });

  it("a provider error reaches the engine as a readable message with the failing property and no credential", async () => {
    const { userName, key } = userWithKey(cloud);
    const wrong = "Wrong-Adopted-Secret-012345678";
    await assert.rejects(provider.create(URN, { __provider: serialized, userName, initialAccessKeyId: key.accessKeyId, initialAccessKeySecret: wrong }), (e: Error) => {
      assert.match(e.message, new RegExp(`initialAccessKeySecret does not belong to AccessKey ${key.accessKeyId}`));
      assert.ok(!e.message.includes(wrong) && !e.message.includes(key.accessKeySecret));
      return true;
    });
    assert.ok(!provider.stderr().includes(wrong));
  });
});
