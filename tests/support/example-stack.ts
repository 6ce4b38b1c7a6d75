/**
 * examples/managed-secrets as a user's own project under the real Pulumi CLI:
 * the example's program and config schema, Pulumi.dev.yaml's settings, and the
 * config `npm run sandbox` prints (credentials set with --secret through stdin).
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { sandboxStackConfig, type Sandbox } from "../../testkit/sandbox/sandbox";
import { createPulumiProject, REPO_ROOT, type PulumiProject } from "../../testkit/pulumi/pulumi-cli";

export const EXAMPLE_PROJECT = "managed-secrets-example";
const EXAMPLE = join(REPO_ROOT, "examples", "managed-secrets");

export interface ExampleStackOptions {
  readonly sandbox: Sandbox;
  readonly tarball: string;
  readonly stack: string;
  /** Plain config to set over the example's and the sandbox's (program keys without namespace). */
  readonly config?: Readonly<Record<string, string>>;
  /** Rewrites the `instances` list before it is set (e.g. to reach a host through a relay). */
  readonly instances?: (list: Array<Record<string, unknown>>) => Array<Record<string, unknown>>;
  /** Adds `customValue: cfg.getSecret("<name>CustomPassword")` to each password secret. */
  readonly customValueHook?: boolean;
  /** program.ts as another release of the example had it (default: this checkout's). */
  readonly programPath?: string;
}

function programFiles(customValueHook: boolean, programPath = join(EXAMPLE, "program.ts")): Record<string, string> {
  const program = readFileSync(programPath, "utf8");
  let text = program;
  if (customValueHook) {
    text = program.replace(
      "initialValue: cfg.requireSecret(`${instance.name}RootPassword`),",
      "initialValue: cfg.requireSecret(`${instance.name}RootPassword`),\n      customValue: cfg.getSecret(`${instance.name}CustomPassword`),",
    );
    assert.notEqual(text, program, "the example's program changed shape: update the customValue hook");
  }
  return { "index.ts": readFileSync(join(EXAMPLE, "index.ts"), "utf8"), "program.ts": text };
}

/** The example's config schema (its Pulumi.yaml from `config:` on). */
function configSchema(): string {
  const yaml = readFileSync(join(EXAMPLE, "Pulumi.yaml"), "utf8");
  return yaml.slice(yaml.indexOf("\nconfig:") + 1);
}

/** A project with one initialized stack, configured for the sandbox. */
export async function createExampleStack(options: ExampleStackOptions): Promise<PulumiProject> {
  const project = await createPulumiProject({
    name: EXAMPLE_PROJECT,
    files: programFiles(options.customValueHook ?? false, options.programPath),
    tarball: options.tarball,
    projectYaml: configSchema(),
  });
  try {
    await project.pulumiOk(["stack", "init", options.stack]);
    const plain: Record<string, string> = {};
    const dev = readFileSync(join(EXAMPLE, "Pulumi.dev.yaml"), "utf8");
    for (const m of dev.matchAll(/^ {2}managed-secrets-example:(\w+): (.+)$/gm)) plain[m[1]!] = m[2]!;
    const entries = sandboxStackConfig(options.sandbox);
    for (const e of entries) {
      if (e.secret) continue;
      plain[e.key] = e.key === "instances" && options.instances ? JSON.stringify(options.instances(JSON.parse(e.value) as Array<Record<string, unknown>>)) : e.value;
    }
    await project.setConfig(options.stack, { ...plain, ...options.config });
    for (const e of entries) if (e.secret) await project.setSecret(options.stack, e.key, e.value);
    return project;
  } catch (e) {
    await project.stop();
    throw e;
  }
}
