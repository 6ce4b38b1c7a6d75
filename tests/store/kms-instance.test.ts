import assert from "node:assert/strict";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { openApiConfig, type CloudSettings } from "../../provider/alicloud/cloud-settings";
import { createKmsClient } from "../../provider/alicloud/kms-client";
import { configureFromStack, resetStackConfig, runtimeContext } from "../../provider/context/runtime-context";
import { parseRunnerDeployment, runnerEnvironment } from "../../provider/runner/deploy/runner-deployment";
import { LEASE_TABLE_NAME } from "../../provider/store/kms/kms-lease";
import { KmsSecretStore } from "../../provider/store/kms/kms-store";
import { targetRegistry } from "../../provider/context/runtime-context";
import { resolveStoreSettings } from "../../provider/store/store-settings";
import { expectApiError, kmsCall } from "../support/emulator-helpers";
import { expectError } from "../support/expect-error";
import { NO_WAIT } from "../../testkit/store/kms-emulator-store";

/**
 * KMS 3.0 (issue 12 #15): secrets live in a KMS instance, and CreateSecret
 * there needs DKMSInstanceId (and takes the instance's EncryptionKeyId). The
 * emulator acts as such an account once it has an instance.
 */

const INSTANCE = "kst-hzz65f176a0ogplgq1234";
const KEY = "key-hzz63ff0db5hg3qje1234";
const OTHER_KEY = "key-bjj62f5ba3dnpb6v81234";
const ACCOUNT = "1234567890123456";
const BINDING_KEY = "key-bindings1234";
const VALUE = JSON.stringify({ UserName: "root", Password: "Kms3-Instance-Pw-9!" });

describe("KMS 3.0 instances (DKMSInstanceId / EncryptionKeyId)", function () {
  let emulator: EmulatorHandle;
  let cloud: CloudSettings;
  const raw = (action: string, query: Record<string, string | number | boolean>) => kmsCall(emulator, action, query);
  const store = (placement: { dkmsInstanceId?: string; encryptionKeyId?: string } = {}) =>
    new KmsSecretStore({ client: () => createKmsClient(openApiConfig(cloud, "kms.invalid"), NO_WAIT), boundKeys: targetRegistry().boundKeys, ...placement });

  beforeEach(async function () {
    emulator = await startEmulator({ kmsInstances: [{ instanceId: INSTANCE, keyIds: [KEY] }] });
    cloud = {
      regionId: emulator.regionId,
      endpoint: emulator.endpoint,
      protocol: "http",
      accessKeyId: emulator.accessKeyId,
      accessKeySecret: emulator.accessKeySecret,
    };
  });
  afterEach(async function () {
    resetStackConfig();
    await emulator.stop();
  });

  describe("the emulator, as a KMS 3.0 account", function () {
    it("refuses CreateSecret without DKMSInstanceId, with an unknown instance, or with a key of no such instance, in KMS's words", async function () {
      const base = { SecretName: "s", SecretData: "x", VersionId: "v1" };
      await expectApiError(raw("CreateSecret", base), { code: "MissingParameter", statusCode: 400, message: "The parameter needed but no provided." });
      await expectApiError(raw("CreateSecret", { ...base, DKMSInstanceId: "kst-nosuchinstance1" }), {
        code: "Forbidden.DKMSInstanceNotFound",
        statusCode: 403,
        message: "The specified DKMS Instance is not found.",
      });
      await expectApiError(raw("CreateSecret", { ...base, DKMSInstanceId: INSTANCE, EncryptionKeyId: OTHER_KEY }), {
        code: "Forbidden.KeyNotFound",
        statusCode: 404,
      });
      assert.equal((await raw("ListSecrets", {})).TotalCount, 0, "nothing was created");

      await raw("CreateSecret", { ...base, DKMSInstanceId: INSTANCE, EncryptionKeyId: KEY });
      const described = await raw("DescribeSecret", { SecretName: "s" });
      assert.deepEqual([described.DKMSInstanceId, described.EncryptionKeyId], [INSTANCE, KEY]);
      await raw("CreateSecret", { ...base, SecretName: "t", DKMSInstanceId: INSTANCE });
      assert.equal((await raw("DescribeSecret", { SecretName: "t" })).EncryptionKeyId, undefined, "the key is optional");
    });

    it("is turned on by the control surface too, and an account without instances knows no instance id", async function () {
      await using plain = await startEmulator();
      const call = (q: Record<string, string>) => kmsCall(plain, "CreateSecret", { SecretData: "x", VersionId: "v1", ...q });
      await call({ SecretName: "kms1" });
      await expectApiError(call({ SecretName: "kms1-instance", DKMSInstanceId: INSTANCE }), { code: "Forbidden.DKMSInstanceNotFound", statusCode: 403 });
      assert.deepEqual(plain.control.addKmsInstance({ instanceId: INSTANCE, keyIds: [KEY] }), { instanceId: INSTANCE, keyIds: [KEY] });
      await expectApiError(call({ SecretName: "kms3" }), { code: "MissingParameter", statusCode: 400 });
      await call({ SecretName: "kms3", DKMSInstanceId: INSTANCE });
      assert.throws(() => plain.control.addKmsInstance({ instanceId: "KST-1" }), /instanceId must be like kst-/);
    });
  });

  describe("the kms store", function () {
    it("sends DKMSInstanceId and EncryptionKeyId on every CreateSecret, the lease table's included", async function () {
      const s = store({ dkmsInstanceId: INSTANCE, encryptionKeyId: KEY });
      await s.createSecret({ name: "ecs/i-1/root", description: "", metadata: { kind: "ecs" }, versionId: "v1", value: VALUE });
      assert.equal(await s.acquireLease("ecs/i-1/root", "runner", 60_000), true);
      for (const name of ["ecs/i-1/root", LEASE_TABLE_NAME]) {
        const d = await raw("DescribeSecret", { SecretName: name });
        assert.deepEqual([d.DKMSInstanceId, d.EncryptionKeyId], [INSTANCE, KEY], name);
      }
      const inInstance = await raw("ListSecrets", { Filters: JSON.stringify([{ Key: "DKMSInstanceId", Values: [INSTANCE] }]) });
      assert.equal(inInstance.TotalCount, 2);
    });

    it("without an instance, says which setting to set, and creates nothing", async function () {
      await expectError(
        store().createSecret({ name: "ecs/i-1/root", description: "", metadata: {}, versionId: "v1", value: VALUE }),
        "StoreConfig",
        { property: "managed-secrets:dkmsInstanceId", message: /KMS 3\.0.*managed-secrets:dkmsInstanceId \(or MANAGED_SECRETS_DKMS_INSTANCE_ID\).*MissingParameter/ },
      );
      const wrong = await expectError(
        store({ dkmsInstanceId: "kst-nosuchinstance1" }).createSecret({ name: "x", description: "", metadata: {}, versionId: "v1", value: VALUE }),
        "StoreConfig",
        { property: "managed-secrets:dkmsInstanceId", message: /no KMS instance.*Forbidden\.DKMSInstanceNotFound/ },
      );
      assert.ok(!wrong.message.includes(VALUE));
      await expectError(
        store({ dkmsInstanceId: INSTANCE, encryptionKeyId: OTHER_KEY }).createSecret({ name: "x", description: "", metadata: {}, versionId: "v1", value: VALUE }),
        "StoreConfig",
        { property: "managed-secrets:encryptionKeyId" },
      );
      assert.equal((await raw("ListSecrets", {})).TotalCount, 0);
    });

    it("takes them from stack config or the environment, through runtimeContext", async function () {
      const env = {
        MANAGED_SECRETS_STORE: "kms",
        MANAGED_SECRETS_ENDPOINT: emulator.endpoint,
        ALIBABA_CLOUD_REGION_ID: emulator.regionId,
        ALIBABA_CLOUD_ACCESS_KEY_ID: emulator.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: emulator.accessKeySecret,
      };
      const viaEnv = runtimeContext({ env: { ...env, MANAGED_SECRETS_DKMS_INSTANCE_ID: INSTANCE, MANAGED_SECRETS_ENCRYPTION_KEY_ID: KEY } });
      await viaEnv.store.createSecret({ name: "via-env", description: "", metadata: {}, versionId: "v1", value: VALUE });
      configureFromStack({ get: (k) => ({ "managed-secrets:dkmsInstanceId": INSTANCE, "managed-secrets:encryptionKeyId": KEY, "other:key": "x" })[k] });
      await runtimeContext({ env }).store.createSecret({ name: "via-config", description: "", metadata: {}, versionId: "v1", value: VALUE });
      for (const name of ["via-env", "via-config"]) {
        const d = await raw("DescribeSecret", { SecretName: name });
        assert.deepEqual([d.DKMSInstanceId, d.EncryptionKeyId], [INSTANCE, KEY], name);
      }
    });
  });

  describe("settings", function () {
    it("resolves both from stack config first, then the environment", function () {
      const config = { get: (k: string) => ({ "managed-secrets:store": "kms", "managed-secrets:dkmsInstanceId": INSTANCE })[k] };
      assert.deepEqual(resolveStoreSettings({ env: { MANAGED_SECRETS_DKMS_INSTANCE_ID: "kst-fromenv1", MANAGED_SECRETS_ENCRYPTION_KEY_ID: KEY }, config }), {
        store: "kms",
        dkmsInstanceId: INSTANCE,
        encryptionKeyId: KEY,
      });
    });

    it("refuses a malformed id, a key without its instance, and either with the local store, naming the setting", async function () {
      await expectError(() => resolveStoreSettings({ env: { MANAGED_SECRETS_STORE: "kms", MANAGED_SECRETS_DKMS_INSTANCE_ID: "my instance" } }), "InvalidInput", {
        property: "MANAGED_SECRETS_DKMS_INSTANCE_ID",
        message: /MANAGED_SECRETS_DKMS_INSTANCE_ID must be a KMS instance id like kst-/,
      });
      const config = { get: (k: string) => ({ "managed-secrets:store": "kms", "managed-secrets:dkmsInstanceId": INSTANCE, "managed-secrets:encryptionKeyId": "alias/x" })[k] };
      await expectError(() => resolveStoreSettings({ env: {}, config }), "InvalidInput", { property: "managed-secrets:encryptionKeyId", message: /key id .*key-/ });
      await expectError(() => resolveStoreSettings({ env: { MANAGED_SECRETS_STORE: "kms", MANAGED_SECRETS_ENCRYPTION_KEY_ID: KEY } }), "StoreConfig", {
        property: "managed-secrets:dkmsInstanceId",
        message: /MANAGED_SECRETS_ENCRYPTION_KEY_ID needs the KMS instance/,
      });
      await expectError(() => resolveStoreSettings({ env: { MANAGED_SECRETS_DKMS_INSTANCE_ID: INSTANCE } }), "StoreConfig", {
        property: "MANAGED_SECRETS_DKMS_INSTANCE_ID",
        message: /applies only to the kms store, but the store is "local"/,
      });
    });

    it("reach the runner function's environment, validated like the rest of its settings", function () {
      const d = parseRunnerDeployment({ schedule: "@every 15m", region: "cn-hangzhou", accountId: ACCOUNT, bindingKeyId: BINDING_KEY, dkmsInstanceId: INSTANCE, encryptionKeyId: KEY });
      const env = runnerEnvironment(d);
      assert.equal(env.MANAGED_SECRETS_DKMS_INSTANCE_ID, INSTANCE);
      assert.equal(env.MANAGED_SECRETS_ENCRYPTION_KEY_ID, KEY);
      assert.deepEqual(resolveStoreSettings({ env }), { store: "kms", dkmsInstanceId: INSTANCE, encryptionKeyId: KEY, bindingKeyId: BINDING_KEY });
      assert.equal(runnerEnvironment(parseRunnerDeployment({ schedule: "@every 15m", region: "cn-hangzhou", accountId: ACCOUNT, bindingKeyId: BINDING_KEY })).MANAGED_SECRETS_DKMS_INSTANCE_ID, undefined);
      assert.throws(() => parseRunnerDeployment({ schedule: "@every 15m", region: "cn-hangzhou", accountId: ACCOUNT, bindingKeyId: BINDING_KEY, dkmsInstanceId: "kst_1" }), /dkmsInstanceId must be a KMS instance id/);
      assert.throws(() => parseRunnerDeployment({ schedule: "@every 15m", region: "cn-hangzhou", accountId: ACCOUNT, bindingKeyId: BINDING_KEY, encryptionKeyId: KEY }), /dkmsInstanceId is required with encryptionKeyId/);
    });
  });
});
