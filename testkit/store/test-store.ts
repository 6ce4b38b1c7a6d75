import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { LocalSecretStore } from "../../provider/store/local/local-store";
import type { SecretStore } from "../../provider/store/secret-store";
import { targetRegistry, type RuntimeContext } from "../../provider/context/runtime-context";
import type { CloudSettings } from "../../provider/alicloud/cloud-settings";
import { startKmsEmulatorStore } from "./kms-emulator-store";
import { createRunningTestClock, type TestClock } from "../clock/test-clock";

/** The store backends end-to-end suites run against: one suite, both stores. */
export type StoreBackend = "local" | "kms";
export const BACKENDS: readonly StoreBackend[] = ["local", "kms"];

/** A fresh store (encrypted local file, or KMS on a local emulator), with the clock and context tests need. */
export interface TestStore extends AsyncDisposable {
  readonly backend: StoreBackend;
  readonly store: SecretStore;
  /** A private temp directory for the test's own files; the local store's file lives here. */
  readonly dir: string;
  /** The local store's file (kms: a path in `dir` nothing uses). */
  readonly path: string;
  /** The local store's passphrase (kms: unused, random). */
  readonly passphrase: string;
  readonly clock: TestClock;
  /** kms: the emulator's endpoint, region and admin key; local: undefined. */
  readonly cloud?: CloudSettings;
  /** kms: the key the store signs target bindings with; local: undefined. */
  readonly bindingKeyId?: string;
  /** A provider context on this store, as the dynamic-provider host would build one. */
  context(owner?: string): RuntimeContext;
  /** Environment that points the CLI (or a child process) at this store. */
  env(): NodeJS.ProcessEnv;
}

export async function createTestStore(options: { backend?: StoreBackend } = {}): Promise<TestStore> {
  const backend = options.backend ?? "local";
  const dir = await mkdtemp(join(tmpdir(), "ms-store-"));
  const path = join(dir, "store.enc");
  const passphrase = randomBytes(18).toString("base64");
  const clock = createRunningTestClock();
  // The emulator's business clock is the test clock: advancing it moves recovery windows and lease expiry in KMS too.
  const kms = backend === "kms" ? await startKmsEmulatorStore({ clock }) : undefined;
  const store: SecretStore = kms?.store ?? new LocalSecretStore({ path, passphrase, clock });
  const cloud = kms?.cloud;
  const bindingKeyId = kms?.bindingKeyId;
  const dispose = async () => {
    await kms?.dispose();
    await rm(dir, { recursive: true, force: true });
  };
  return {
    backend,
    store,
    dir,
    path,
    passphrase,
    clock,
    ...(cloud ? { cloud } : {}),
    ...(bindingKeyId ? { bindingKeyId } : {}),
    context: (owner = "test") => ({
      store,
      targets: targetRegistry(),
      clock,
      owner,
      cloud: () => {
        if (cloud) return cloud;
        throw new Error("this test gave its context no cloud settings");
      },
    }),
    env: () =>
      cloud
        ? {
            ...process.env,
            MANAGED_SECRETS_STORE: "kms",
            MANAGED_SECRETS_ENDPOINT: cloud.endpoint,
            ALIBABA_CLOUD_REGION_ID: cloud.regionId,
            ALIBABA_CLOUD_ACCESS_KEY_ID: cloud.accessKeyId,
            ALIBABA_CLOUD_ACCESS_KEY_SECRET: cloud.accessKeySecret,
            ...(bindingKeyId ? { MANAGED_SECRETS_BINDING_KEY_ID: bindingKeyId } : {}),
          }
        : { ...process.env, MANAGED_SECRETS_STORE: "local", MANAGED_SECRETS_LOCAL_PATH: path, MANAGED_SECRETS_PASSPHRASE: passphrase },
    [Symbol.asyncDispose]: dispose,
  };
}
