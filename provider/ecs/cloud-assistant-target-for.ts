import type { RuntimeContext } from "../runtime-context";
import type { KeyAlgorithm } from "../credentials/generate-key-pair";
import { EcsCloudAssistantTarget } from "./cloud-assistant-target";

/**
 * A Cloud Assistant target on the context's cloud settings (endpoint and
 * credentials), built the same way from the program and from store metadata.
 * The ECS client is made on first use, so building the target costs nothing.
 */
export function cloudAssistantTargetFor(
  t: { secretName: string; managedUser: string; credentialType: "password" | "keyPair"; keyAlgorithm: KeyAlgorithm; regionId: string; instanceId: string },
  ctx: Pick<RuntimeContext, "cloud">,
): EcsCloudAssistantTarget {
  const pollMs = Number(process.env.MANAGED_SECRETS_CLOUD_ASSISTANT_POLL_MS) || undefined;
  return new EcsCloudAssistantTarget({
    ...t,
    pollMs,
    client: () => {
      const { cloudAssistantClientFor } = require("./cloud-assistant-client") as typeof import("./cloud-assistant-client");
      return cloudAssistantClientFor(ctx.cloud(), t.regionId);
    },
  });
}
