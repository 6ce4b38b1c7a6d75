import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { startSshHost, requireRootForHosts, type StartedSshHost } from "../../testkit/sshd/ssh-host";
import { createTestStore, type TestStore } from "../../testkit/store/test-store";
import type { StartedProviderHost, Props } from "../../testkit/provider-host/dynamic-provider-host";
import { serializeBuiltProvider, startEngineHost, type EngineHost } from "../support/engine-host";
import { tryLogin } from "../../testkit/ssh-client/ssh-client";

const URN = "urn:pulumi:stack::project::pulumi-nodejs:dynamic/alicloud-managed-secrets:EcsSecret::web-1-root";

describe("EcsSecret through @pulumi/pulumi's dynamic-provider host over gRPC (real sshd)", function () {
  let host: StartedSshHost;
  let t: TestStore;
  let engine: EngineHost;
  let project: { readonly dir: string };
  let provider: StartedProviderHost;
  let serialized: string;

  before(async function () {
    requireRootForHosts();
    serialized = (await serializeBuiltProvider("ecs")).text;
    host = await startSshHost();
    t = await createTestStore();
    engine = await startEngineHost(t, { extra: { "project:unrelated": "ignored" } });
    provider = engine.provider;
    project = engine.project;
  });
  after(async () => {
    await engine?.stop();
    await host?.stop();
    await t?.[Symbol.asyncDispose]();
  });

  it("check, create, diff, read, update (rotating), delete: as the engine drives them", async () => {
    const inputs: Props = {
      __provider: serialized,
      instanceId: "i-engine1",
      managedUser: "root",
      credentialType: "password",
      initialValue: host.rootPassword,
      connection: { host: host.host, port: host.port, hostKeyFingerprint: host.hostKeyFingerprint },
      rotationPeriod: "30d",
      rotationTrigger: "a",
      recoveryWindowDays: 7,
    };
    const bad = await provider.check(URN, {}, { ...inputs, recoveryWindowDays: 3 });
    assert.deepEqual(bad.failures, [{ property: "recoveryWindowDays", reason: "must be an integer 7..30" }]);
    const checked = await provider.check(URN, {}, inputs);
    assert.deepEqual(checked.failures, []);

    const created = await provider.create(URN, checked.inputs);
    assert.equal(created.id, "ecs/i-engine1/root");
    assert.equal(created.properties.versionId, "v1");
    assert.equal(created.properties.__provider, serialized, "the host keeps __provider in the outputs");

    assert.deepEqual(await provider.diff(URN, created.id, created.properties, checked.inputs), { changes: "none", replaces: [], deleteBeforeReplace: false });
    const refreshed = await provider.read(URN, created.id, created.properties);
    assert.equal(refreshed.id, created.id);
    assert.deepEqual(refreshed.properties, created.properties);

    const news = { ...checked.inputs, rotationTrigger: "b" };
    assert.equal((await provider.diff(URN, created.id, created.properties, news)).changes, "some");
    const updated = await provider.update(URN, created.id, created.properties, news);
    assert.equal(updated.properties.versionId, "v2");
    const login = (password: string) => tryLogin({ host: host.host, port: host.port, hostKeyFingerprint: host.hostKeyFingerprint, username: "root", password });
    assert.equal(await login(updated.properties.value as string), true);
    assert.equal(await login(host.rootPassword), false);

    await provider.delete(URN, created.id, updated.properties);
    assert.ok((await t.store.describeSecret(created.id))?.plannedDeleteAt, "deletion is scheduled, not immediate");
    assert.equal(await login(updated.properties.value as string), true, "deletion leaves the instance alone");
    for (const secret of [host.rootPassword, updated.properties.value as string, t.passphrase]) {
      assert.ok(!provider.stderr().includes(secret), "the host's own logging never shows a credential");
    }
  });

  it("a provider error reaches the engine as a readable message with no credential", async () => {
    const wrong = "Wrong-Initial-Password-5";
    const inputs: Props = {
      __provider: serialized,
      instanceId: "i-engine2",
      managedUser: "root",
      credentialType: "password",
      initialValue: wrong,
      connection: { host: host.host, port: host.port, hostKeyFingerprint: host.hostKeyFingerprint },
    };
    await assert.rejects(provider.create(URN, inputs), (e: Error) => {
      assert.match(e.message, /rejected initialValue, and no connection\.admin is set/);
      assert.ok(!e.message.includes(wrong));
      return true;
    });
    assert.ok(!provider.stderr().includes(wrong));
    assert.ok(existsSync(join(project.dir, "node_modules", "alicloud-managed-secrets", "dist", "provider", "runtime.js")));
  });
});
