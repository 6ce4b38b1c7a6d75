/**
 * The engine path's setup, shared by the suites that drive the provider the
 * way `pulumi up` does: the package as users install it (the built dist/), in
 * @pulumi/pulumi's own dynamic-provider host, configured as stack config is.
 */
import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { CloudSettings } from "../../provider/alicloud/cloud-settings";
import { createProjectDir, startProviderHost, type StartedProviderHost } from "../../testkit/provider-host/dynamic-provider-host";
import type { TestStore } from "../../testkit/store/test-store";

const DIST = resolve(__dirname, "..", "..", "dist");

const PROVIDER_MODULES = {
  ecs: ["ecs-secret", "ecs-secret-provider.js", "ecsSecretProvider"],
  ram: ["ram-secret", "ram-secret-provider.js", "ramSecretProvider"],
} as const;

/** What pulumi.dynamic.Resource stores as `__provider` for one resource type, from the built package. */
export async function serializeBuiltProvider(kind: keyof typeof PROVIDER_MODULES): Promise<pulumi.runtime.SerializedFunction> {
  assert.ok(existsSync(resolve(DIST, "index.js")), "the engine-path tests load the built package: run `npm run build` first (npm test does)");
  const [folder, file, name] = PROVIDER_MODULES[kind];
  const providerObject = (require(resolve(DIST, "provider", "resources", folder, file)) as Record<string, object>)[name];
  return pulumi.runtime.serializeFunction(() => providerObject, { allowSecrets: true });
}

export interface EngineHost {
  readonly provider: StartedProviderHost;
  /** The throwaway project the host runs in; its node_modules resolves this package. */
  readonly project: { readonly dir: string };
  stop(): Promise<void>;
}

/**
 * The host, configured with the store's settings (and the cloud's, when
 * given) and `extra` through Configure only: those settings are removed from
 * the host's environment, so nothing arrives except as stack config would.
 */
export async function startEngineHost(t: TestStore, options: { cloud?: CloudSettings; extra?: Record<string, string> } = {}): Promise<EngineHost> {
  const { cloud, extra = {} } = options;
  const fromStackOnly = cloud ? /^(MANAGED_SECRETS_|ALIBABA_CLOUD_|ALICLOUD_)/ : /^MANAGED_SECRETS_/;
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !fromStackOnly.test(k)));
  const project = await createProjectDir();
  let provider: StartedProviderHost | undefined;
  try {
    provider = await startProviderHost({ cwd: project.dir, env });
    await provider.configure({
      "managed-secrets:store": "local",
      "managed-secrets:localPath": t.path,
      "managed-secrets:passphrase": t.passphrase,
      ...(cloud
        ? {
            "managed-secrets:endpoint": cloud.endpoint!,
            "managed-secrets:region": cloud.regionId,
            "managed-secrets:accessKeyId": cloud.accessKeyId!,
            "managed-secrets:accessKeySecret": cloud.accessKeySecret!,
          }
        : {}),
      ...extra,
    });
  } catch (e) {
    await provider?.stop();
    await project.dispose();
    throw e;
  }
  const started = provider;
  return {
    provider: started,
    project,
    stop: async () => {
      await started.stop();
      await project.dispose();
    },
  };
}
