/**
 * Plugin bench (`npm run bench -- --plugin`, or BENCH_ONLY=plugin): the
 * resource provider plugin beside the dynamic resources, in one run.
 *
 *   pulumi up   for 1 and 20 EcsSecrets (non-root passwords over 4 real sshd
 *               hosts, as the engine bench), the timed `pulumi up` after a
 *               rotateNow change rotates every secret: a YAML program through
 *               the plugin (real CLI, Pulumi's YAML language host) beside the
 *               TypeScript program through the dynamic resources;
 *   cold start  spawning the bundled plugin until it prints its port;
 *   tarball     the size of what `pulumi plugin install --file` takes.
 *
 * Each contender is checked after its run (every current password logs in).
 * Prints figures; asserts nothing about time. Env: BENCH_ENGINE_RUNS (3),
 * BENCH_PLUGIN_STARTS (10).
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PACKAGE_NAME } from "../provider/plugin/package-schema";
import { packagePlugin } from "../provider/plugin/plugin-package";
import { LocalSecretStore } from "../provider/store/local/local-store";
import { createPluginWorkspace } from "../testkit/pulumi/plugin-project";
import { allLogIn, enginePath, HOSTS, median, RUNS, SIZES, timed, withBenchFleet, type Declared } from "./engine";

const STARTS = Number(process.env.BENCH_PLUGIN_STARTS ?? 10);

/** A YAML program of `count` EcsSecrets, each password a secret config key. */
function yamlProgram(declared: readonly Declared[], count: number): string {
  const config = declared.slice(0, count).map((_, i) => `  pw${i}: { type: string, secret: true }\n`).join("");
  const resources = declared
    .slice(0, count)
    .map(
      (d, i) => `  s${i}:
    type: ${PACKAGE_NAME}:EcsSecret
    properties:
      instanceId: i-plugin${i % HOSTS}
      managedUser: ${d.user}
      credentialType: password
      initialValue: \${pw${i}}
      connection: { host: ${d.host.host}, port: ${d.host.port}, hostKeyFingerprint: "${d.host.hostKeyFingerprint}" }
      rotationPeriod: 30d
      rotationTrigger: \${rotateNow}
`,
    )
    .join("");
  return `name: plugin-bench-${count}\nruntime: yaml\nconfig:\n  rotateNow: { type: string, default: initial }\n${config}resources:\n${resources}`;
}

async function yamlPluginPath(dir: string, declared: readonly Declared[], count: number): Promise<number[]> {
  const storePath = join(dir, `plugin-${count}.enc`);
  const passphrase = randomBytes(18).toString("base64url");
  const ws = await createPluginWorkspace({ languageHost: "yaml" });
  try {
    await writeFile(join(ws.dir, "Pulumi.yaml"), yamlProgram(declared, count));
    await ws.pulumiOk(["stack", "init", "bench"]);
    await ws.setConfig("bench", { [`${PACKAGE_NAME}:localPath`]: storePath });
    await ws.setSecret("bench", `${PACKAGE_NAME}:passphrase`, passphrase);
    for (let i = 0; i < count; i++) await ws.setSecret("bench", `pw${i}`, declared[i]!.password);
    await ws.pulumiOk(["up", "--yes", "--skip-preview"], { stack: "bench" });
    const samples: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      await ws.setConfig("bench", { rotateNow: `run-${run}` });
      samples.push(await timed(() => ws.pulumiOk(["up", "--yes", "--skip-preview"], { stack: "bench" })));
    }
    const store = new LocalSecretStore({ path: storePath, passphrase });
    await allLogIn(store, declared, declared.slice(0, count).map((d, i) => `ecs/i-plugin${i % HOSTS}/${d.user}`));
    return samples;
  } finally {
    await ws.stop();
  }
}

/** Milliseconds from spawning the plugin to the port on its stdout. */
function coldStart(binary: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(binary, ["127.0.0.1:1"], { stdio: ["ignore", "pipe", "inherit"] });
    child.stdout.once("data", () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      child.kill("SIGTERM");
      resolve(ms);
    });
    child.on("error", reject);
  });
}

export async function runPluginBench(): Promise<void> {
  const plugin = await packagePlugin();
  const starts: number[] = [];
  for (let i = 0; i < STARTS; i++) starts.push(await coldStart(plugin.binary));
  console.log(`\nplugin bench: ${PACKAGE_NAME} v${plugin.version}`);
  console.log(`tarball ${(plugin.tarballBytes / 1024).toFixed(0)} KiB; cold start to its port p50 ${median(starts).toFixed(0)} ms (n=${STARTS}, min ${Math.min(...starts).toFixed(0)}, max ${Math.max(...starts).toFixed(0)})`);

  await withBenchFleet(async (dir, fleet, reset) => {
    console.log(`pulumi up rotating every secret, ${RUNS} runs each, ${HOSTS} hosts`);
    console.log(`${"secrets".padEnd(8)} ${"YAML + plugin p50".padStart(18)} ${"TS + dynamic p50".padStart(17)} ${"ratio".padStart(7)}`);
    for (const count of SIZES) {
      await reset();
      const yaml = await yamlPluginPath(dir, fleet, count);
      await reset();
      const dynamic = await enginePath(dir, fleet, count);
      const y = median(yaml);
      const d = median(dynamic);
      console.log(`${String(count).padEnd(8)} ${`${(y / 1000).toFixed(2)} s`.padStart(18)} ${`${(d / 1000).toFixed(2)} s`.padStart(17)} ${`${(y / d).toFixed(2)}x`.padStart(7)}`);
    }
  });
}
