/**
 * Programs that use the resource provider plugin, as a user of Python, Go or
 * YAML has them: the plugin tarball `npm run plugin` makes, installed with
 * `pulumi plugin install resource ... --file` into the project's PULUMI_HOME
 * (no PATH entry of ours: the engine finds it in the plugin cache), and for
 * YAML, Pulumi's own YAML language host built by scripts/pulumi-yaml.sh.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { PACKAGE_NAME } from "../../provider/plugin/package-schema";
import { packagePlugin } from "../../provider/plugin/plugin-package";
import { pulumiCliDir, REPO_ROOT, scriptBuiltDir } from "./pulumi-cli";
import { createWorkspace, type PulumiWorkspace } from "./pulumi-workspace";
import { runShared } from "./run-shared";

export interface PluginTarball {
  readonly path: string;
  readonly version: string;
}

/** The plugin tarball, bundled once per test run from this checkout and shared by every worker. */
export async function pluginTarball(): Promise<PluginTarball> {
  const dir = await runShared("plugin", REPO_ROOT, async (out) => {
    await packagePlugin(out);
  });
  const name = (await readdir(dir)).find((f) => f.endsWith(".tar.gz"));
  if (!name) throw new Error(`no plugin tarball in ${dir}`);
  const version = /-v([^-]+)-[^-]+-[^-]+\.tar\.gz$/.exec(name)?.[1];
  if (!version) throw new Error(`cannot read the version of ${name}`);
  return { path: join(dir, name), version };
}

/** The folder holding pulumi-language-yaml (scripts/pulumi-yaml.sh, or PULUMI_YAML_DIR). */
export function pulumiYamlDir(): Promise<string> {
  return scriptBuiltDir("pulumi-yaml.sh", "PULUMI_YAML_DIR");
}

/** `pulumi plugin install resource alicloud-managed-secrets <version> --file <tgz>`, as the README tells a user. */
export async function installPlugin(ws: PulumiWorkspace, tarball?: PluginTarball): Promise<PluginTarball> {
  const t = tarball ?? (await pluginTarball());
  await ws.pulumiOk(["plugin", "install", "resource", PACKAGE_NAME, t.version, "--file", t.path]);
  return t;
}

export interface PluginWorkspaceOptions {
  /** Language hosts to put on PATH besides the CLI: "yaml" for a YAML program file; none for Automation API inline programs. */
  readonly languageHost?: "yaml";
  /** Leave the plugin out (to see what a user without it is told). */
  readonly withoutPlugin?: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

/** A workspace with the real CLI (and YAML host) on PATH and the plugin installed. */
export async function createPluginWorkspace(options: PluginWorkspaceOptions = {}): Promise<PulumiWorkspace & { readonly plugin?: PluginTarball }> {
  const [cli, yaml] = await Promise.all([pulumiCliDir(), options.languageHost === "yaml" ? pulumiYamlDir() : undefined]);
  const ws = await createWorkspace({ path: yaml ? [cli, yaml] : [cli], env: options.env });
  try {
    const plugin = options.withoutPlugin ? undefined : await installPlugin(ws);
    return { ...ws, plugin };
  } catch (e) {
    await ws.stop();
    throw e;
  }
}
