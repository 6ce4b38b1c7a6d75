/**
 * The real provider objects, driven the way `pulumi up` drives them: the
 * serialized provider (`__provider`) goes to @pulumi/pulumi's own
 * dynamic-provider host, which is configured with stack config and called
 * over gRPC (Check, Create, Read, Diff, Delete), through the same driver the
 * engine-path tests use.
 *
 * The host resolves `alicloud-managed-secrets/runtime` from its project
 * directory, as it does for users. Here that directory holds a two-file
 * package that loads the runtime from this checkout's TypeScript sources
 * (through tsx), so the demo runs straight after `npm ci`, with no build.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ecsSecretProvider } from "../../provider/resources/ecs-secret/ecs-secret-provider";
import { ramSecretProvider } from "../../provider/resources/ram-secret/ram-secret-provider";
import { startProviderHost, type Props, type StartedProviderHost } from "./dynamic-provider-host";

const REPO = resolve(__dirname, "..", "..");
const PROJECT = "managed-secrets-example";

export type ResourceKind = "EcsSecret" | "RamSecret";

export interface SourceProviderHost {
  readonly host: StartedProviderHost;
  /** The `__provider` text each resource type carries, as pulumi.dynamic.Resource serializes it. */
  readonly serialized: Readonly<Record<ResourceKind, string>>;
  /** The URN the engine would give a resource of this stack. */
  urn(kind: ResourceKind, name: string): string;
  stop(): Promise<void>;
}

/**
 * Starts the host in a throwaway project dir (removed by stop()). Nothing is
 * read from this process's environment: MANAGED_SECRETS_* and ALIBABA_CLOUD_*
 * are removed from the host's, so settings arrive only through configure(),
 * as a stack's config does.
 */
export async function startSourceProviderHost(stack: string): Promise<SourceProviderHost> {
  const dir = await mkdtemp(join(tmpdir(), "ms-pulumi-project-"));
  try {
    await writeCheckoutRuntimePackage(dir);
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(MANAGED_SECRETS_|ALIBABA_CLOUD_|ALICLOUD_)/.test(k)));
    const [serializing, starting] = await Promise.allSettled([serializeProviders(), startProviderHost({ cwd: dir, env })]);
    if (serializing.status === "rejected" || starting.status === "rejected") {
      if (starting.status === "fulfilled") await starting.value.stop();
      throw serializing.status === "rejected" ? serializing.reason : (starting as PromiseRejectedResult).reason;
    }
    const [serialized, host] = [serializing.value, starting.value];
    return {
      host,
      serialized,
      urn: (kind, name) => `urn:pulumi:${stack}::${PROJECT}::pulumi-nodejs:dynamic/alicloud-managed-secrets:${kind}::${name}`,
      stop: async () => {
        await host.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

/** node_modules/alicloud-managed-secrets with only the `./runtime` entry, loading provider/runtime.ts through tsx. */
async function writeCheckoutRuntimePackage(projectDir: string): Promise<void> {
  const pkg = join(projectDir, "node_modules", "alicloud-managed-secrets");
  await mkdir(pkg, { recursive: true });
  await writeFile(
    join(pkg, "package.json"),
    `${JSON.stringify({ name: "alicloud-managed-secrets", version: "0.0.0-checkout", private: true, exports: { "./runtime": "./runtime.cjs" } }, null, 2)}\n`,
  );
  await writeFile(
    join(pkg, "runtime.cjs"),
    [
      "// Written by testkit/provider-host/source-provider-host.ts: the runtime from the checkout's sources.",
      `require(${JSON.stringify(require.resolve("tsx/cjs/api"))}).register();`,
      `module.exports = require(${JSON.stringify(join(REPO, "provider", "runtime.ts"))});`,
      "",
    ].join("\n"),
  );
}

/** What pulumi.dynamic.Resource stores as `__provider` for each resource type. */
async function serializeProviders(): Promise<Record<ResourceKind, string>> {
  const ecs = ecsSecretProvider;
  const ram = ramSecretProvider;
  const [e, r] = await Promise.all([
    pulumi.runtime.serializeFunction(() => ecs, { allowSecrets: true }),
    pulumi.runtime.serializeFunction(() => ram, { allowSecrets: true }),
  ]);
  return { EcsSecret: e.text, RamSecret: r.text };
}

export type { Props };
