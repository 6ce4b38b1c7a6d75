import type { TargetContext } from "../../rotation/target-context";
import type { KeyAlgorithm } from "../../credentials/generate-key-pair";
import { EcsCloudAssistantTarget } from "./cloud-assistant-target";
import { ManagedSecretsError } from "../../core/errors";
import { cloudAssistantClientFor } from "../../alicloud/cloud-assistant-client";

const POLL_ENV = "MANAGED_SECRETS_CLOUD_ASSISTANT_POLL_MS";
/** Under 10 ms is a busy loop even against an emulator; over a minute a rotation looks hung while it waits. */
const POLL_MS_RANGE = { min: 10, max: 60_000 } as const;

/** How often to ask for an invocation's result: the environment can slow it (quotas) or speed it (tests). */
export function pollMsFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env[POLL_ENV];
  if (raw === undefined || raw === "") return undefined;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < POLL_MS_RANGE.min || ms > POLL_MS_RANGE.max) {
    throw new ManagedSecretsError("InvalidInput", `${POLL_ENV} must be a whole number of milliseconds from ${POLL_MS_RANGE.min} to ${POLL_MS_RANGE.max}, got ${JSON.stringify(raw)}`, {
      property: POLL_ENV,
    });
  }
  return ms;
}

/**
 * A Cloud Assistant target on the context's cloud settings (endpoint and
 * credentials), built the same way from the program and from store metadata.
 * The ECS client is made on first use, so building the target costs nothing.
 */
export function cloudAssistantTargetFor(
  t: { secretName: string; managedUser: string; credentialType: "password" | "keyPair"; keyAlgorithm: KeyAlgorithm; regionId: string; instanceId: string },
  ctx: Pick<TargetContext, "cloud">,
): EcsCloudAssistantTarget {
  const pollMs = pollMsFromEnv();
  return new EcsCloudAssistantTarget({
    ...t,
    pollMs,
    client: () => cloudAssistantClientFor(ctx.cloud(), t.regionId),
  });
}
