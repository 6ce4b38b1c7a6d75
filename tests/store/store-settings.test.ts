import assert from "node:assert/strict";
import { resolveStoreSettings, storeSettingsSchema } from "../../provider/store/store-settings";
import { expectError } from "../support/expect-error";

/** A stand-in for pulumi.Config that records which keys were asked for. */
function stackConfig(values: Record<string, string>) {
  const asked: string[] = [];
  return {
    asked,
    get(key: string): string | undefined {
      asked.push(key);
      return Object.hasOwn(values, key) ? values[key] : undefined;
    },
  };
}

describe("resolveStoreSettings", function () {
  it("defaults to the local store with nothing set", function () {
    assert.deepEqual(resolveStoreSettings({ env: {} }), { store: "local" });
  });

  it("reads MANAGED_SECRETS_STORE, MANAGED_SECRETS_LOCAL_PATH and MANAGED_SECRETS_PASSPHRASE", function () {
    const env = { MANAGED_SECRETS_STORE: "local", MANAGED_SECRETS_LOCAL_PATH: "/var/lib/ms/store.enc", MANAGED_SECRETS_PASSPHRASE: "from env" };
    assert.deepEqual(resolveStoreSettings({ env }), { store: "local", localPath: "/var/lib/ms/store.enc", passphrase: "from env" });
    assert.deepEqual(resolveStoreSettings({ env: { MANAGED_SECRETS_STORE: "kms" } }), { store: "kms" });
  });

  it("asks stack config for the full managed-secrets: keys, and stack config wins over the environment", function () {
    const config = stackConfig({
      "managed-secrets:store": "local",
      "managed-secrets:localPath": "~/stack/store.enc",
      "managed-secrets:passphrase": "from config",
    });
    const env = { MANAGED_SECRETS_STORE: "kms", MANAGED_SECRETS_LOCAL_PATH: "/env/store.enc", MANAGED_SECRETS_PASSPHRASE: "from env" };
    assert.deepEqual(resolveStoreSettings({ env, config }), { store: "local", localPath: "~/stack/store.enc", passphrase: "from config" });
    assert.deepEqual([...config.asked].sort(), [
      "managed-secrets:bindingKeyId",
      "managed-secrets:dkmsInstanceId",
      "managed-secrets:encryptionKeyId",
      "managed-secrets:localPath",
      "managed-secrets:passphrase",
      "managed-secrets:store",
    ]);
  });

  it("falls back to the environment per setting when stack config lacks it", function () {
    const config = stackConfig({ "managed-secrets:passphrase": "from config" });
    const env = { MANAGED_SECRETS_LOCAL_PATH: "/env/store.enc", MANAGED_SECRETS_PASSPHRASE: "from env" };
    assert.deepEqual(resolveStoreSettings({ env, config }), { store: "local", localPath: "/env/store.enc", passphrase: "from config" });
  });

  it("treats an empty value as unset", function () {
    const config = stackConfig({ "managed-secrets:store": "", "managed-secrets:passphrase": "" });
    const env = { MANAGED_SECRETS_STORE: "", MANAGED_SECRETS_LOCAL_PATH: "", MANAGED_SECRETS_PASSPHRASE: "from env" };
    assert.deepEqual(resolveStoreSettings({ env, config }), { store: "local", passphrase: "from env" });
  });

  it("rejects an unknown backend with StoreConfig naming the setting it came from and the allowed values", async function () {
    const fromEnv = await expectError(() => resolveStoreSettings({ env: { MANAGED_SECRETS_STORE: "vault" } }), "StoreConfig", {
      property: "MANAGED_SECRETS_STORE",
    });
    assert.match(fromEnv.message, /MANAGED_SECRETS_STORE/);
    assert.match(fromEnv.message, /local, kms/);
    await expectError(() => resolveStoreSettings({ env: {}, config: stackConfig({ "managed-secrets:store": "KMS" }) }), "StoreConfig", {
      property: "managed-secrets:store",
      message: /managed-secrets:store.*allowed: local, kms/,
    });
  });

  it("rejects a relative local path with InvalidInput naming the setting; absolute and ~/ paths pass", async function () {
    await expectError(() => resolveStoreSettings({ env: { MANAGED_SECRETS_LOCAL_PATH: "store.enc" } }), "InvalidInput", {
      property: "MANAGED_SECRETS_LOCAL_PATH",
      message: /absolute path or start with ~\//,
    });
    await expectError(() => resolveStoreSettings({ env: {}, config: stackConfig({ "managed-secrets:localPath": "./x/store.enc" }) }), "InvalidInput", {
      property: "managed-secrets:localPath",
    });
    assert.equal(resolveStoreSettings({ env: { MANAGED_SECRETS_LOCAL_PATH: "~/s.enc" } }).localPath, "~/s.enc");
  });

  it("reads the kms store's binding key from managed-secrets:bindingKeyId or MANAGED_SECRETS_BINDING_KEY_ID, refusing a malformed id and the local store, naming the setting", async function () {
    const key = "key-hzz63ff0db5hg3qje1234";
    assert.deepEqual(resolveStoreSettings({ env: { MANAGED_SECRETS_STORE: "kms", MANAGED_SECRETS_BINDING_KEY_ID: key } }), { store: "kms", bindingKeyId: key });
    const config = stackConfig({ "managed-secrets:store": "kms", "managed-secrets:bindingKeyId": key });
    assert.equal(resolveStoreSettings({ env: { MANAGED_SECRETS_BINDING_KEY_ID: "key-fromenv" }, config }).bindingKeyId, key, "stack config wins");
    await expectError(() => resolveStoreSettings({ env: { MANAGED_SECRETS_STORE: "kms", MANAGED_SECRETS_BINDING_KEY_ID: "alias/bindings" } }), "InvalidInput", {
      property: "MANAGED_SECRETS_BINDING_KEY_ID",
      message: /^MANAGED_SECRETS_BINDING_KEY_ID must be the id of an EC_P256 SIGN\/VERIFY key like key-/,
    });
    await expectError(() => resolveStoreSettings({ env: { MANAGED_SECRETS_BINDING_KEY_ID: key } }), "StoreConfig", {
      property: "MANAGED_SECRETS_BINDING_KEY_ID",
      message: /applies only to the kms store, but the store is "local"/,
    });
  });

  it("never echoes the passphrase in an error", async function () {
    const err = await expectError(
      () => resolveStoreSettings({ env: { MANAGED_SECRETS_STORE: "nope", MANAGED_SECRETS_PASSPHRASE: "hunter2-passphrase" } }),
      "StoreConfig",
    );
    assert.ok(!err.message.includes("hunter2-passphrase"));
  });
});

describe("storeSettingsSchema", function () {
  it("accepts the resolved shape and rejects unknown backends, empty values and unknown keys", function () {
    assert.equal(storeSettingsSchema.safeParse({ store: "local", localPath: "/a", passphrase: "p" }).success, true);
    assert.equal(storeSettingsSchema.safeParse({ store: "kms" }).success, true);
    assert.equal(storeSettingsSchema.safeParse({ store: "vault" }).success, false);
    assert.equal(storeSettingsSchema.safeParse({ store: "local", passphrase: "" }).success, false);
    assert.equal(storeSettingsSchema.safeParse({ store: "local", passPhrase: "typo" }).success, false);
    assert.equal(storeSettingsSchema.safeParse({}).success, false);
  });
});
