import type { EcsSecretOutputs } from "./ecs-secret-handler";
import { providerShim } from "../provider-shim";

/** EcsSecret's dynamic provider: the serialized shim over the runtime's `ecsSecret` entry. */
export const ecsSecretProvider = providerShim<EcsSecretOutputs>("ecsSecret");
