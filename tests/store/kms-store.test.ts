import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { openApiConfig } from "../../provider/alicloud/cloud-settings";
import { createKmsClient } from "../../provider/alicloud/kms-client";
import { ManagedSecretsError } from "../../provider/core/errors";
import { configureFromStack, resetStackConfig, runtimeContext } from "../../provider/context/runtime-context";
import { KmsSecretStore } from "../../provider/store/kms/kms-store";
import { targetRegistry } from "../../provider/context/runtime-context";
import { CLOUD_API_RETRY } from "../../provider/core/retry";
import { kmsCall } from "../support/emulator-helpers";
import { expectError } from "../support/expect-error";
import { startKmsEmulatorStore, type KmsEmulatorStore } from "../../testkit/store/kms-emulator-store";
import { describeStoreContract } from "./store-contract";
import { createTestClock, type TestClock } from "../../testkit/clock/test-clock";

describeStoreContract("kms (emulator, real signing)", async (clock) => {
  const kms = await startKmsEmulatorStore({ clock });
  return { store: kms.store, dispose: kms.dispose };
});

const DAY = 24 * 60 * 60 * 1000;
const PASSWORD = "Kms-Store-Pw-4d9!x";
const value = (password = PASSWORD) => JSON.stringify({ UserName: "root", Password: password });
const stagesOf = (body: Record<string, unknown>) => (body.VersionStages as { VersionStage: string[] }).VersionStage;
const TABLE = "managed-secrets-leases";

describe("KmsSecretStore (KMS specifics, through the emulator)", function () {
  let clock: TestClock;
  let kms: KmsEmulatorStore;
  const raw = (action: string, query: Record<string, string | number | boolean>) => kmsCall(kms.emulator, action, query);

  beforeEach(async function () {
    clock = createTestClock();
    kms = await startKmsEmulatorStore({ clock });
  });
  afterEach(async function () {
    await kms.dispose();
  });

  const create = (name = "ecs/i-1/root", metadata: Record<string, string> = { kind: "ecs", instanceId: "i-1" }) =>
    kms.store.createSecret({ name, description: "root of i-1", metadata, versionId: "v1", value: value() });

  describe("what a standard KMS client sees", function () {
    it("reads the stored JSON as ACSCurrent, and never a lease, through rotations and leases", async function () {
      await create();
      assert.equal(await kms.store.acquireLease("ecs/i-1/root", "runner", 60_000), true);
      await kms.store.putValue("ecs/i-1/root", { versionId: "v2", value: value("Second-Pw-1"), stages: ["ACSPending"] });
      await kms.store.updateVersionStage("ecs/i-1/root", { stage: "ACSPrevious", moveToVersionId: "v1" });
      await kms.store.updateVersionStage("ecs/i-1/root", { stage: "ACSCurrent", moveToVersionId: "v2", removeFromVersionId: "v1" });
      await kms.store.updateVersionStage("ecs/i-1/root", { stage: "ACSPending", removeFromVersionId: "v2" });
      await kms.store.releaseLease("ecs/i-1/root", "runner");

      const current = await raw("GetSecretValue", { SecretName: "ecs/i-1/root" });
      assert.equal(current.SecretData, value("Second-Pw-1"));
      assert.equal(current.SecretType, "Generic");
      assert.equal(current.VersionId, "v2");
      assert.deepEqual(stagesOf(current), ["ACSCurrent"]);
      const previous = await raw("GetSecretValue", { SecretName: "ecs/i-1/root", VersionStage: "ACSPrevious" });
      assert.deepEqual([previous.VersionId, previous.SecretData], ["v1", value()]);

      const listed = await raw("ListSecretVersionIds", { SecretName: "ecs/i-1/root", IncludeDeprecated: true });
      const versions = (listed.VersionIds as { VersionId: { VersionId: string; VersionStages: { VersionStage: string[] } }[] }).VersionId;
      assert.deepEqual(
        versions.map((v) => [v.VersionId, v.VersionStages.VersionStage]),
        [
          ["v1", ["ACSPrevious"]],
          ["v2", ["ACSCurrent"]],
        ],
        "the lease lives in the store's lease table, so lease writes never push a value out",
      );
      // Epoch 1 was made with the secret, 2 took the lease, 3 released it.
      const table = await raw("GetSecretValue", { SecretName: TABLE });
      assert.equal(table.VersionId, "managed-secrets-leases-3");
      assert.deepEqual(JSON.parse(String(table.SecretData)), { format: 1, leases: {} });
      assert.deepEqual((await kms.store.listSecrets()).map((m) => m.name), ["ecs/i-1/root"], "the lease table is not a managed secret");
      // The store shows only value versions.
      assert.deepEqual((await kms.store.describeSecret("ecs/i-1/root"))?.versions.map((v) => v.versionId), ["v1", "v2"]);
    });

    it("keeps description and metadata in KMS's description and tags, where ListSecrets finds every managed secret", async function () {
      await create("ecs/i-1/root", { kind: "ecs", nextRotationAt: "2025-03-31T00:00:00.000Z", rotationTrigger: "deploy #7" });
      await raw("CreateSecret", { SecretName: "someone-elses", SecretData: "x", VersionId: "v1" });

      const described = await raw("DescribeSecret", { SecretName: "ecs/i-1/root", FetchTags: true });
      assert.equal(described.Description, "root of i-1");
      assert.deepEqual((described.Tags as { Tag: unknown[] }).Tag, [
        { TagKey: "managed-secrets:format", TagValue: "1" },
        { TagKey: "managed-secrets:updated-at", TagValue: "2025-03-01T00:00:00.000Z" },
        { TagKey: "managed-secrets/kind", TagValue: "ecs" },
        { TagKey: "managed-secrets/nextRotationAt", TagValue: "2025-03-31T00:00:00.000Z" },
        { TagKey: "managed-secrets/rotationTrigger", TagValue: "b64.1:ZGVwbG95ICM3" },
      ]);
      const listed = await raw("ListSecrets", { FetchTags: true, Filters: JSON.stringify([{ Key: "TagKey", Values: ["managed-secrets:format"] }]) });
      assert.deepEqual((listed.SecretList as { Secret: { SecretName: string }[] }).Secret.map((s) => s.SecretName), ["ecs/i-1/root"]);

      assert.deepEqual((await kms.store.listSecrets()).map((m) => [m.name, m.metadata]), [
        ["ecs/i-1/root", { kind: "ecs", nextRotationAt: "2025-03-31T00:00:00.000Z", rotationTrigger: "deploy #7" }],
      ]);
    });

    it("sends only tags KMS accepts: the emulator enforces TagResources' 128-character alphabet", async function () {
      await create("ecs/i-1/root", { kind: "ecs", rotationTrigger: "deploy #7 (a, b)", note: "x".repeat(129) });
      await assert.rejects(raw("TagResource", { SecretName: "ecs/i-1/root", Tags: JSON.stringify([{ TagKey: "k", TagValue: "has space" }]) }), { code: "InvalidParameter" });
      await assert.rejects(raw("TagResource", { SecretName: "ecs/i-1/root", Tags: JSON.stringify([{ TagKey: "k", TagValue: "x".repeat(129) }]) }), { code: "InvalidParameter" });
      assert.deepEqual((await kms.store.describeSecret("ecs/i-1/root"))?.metadata, { kind: "ecs", rotationTrigger: "deploy #7 (a, b)", note: "x".repeat(129) });
    });

    it("refuses metadata that would not fit KMS's 20 tags before creating anything", async function () {
      const many = Object.fromEntries(Array.from({ length: 19 }, (_, i) => [`key${i}`, "v"]));
      await expectError(create("too-many", many), "InvalidInput", { property: "metadata", message: /needs 19 KMS tags, but a secret holds at most 20/ });
      await expectError(kms.store.getValue("too-many"), "SecretNotFound");
      assert.deepEqual(kms.actions().sort(), ["DescribeSecret", "GetSecretValue", "ListSecretVersionIds"], "no CreateSecret was sent");
    });

    it("round-trips metadata values that need base64 and several tags", async function () {
      const metadata = { kind: "ram", createdAccessKeyIds: "LTAI5tA,LTAI5tB", note: `ünïcödé ${"x".repeat(300)}` };
      await create("ram/app", metadata);
      assert.deepEqual((await kms.store.describeSecret("ram/app"))?.metadata, metadata);
      const updated = await kms.store.updateSecret("ram/app", { metadata: { note: "short" } });
      assert.deepEqual(updated.metadata, { ...metadata, note: "short" });
      assert.deepEqual(await kms.store.describeSecret("ram/app"), updated);
      const tags = ((await raw("DescribeSecret", { SecretName: "ram/app", FetchTags: true })).Tags as { Tag: { TagKey: string }[] }).Tag;
      assert.ok(!tags.some((t) => t.TagKey.startsWith("managed-secrets/note/")), "continuation tags of the old value are gone");
    });

    it("refuses the store's reserved version ids and KMS's reserved names", async function () {
      await create();
      await expectError(kms.store.putValue("ecs/i-1/root", { versionId: "managed-secrets-lease-9", value: value(), stages: [] }), "InvalidInput", {
        property: "versionId",
      });
      assert.equal(await kms.store.acquireLease("ecs/i-1/root", "runner", 60_000), true);
      await expectError(kms.store.getValue("ecs/i-1/root", { versionId: "managed-secrets-lease-1" }), "VersionNotFound");
      await expectError(kms.store.createSecret({ name: "acs/ram/user/x", description: "", metadata: {}, versionId: "v1", value: "x" }), "InvalidInput", {
        property: "name",
      });
    });
  });

  describe("leases between runners", function () {
    it("a second runner sees the first one's lease, and takes it once it expires", async function () {
      await create();
      const second = kms.another();
      assert.equal(await kms.store.acquireLease("ecs/i-1/root", "runner-a", 60_000), true);
      assert.equal(await second.acquireLease("ecs/i-1/root", "runner-b", 60_000), false);
      const table = await raw("GetSecretValue", { SecretName: TABLE });
      assert.deepEqual(JSON.parse(String(table.SecretData)).leases, { "ecs/i-1/root": { owner: "runner-a", expiresAt: "2025-03-01T00:01:00.000Z" } });

      clock.advance(60_001);
      assert.equal(await second.acquireLease("ecs/i-1/root", "runner-b", 60_000), true);
      // The first runner's release after expiry must not free the second runner's lease.
      await kms.store.releaseLease("ecs/i-1/root", "runner-a");
      assert.equal(await kms.store.acquireLease("ecs/i-1/root", "runner-a", 60_000), false);
    });

    it("a release frees the lease even after the same owner renewed it through another store instance", async function () {
      await create();
      const sameProcess = kms.another();
      assert.equal(await kms.store.acquireLease("ecs/i-1/root", "host:42", 60_000), true);
      assert.equal(await sameProcess.acquireLease("ecs/i-1/root", "host:42", 60_000), true);
      await kms.store.releaseLease("ecs/i-1/root", "host:42");
      assert.equal(await kms.another().acquireLease("ecs/i-1/root", "runner-b", 60_000), true);
    });

    it("of two runners racing for a free lease, exactly one wins", async function () {
      await create();
      const stores = [kms.store, kms.another(), kms.another()];
      const won = await Promise.all(stores.map((s, i) => s.acquireLease("ecs/i-1/root", `runner-${i}`, 60_000)));
      assert.equal(won.filter(Boolean).length, 1, `winners: ${JSON.stringify(won)}`);
      const table = JSON.parse(String((await raw("GetSecretValue", { SecretName: TABLE })).SecretData));
      assert.equal(table.leases["ecs/i-1/root"].owner, `runner-${won.indexOf(true)}`);
    });

    it("a lease survives any number of lease writes and value versions, and its session ends with its secret", async function () {
      await create();
      for (let i = 0; i < 12; i++) {
        assert.equal(await kms.store.acquireLease("ecs/i-1/root", "runner", 60_000), true);
        await kms.store.releaseLease("ecs/i-1/root", "runner");
      }
      assert.equal(await kms.store.acquireLease("ecs/i-1/root", "runner", 60_000), true);
      for (let i = 2; i <= 9; i++) await kms.store.putValue("ecs/i-1/root", { versionId: `v${i}`, value: value(`Pw-${i}`), stages: ["ACSPending"] });
      assert.equal(await kms.another().acquireLease("ecs/i-1/root", "other", 60_000), false, "still held");
      assert.equal((await kms.store.getValue("ecs/i-1/root")).versionId, "v1", "25 lease writes later, ACSCurrent is still there");
      await kms.store.deleteSecret("ecs/i-1/root", { force: true });
      await expectError(kms.store.acquireLease("ecs/i-1/root", "runner", 60_000), "SecretNotFound");
      // The table is the store's, not the secret's: it stays, holding no credential, and its names are reserved.
      assert.equal((await raw("DescribeSecret", { SecretName: TABLE })).SecretName, TABLE);
      for (const name of [TABLE, "managed-secrets-lease/x"]) {
        await expectError(kms.store.createSecret({ name, description: "", metadata: {}, versionId: "v1", value: value() }), "InvalidInput", { property: "name" });
      }
    });
  });

  describe("throttling, 5xx and network failures", function () {
    let sleeps: number[];
    let store: ReturnType<KmsEmulatorStore["another"]>;
    beforeEach(async function () {
      sleeps = [];
      store = kms.another({ retry: { ...CLOUD_API_RETRY, sleep: async (ms) => void sleeps.push(ms), random: () => 0 } });
      await create();
      kms.calls.length = 0;
    });

    it("retries Rejected.Throttling with back-off and succeeds", async function () {
      kms.emulator.control.throttle("PutSecretValue", 2);
      await store.putValue("ecs/i-1/root", { versionId: "v2", value: value("Pw-2"), stages: ["ACSPending"] });
      assert.deepEqual(sleeps, [100, 200]);
      // The listing first: would this put roll a staged version out? The target is bound: the binding is checked and
      // signed for v2 before anything is written (a rotator that cannot sign fails here, before its target is touched).
      // Then the unfinished-rotation marker (a tag), the put, and the binding's tag for v2.
      assert.deepEqual(kms.actions(), [
        "ListSecretVersionIds",
        "DescribeSecret",
        "ListKeyVersions",
        "GetPublicKey",
        "AsymmetricSign",
        "TagResource",
        "PutSecretValue",
        "PutSecretValue",
        "PutSecretValue",
        "TagResource",
      ]);
      assert.equal((await store.getValue("ecs/i-1/root", { stage: "ACSPending" })).value, value("Pw-2"));
    });

    it("retries a 5xx, and a call whose answer was lost after KMS acted, without doing anything twice", async function () {
      kms.emulator.control.injectFault({ action: "UpdateSecretVersionStage", code: "InternalFailure", httpStatus: 503, message: "try later" });
      await store.putValue("ecs/i-1/root", { versionId: "v2", value: value("Pw-2"), stages: ["ACSPending"] });
      kms.emulator.control.dropConnection("PutSecretValue", 1, "after");
      await store.putValue("ecs/i-1/root", { versionId: "v3", value: value("Pw-3"), stages: ["ACSPending"] });
      await store.updateVersionStage("ecs/i-1/root", { stage: "ACSPrevious", moveToVersionId: "v1" });
      kms.emulator.control.dropConnection("UpdateSecretVersionStage", 1, "after");
      await store.updateVersionStage("ecs/i-1/root", { stage: "ACSCurrent", moveToVersionId: "v3", removeFromVersionId: "v1" });
      assert.deepEqual(sleeps, [100, 100, 100]);
      const meta = await store.describeSecret("ecs/i-1/root");
      assert.deepEqual(meta?.versions.map((v) => [v.versionId, v.stages]), [
        ["v1", ["ACSPrevious"]],
        ["v2", []],
        ["v3", ["ACSCurrent", "ACSPending"]],
      ]);
    });

    it("treats a create or a delete whose answer was lost as done", async function () {
      kms.emulator.control.dropConnection("CreateSecret", 1, "after");
      const created = await store.createSecret({ name: "lost-answer", description: "", metadata: {}, versionId: "v1", value: value() });
      assert.deepEqual(created.versions.map((v) => v.versionId), ["v1"]);
      kms.emulator.control.dropConnection("DeleteSecret", 1, "after");
      const deleted = await store.deleteSecret("lost-answer", { recoveryWindowDays: 7 });
      assert.equal(deleted.plannedDeleteAt, new Date(clock.ms() + 7 * DAY).toISOString());
      kms.emulator.control.dropConnection("DeleteSecret", 1, "after");
      assert.deepEqual(await store.deleteSecret("lost-answer", { force: true }), {});
      assert.equal(await store.describeSecret("lost-answer"), undefined);
    });

    it("gives up after the retry budget with CloudUnavailable (Unreachable when no answer came), KMS's code and request id, and no value", async function () {
      kms.emulator.control.throttle("PutSecretValue", CLOUD_API_RETRY.attempts);
      const err = await expectError(store.putValue("ecs/i-1/root", { versionId: "v2", value: value("Never-Stored-9"), stages: ["ACSPending"] }), "CloudUnavailable", {
        message: /^KMS kept throttling \(5 attempts\) for secret "ecs\/i-1\/root"; nothing more was changed, try again later \(KMS PutSecretValue: Rejected\.Throttling, request id [0-9A-F-]{36}\)$/,
      });
      assert.equal(err.transient, true);
      assert.deepEqual(sleeps, [100, 200, 400, 800]);
      await expectError(store.getValue("ecs/i-1/root", { versionId: "v2" }), "VersionNotFound");

      kms.emulator.control.dropConnection("PutSecretValue", 1, "before");
      for (let i = 2; i <= CLOUD_API_RETRY.attempts; i++) kms.emulator.control.dropConnection("PutSecretValue", i, "before");
      const dropped = await expectError(store.putValue("ecs/i-1/root", { versionId: "v2", value: value("Never-Stored-9"), stages: [] }), "Unreachable", {
        message: /^KMS could not be reached \(5 attempts\) for secret "ecs\/i-1\/root"; .*\(KMS PutSecretValue: ECONNRESET\)$/,
      });
      assert.ok(!dropped.message.includes("Never-Stored-9") && !JSON.stringify(dropped).includes("Never-Stored-9"));
    });

    it("surfaces other KMS errors at once, with KMS's code and a sentence of its own", async function () {
      kms.emulator.control.injectFault({ action: "PutSecretValue", code: "Forbidden.NoPermission", httpStatus: 403, message: `denied ${PASSWORD}` });
      const denied = await expectError(store.putValue("ecs/i-1/root", { versionId: "v2", value: value(), stages: [] }), "CloudRejected", {
        message: /^KMS refused the credentials or permissions used for secret "ecs\/i-1\/root": check the AccessKey \(or role\) and that its RAM policy allows kms:PutSecretValue \(KMS PutSecretValue: Forbidden\.NoPermission, request id /,
      });
      assert.ok(!denied.message.includes(PASSWORD), "KMS's own message is never repeated");
      kms.emulator.control.injectFault({ action: "PutSecretValue", code: "Rejected.LimitExceeded", httpStatus: 400, message: "quota" });
      await expectError(store.putValue("ecs/i-1/root", { versionId: "v2", value: value(), stages: [] }), "CloudRejected", {
        message: /^KMS refused PutSecretValue for secret "ecs\/i-1\/root" \(KMS PutSecretValue: Rejected\.LimitExceeded, request id /,
      });
      assert.deepEqual(sleeps, []);
    });

    it("says which credentials are wrong when the AccessKey is unknown", async function () {
      const wrong = new KmsSecretStore({
        client: createKmsClient(openApiConfig({ ...kms.cloud, accessKeyId: "LTAI-unknown", accessKeySecret: "nope" }, "kms.invalid")),
        boundKeys: targetRegistry().boundKeys,
      });
      const err = await expectError(wrong.describeSecret("ecs/i-1/root"), "CloudConfig", { message: /\(KMS DescribeSecret: InvalidAccessKeyId\.NotFound, request id / });
      assert.ok(!err.message.includes("nope"));
    });
  });

  describe("selection", function () {
    afterEach(() => resetStackConfig());

    const cloudEnv = () => ({
      MANAGED_SECRETS_ENDPOINT: kms.emulator.endpoint,
      ALIBABA_CLOUD_REGION_ID: kms.emulator.regionId,
      ALIBABA_CLOUD_ACCESS_KEY_ID: kms.emulator.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: kms.emulator.accessKeySecret,
    });

    it("MANAGED_SECRETS_STORE=kms gives a kms store on the endpoint, region and credentials of the cloud settings", async function () {
      const ctx = runtimeContext({ clock, env: { ...cloudEnv(), MANAGED_SECRETS_STORE: "kms" } });
      assert.equal(ctx.store.kind, "kms");
      await ctx.store.createSecret({ name: "via-env", description: "", metadata: {}, versionId: "v1", value: value() });
      assert.equal((await raw("GetSecretValue", { SecretName: "via-env" })).SecretData, value());
    });

    it("stack config managed-secrets:store kms does the same", async function () {
      configureFromStack({ get: (k) => ({ "managed-secrets:store": "kms", "managed-secrets:endpoint": kms.emulator.endpoint, "managed-secrets:region": kms.emulator.regionId })[k] });
      const ctx = runtimeContext({ clock, env: { ALIBABA_CLOUD_ACCESS_KEY_ID: kms.emulator.accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: kms.emulator.accessKeySecret } });
      assert.equal(ctx.store.kind, "kms");
      assert.equal(await ctx.store.describeSecret("nope"), undefined);
    });

    it("without credentials anywhere the kms store fails with CloudConfig saying where to set them", async function () {
      const profiles = [join(homedir(), ".aliyun", "config.json"), join(homedir(), ".alibabacloud", "credentials")];
      if (profiles.some((f) => existsSync(f))) this.skip(); // this machine has a profile the default chain would use
      const saved = { ...process.env };
      for (const k of Object.keys(process.env)) if (/^(ALIBABA_CLOUD|ALICLOUD)_/.test(k)) delete process.env[k];
      try {
        const ctx = runtimeContext({ clock, env: { MANAGED_SECRETS_STORE: "kms", MANAGED_SECRETS_ENDPOINT: kms.emulator.endpoint, ALIBABA_CLOUD_REGION_ID: kms.emulator.regionId } });
        await expectError(ctx.store.describeSecret("x"), "CloudConfig", {
          message: /^no Alibaba Cloud credentials were found for KMS for secret "x": set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET/,
        });
        assert.deepEqual(kms.calls, [], "nothing was sent");
      } finally {
        Object.assign(process.env, saved);
      }
    });

    it("without a region the kms store fails with CloudConfig on first use, naming the settings", async function () {
      const ctx = runtimeContext({ clock, env: { MANAGED_SECRETS_STORE: "kms" } });
      await expectError(ctx.store.listSecrets(), "CloudConfig", { property: "region", message: /^no Alibaba Cloud region is set: set managed-secrets:region/ });
    });
  });

  describe("deletion", function () {
    it("schedules, restores and force-deletes through DeleteSecret / RestoreSecret, and KMS purges after the window", async function () {
      await create();
      const { plannedDeleteAt } = await kms.store.deleteSecret("ecs/i-1/root", { recoveryWindowDays: 7 });
      // KMS writes it as 2025-03-08T08:00:00.000000000+08:00; the store reads it as the same instant.
      const planned = String((await raw("DescribeSecret", { SecretName: "ecs/i-1/root" })).PlannedDeleteTime);
      assert.match(planned, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}\+08:00$/);
      assert.equal(plannedDeleteAt, "2025-03-08T00:00:00.000Z");
      assert.equal((await kms.store.describeSecret("ecs/i-1/root"))?.plannedDeleteAt, "2025-03-08T00:00:00.000Z");
      assert.deepEqual((await kms.store.listSecrets({ includePendingDeletion: true })).map((m) => m.plannedDeleteAt), ["2025-03-08T00:00:00.000Z"]);
      await expectError(create(), "SecretPendingDeletion", { message: /^secret "ecs\/i-1\/root" is scheduled for deletion at 2025-03-08T00:00:00.000Z; restore it/ });
      await kms.store.restoreSecret("ecs/i-1/root");
      assert.equal((await raw("GetSecretValue", { SecretName: "ecs/i-1/root" })).SecretData, value());
      await kms.store.deleteSecret("ecs/i-1/root", { recoveryWindowDays: 7 });
      clock.advance(7 * DAY);
      const err = await expectError(kms.store.restoreSecret("ecs/i-1/root"), "SecretNotFound");
      assert.match(err.message, /recovery window has passed/);
      assert.ok(err instanceof ManagedSecretsError);
    });
  });
});
