import type { RamSecretOutputs } from "./ram-secret-handler";
import { providerShim } from "../resource/provider-shim";

/** RamSecret's dynamic provider: the serialized shim over the runtime's `ramSecret` entry. */
export const ramSecretProvider = providerShim<RamSecretOutputs>("ramSecret");
