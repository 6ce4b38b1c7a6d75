import { targetRegistry } from "../../provider/context/runtime-context";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { ManagedSecretsError } from "../../provider/core/errors";
import { KmsSecretStore } from "../../provider/store/kms/kms-store";
import { LocalSecretStore } from "../../provider/store/local/local-store";
import { DEFAULT_LOCAL_STORE_PATH, openStore } from "../../provider/context/open-store";
import type { StoreSettings } from "../../provider/store/store-settings";
import { expectError } from "../support/expect-error";
import { startKmsEmulatorStore } from "../../testkit/store/kms-emulator-store";
import { createTestClock } from "../../testkit/clock/test-clock";

describe("openStore", function () {
  let dir: string;

  beforeEach(async function () {
    dir = await mkdtemp(join(tmpdir(), "managed-secrets-open-"));
  });

  afterEach(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  it("opens a working local store at localPath, using the given clock", async function () {
    const clock = createTestClock("2025-06-01T12:00:00.000Z");
    const path = join(dir, "store.enc");
    const store = openStore({ store: "local", localPath: path, passphrase: "p4ss" }, clock);
    assert.ok(store instanceof LocalSecretStore);
    assert.equal(store.kind, "local");
    assert.equal(store.path, path);
    const meta = await store.createSecret({ name: "s", description: "", metadata: {}, versionId: "v1", value: "x" });
    assert.equal(meta.createdAt, "2025-06-01T12:00:00.000Z");
    const again = openStore({ store: "local", localPath: path, passphrase: "p4ss" });
    assert.equal((await again.getValue("s")).value, "x");
  });

  it("defaults to ~/.managed-secrets/store.enc and expands ~/ in localPath (without touching the file)", function () {
    assert.equal(DEFAULT_LOCAL_STORE_PATH, "~/.managed-secrets/store.enc");
    const byDefault = openStore({ store: "local", passphrase: "p" }) as LocalSecretStore;
    assert.equal(byDefault.path, join(homedir(), ".managed-secrets", "store.enc"));
    const tilde = openStore({ store: "local", localPath: "~/elsewhere/s.enc", passphrase: "p" }) as LocalSecretStore;
    assert.equal(tilde.path, join(homedir(), "elsewhere", "s.enc"));
  });

  it("fails with StoreConfig naming the passphrase settings when the local store has none", async function () {
    await expectError(() => openStore({ store: "local", localPath: join(dir, "s.enc") }), "StoreConfig", {
      property: "passphrase",
      message: /MANAGED_SECRETS_PASSPHRASE.*managed-secrets:passphrase/,
    });
  });

  it("fails with StoreConfig for the kms store when no cloud settings are given", async function () {
    await expectError(() => openStore({ store: "kms" }), "StoreConfig", {
      property: "store",
      message: /^the kms store needs Alibaba Cloud settings \(region, credentials\), and none were given$/,
    });
  });

  it("opens the kms store without resolving cloud settings, and uses them on its first call", async function () {
    await using kms = await startKmsEmulatorStore();
    let resolved = 0;
    const store = openStore({ store: "kms" }, undefined, () => {
      resolved++;
      return kms.cloud;
    }, targetRegistry().boundKeys);
    assert.ok(store instanceof KmsSecretStore);
    assert.equal(store.kind, "kms");
    assert.equal(resolved, 0, "opening resolves nothing: check and diff need no cloud settings");
    await store.createSecret({ name: "s", description: "", metadata: {}, versionId: "v1", value: "x" });
    assert.equal((await store.getValue("s")).value, "x");
    assert.equal(resolved, 1, "resolved once, on first use");
    // The store's lease table is made with its first secret (kms-lease.ts), then the secret.
    assert.deepEqual(kms.actions(), ["CreateSecret", "CreateSecret", "GetSecretValue"]);
  });

  it("never opens a kms store told of no target keys: it would take any stored target as authentic", () => {
    assert.throws(() => openStore({ store: "kms" }, undefined, () => assert.fail("no cloud call")), /needs the target kinds' metadata keys/);
    assert.throws(() => openStore({ store: "kms" }, undefined, () => assert.fail("no cloud call"), []), /needs the target kinds' metadata keys/);
  });

  it("surfaces a cloud-settings failure of the kms store at its first call", async function () {
    const store = openStore({ store: "kms" }, undefined, () => {
      throw new ManagedSecretsError("StoreConfig", "no Alibaba Cloud region is set", { property: "region" });
    }, targetRegistry().boundKeys);
    await expectError(store.describeSecret("s"), "StoreConfig", { property: "region", message: /^no Alibaba Cloud region is set$/ });
  });

  it("fails with StoreConfig for settings that do not match the schema, without echoing the passphrase", async function () {
    const err = await expectError(() => openStore({ store: "vault", passphrase: "s3cret-pass" } as unknown as StoreSettings), "StoreConfig", {
      property: "store",
    });
    assert.ok(!err.message.includes("s3cret-pass"));
  });
});
