import { startEmulator, type EmulatorHandle, type EmulatorOptions } from "../../emulator";
import type { Clock } from "../../provider/core/clock";
import { openApiConfig, type CloudSettings } from "../../provider/alicloud/cloud-settings";
import { createKmsClient, type KmsClient } from "../../provider/alicloud/kms-client";
import { KmsSecretStore, type KmsSecretStoreOptions } from "../../provider/store/kms/kms-store";
import { CLOUD_API_RETRY, type RetryPolicy } from "../../provider/core/retry";
import { targetRegistry } from "../../provider/context/runtime-context";

/**
 * A KmsSecretStore on a fresh local emulator, through the real SDK with real
 * ACS3 signing. The emulator's business clock is the test's clock, so moving
 * one moves both (recovery windows, version and update times, lease expiry).
 * The emulator makes an EC_P256 key the store signs target bindings with, as
 * a deployment's managed-secrets:bindingKeyId (none with `bindingKey: false`).
 */
export interface KmsEmulatorStore extends AsyncDisposable {
  readonly store: KmsSecretStore;
  readonly emulator: EmulatorHandle;
  readonly cloud: CloudSettings;
  /** The store's binding key (key-...), unless started without one. */
  readonly bindingKeyId?: string;
  /** "Kms.<Action> <status> ..." for every call the emulator answered, in order. */
  readonly calls: string[];
  /** The KMS actions called so far (answered or not), in order; `calls.length = 0` resets both. */
  actions(): string[];
  /** Another store on the same emulator: a second runner, another process (`bindingKeyId: null`: one configured without a binding key). */
  another(options?: StoreOptions): KmsSecretStore;
  dispose(): Promise<void>;
}

export interface StoreOptions {
  readonly clock?: Clock;
  readonly retry?: RetryPolicy;
  readonly bindingKeyId?: string | null;
  /** KMS 3.0 placement, as managed-secrets:dkmsInstanceId / :encryptionKeyId. */
  readonly dkmsInstanceId?: string;
  readonly encryptionKeyId?: string;
  readonly warn?: (message: string) => void;
  /** Where leases are kept: the lease table unless given (testkit/store/companion-leases.ts writes as the previous release did). */
  readonly leases?: KmsSecretStoreOptions["leases"];
  /** The store's client, wrapped (a test holding back or watching one call). */
  readonly wrap?: (client: KmsClient) => KmsClient;
}

/** Tests never wait for a back-off: the KMS client's retries are immediate unless a test injects its own sleep. */
export const NO_WAIT: RetryPolicy = { ...CLOUD_API_RETRY, sleep: async () => undefined };

export async function startKmsEmulatorStore(
  options: { clock?: Clock; retry?: RetryPolicy; emulator?: Pick<EmulatorOptions, "kmsQps" | "rateClock" | "kmsInstances">; bindingKey?: boolean } & Omit<StoreOptions, "clock" | "retry" | "bindingKeyId"> = {},
): Promise<KmsEmulatorStore> {
  const calls: string[] = [];
  const emulator = await startEmulator({ ...options.emulator, ...(options.clock ? { clock: options.clock } : {}), log: (line) => calls.push(line) });
  const cloud: CloudSettings = {
    regionId: emulator.regionId,
    endpoint: emulator.endpoint,
    protocol: "http",
    accessKeyId: emulator.accessKeyId,
    accessKeySecret: emulator.accessKeySecret,
  };
  const bindingKeyId = options.bindingKey === false ? undefined : emulator.control.createKmsKey({ keySpec: "EC_P256", keyUsage: "SIGN/VERIFY", description: "managed-secrets target bindings" }).keyId;
  const make = (o: StoreOptions = {}) => {
    const keyId = o.bindingKeyId === null ? undefined : (o.bindingKeyId ?? bindingKeyId);
    const wrap = o.wrap ?? options.wrap ?? ((c: KmsClient) => c);
    const dkmsInstanceId = o.dkmsInstanceId ?? options.dkmsInstanceId;
    const encryptionKeyId = o.encryptionKeyId ?? options.encryptionKeyId;
    const warn = o.warn ?? options.warn;
    const leases = o.leases ?? options.leases;
    return new KmsSecretStore({
      client: () => wrap(createKmsClient(openApiConfig(cloud, "kms.invalid"), o.retry ?? options.retry ?? NO_WAIT)),
      clock: o.clock ?? options.clock,
      boundKeys: targetRegistry().boundKeys,
      ...(keyId === undefined ? {} : { bindingKeyId: keyId }),
      ...(dkmsInstanceId === undefined ? {} : { dkmsInstanceId }),
      ...(encryptionKeyId === undefined ? {} : { encryptionKeyId }),
      ...(warn === undefined ? {} : { warn }),
      ...(leases === undefined ? {} : { leases }),
    });
  };
  const dispose = () => emulator.stop();
  return {
    store: make(),
    emulator,
    cloud,
    ...(bindingKeyId === undefined ? {} : { bindingKeyId }),
    calls,
    actions: () => calls.map((l) => /^Kms\.(\w+) /.exec(l)?.[1] ?? /^(\w+) connection dropped/.exec(l)?.[1] ?? l),
    another: make,
    dispose,
    [Symbol.asyncDispose]: dispose,
  };
}
