import { strict as assert } from "node:assert";
import { resetStackConfig, runtimeContext } from "../../provider/context/runtime-context";
import { configure } from "../../provider/runtime";
import { startKmsEmulatorStore, type KmsEmulatorStore } from "../../testkit/store/kms-emulator-store";
import { expectError } from "../support/expect-error";

/** A bound target, as an EcsSecret over SSH records it. */
const TARGET = { kind: "ecs", instanceId: "i-stack", managedUser: "root", host: "127.0.0.10", port: "22", hostKeyFingerprint: "SHA256:stack" };

/**
 * Stack config as Pulumi's dynamic-provider host hands it to the runtime's
 * configure(): only what arrives there, with nothing in the environment.
 */
describe("stack config through the runtime's configure()", function () {
  let kms: KmsEmulatorStore;

  before(async () => {
    kms = await startKmsEmulatorStore();
    await kms.store.createSecret({ name: "stack/bound", description: "", metadata: TARGET, versionId: "v1", value: "Initial-Passw0rd!" });
  });
  after(async () => kms.dispose());
  afterEach(() => resetStackConfig());

  const kmsStack = (extra: Record<string, string> = {}): Record<string, string> => ({
    "managed-secrets:store": "kms",
    "managed-secrets:endpoint": kms.cloud.endpoint!,
    "managed-secrets:region": kms.cloud.regionId,
    "managed-secrets:accessKeyId": kms.cloud.accessKeyId!,
    "managed-secrets:accessKeySecret": kms.cloud.accessKeySecret!,
    ...extra,
  });

  it("managed-secrets:bindingKeyId set in the stack's config is the kms store's binding key: a bound target is authenticated", async function () {
    const stack = kmsStack({ "managed-secrets:bindingKeyId": kms.bindingKeyId! });
    configure({ get: (k) => stack[k] });
    await runtimeContext({ env: {} }).store.authenticateTarget("stack/bound", TARGET);
  });

  it("without it the same target is refused for want of a binding key, naming the setting (so the case above tells them apart)", async function () {
    const stack = kmsStack();
    configure({ get: (k) => stack[k] });
    const err = await expectError(runtimeContext({ env: {} }).store.authenticateTarget("stack/bound", TARGET), "TargetUnverified");
    assert.match(err.message, /no binding key is configured.*managed-secrets:bindingKeyId/);
  });
});
