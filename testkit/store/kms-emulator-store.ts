import { startEmulator, type EmulatorHandle, type EmulatorOptions } from "../../emulator";
import type { Clock } from "../../provider/core/clock";
import { openApiConfig, type CloudSettings } from "../../provider/alicloud/cloud-settings";
import { createKmsClient } from "../../provider/alicloud/kms-client";
import { KmsSecretStore } from "../../provider/store/kms/kms-store";
import { CLOUD_API_RETRY, type RetryPolicy } from "../../provider/core/retry";

/**
 * A KmsSecretStore on a fresh local emulator, through the real SDK with real
 * ACS3 signing. The emulator's business clock is the test's clock, so moving
 * one moves both (recovery windows, version and update times, lease expiry).
 */
export interface KmsEmulatorStore extends AsyncDisposable {
  readonly store: KmsSecretStore;
  readonly emulator: EmulatorHandle;
  readonly cloud: CloudSettings;
  /** "Kms.<Action> <status> ..." for every call the emulator answered, in order. */
  readonly calls: string[];
  /** The KMS actions called so far (answered or not), in order; `calls.length = 0` resets both. */
  actions(): string[];
  /** Another store on the same emulator: a second runner, another process. */
  another(options?: { clock?: Clock; retry?: RetryPolicy }): KmsSecretStore;
  dispose(): Promise<void>;
}

/** Tests never wait for a back-off: the KMS client's retries are immediate unless a test injects its own sleep. */
export const NO_WAIT: RetryPolicy = { ...CLOUD_API_RETRY, sleep: async () => undefined };

export async function startKmsEmulatorStore(
  options: { clock?: Clock; retry?: RetryPolicy; emulator?: Pick<EmulatorOptions, "kmsQps" | "rateClock"> } = {},
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
  const make = (o: { clock?: Clock; retry?: RetryPolicy } = {}) =>
    new KmsSecretStore({ client: () => createKmsClient(openApiConfig(cloud, "kms.invalid"), o.retry ?? options.retry ?? NO_WAIT), clock: o.clock ?? options.clock });
  const dispose = () => emulator.stop();
  return {
    store: make(),
    emulator,
    cloud,
    calls,
    actions: () => calls.map((l) => /^Kms\.(\w+) /.exec(l)?.[1] ?? /^(\w+) connection dropped/.exec(l)?.[1] ?? l),
    another: make,
    dispose,
    [Symbol.asyncDispose]: dispose,
  };
}
