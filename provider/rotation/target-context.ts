import type { CloudSettings } from "../alicloud/cloud-settings";
import type { Clock } from "../core/clock";
import type { SecretStore } from "../store/secret-store";

/**
 * What a target needs from whoever runs it: the store (a RAM target keeps its
 * create intent there), the clock, and the cloud settings its clients use.
 * The runtime context satisfies it; targets never see the rest of it.
 */
export interface TargetContext {
  readonly store: SecretStore;
  readonly clock: Clock;
  cloud(): CloudSettings;
}
