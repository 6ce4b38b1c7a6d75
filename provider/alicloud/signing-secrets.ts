import type { $OpenApiUtil } from "@alicloud/openapi-core";

/**
 * The secrets a client signs its calls with: set on its Config, or resolved
 * by its credential provider (stack config, the environment, an ECS RAM
 * role, OIDC). Read only when a call failed, to cut them out of what the
 * service said (cloud-api-error.ts); a provider that cannot say (the very
 * failure being reported) yields nothing more.
 */
export async function signingSecrets(config: $OpenApiUtil.Config): Promise<string[]> {
  const found = [config.accessKeySecret, config.securityToken, config.bearerToken];
  try {
    const resolved = await config.credential?.getCredential();
    found.push(resolved?.accessKeySecret, resolved?.securityToken, resolved?.bearerToken);
  } catch {
    // Nothing resolved: nothing of it can have been sent.
  }
  return found.filter((s): s is string => typeof s === "string" && s !== "");
}
