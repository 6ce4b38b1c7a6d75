import type { RamSecretOutputs } from "./ram-secret-handler";
import { providerShim } from "../provider-shim";

/** RamSecret's dynamic provider: the serialized shim over the runtime's `ramSecret` entry. */
export const ramSecretProvider = providerShim<RamSecretOutputs>("ramSecret");
