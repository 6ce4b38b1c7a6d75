import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, posix, relative } from "node:path";
import { promisify } from "node:util";
import { packPackage, REPO_ROOT, STOCK_TSCONFIG } from "../../testkit/pulumi/pulumi-cli";
import { installUserProject, userPackageJson } from "../../testkit/pulumi/user-project";
import { newestNode } from "../support/newest-node";

/**
 * The package as a Pulumi user gets it: the `npm pack` tarball of this
 * checkout (dist/ from `npm run build`), installed into a fresh project with
 * the tsconfig `pulumi new typescript` writes and no skipLibCheck. Catches
 * typings that drag dependencies' .d.ts into the user's compilation, subpath
 * imports that only resolve under nodenext, dependencies runtime code does
 * not import (or imports without declaring), and tarball contents that name
 * files the tarball does not hold.
 */

const execFileP = promisify(execFile);

interface PackageJson {
  name: string;
  main: string;
  types: string;
  bin: Record<string, string>;
  exports: unknown;
  typesVersions?: Record<string, Record<string, string[]>>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import {
  EcsSecret,
  ERROR_CODES,
  ManagedSecretsError,
  RamSecret,
  RotationRunner,
  type EcsSecretArgs,
  type EcsSecretOutputs,
  type ErrorCode,
  type RamSecretArgs,
  type RotationRunnerArgs,
} from "alicloud-managed-secrets";
import { startEmulator, type EmulatorHandle } from "alicloud-managed-secrets/emulator";

pulumi.runtime.setMocks(
  {
    newResource: (args) => ({ id: args.name + "-id", state: { ...args.inputs, versionId: "v1" } }),
    call: () => ({}),
  },
  "project",
  "stack",
  false,
);

const cfgPassword = pulumi.secret("Mock-Root-Password-42");
const ecsArgs: EcsSecretArgs = {
  instanceId: "i-bp1mock",
  managedUser: "root",
  credentialType: "password",
  initialValue: cfgPassword,
  connection: { host: "10.0.0.5", hostKeyFingerprint: "SHA256:" + "B".repeat(43) },
  rotationPeriod: "30d",
};
const ramArgs: RamSecretArgs = { userName: "app", initialAccessKeyId: "LTAImock", initialAccessKeySecret: pulumi.secret("mock-secret"), previousKeyAction: "deactivate" };
const runnerArgs: RotationRunnerArgs = { schedule: "@every 15m", region: "cn-hangzhou", accountId: "1234567890123456", bindingKeyId: "key-bindings1234" };

const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

async function main(): Promise<void> {
  const result: Record<string, unknown> = {};
  const web = new EcsSecret("web-1-root", ecsArgs);
  const app = new RamSecret("app-key", ramArgs);
  result.ids = [await value(web.id), await value(app.id)];
  const versionId: EcsSecretOutputs["versionId"] = await value(web.versionId);
  result.versionId = versionId;
  try {
    new RotationRunner("runner", runnerArgs);
    result.runner = "constructed";
  } catch (e) {
    result.runner = { isManagedSecretsError: e instanceof ManagedSecretsError, code: (e as ManagedSecretsError).code, message: (e as Error).message };
  }
  const code: ErrorCode = "InvalidInput";
  result.errorCodeDocumented = typeof ERROR_CODES[code] === "string";
  const emulator: EmulatorHandle = await startEmulator();
  result.emulatorEndpoint = /^127\\.0\\.0\\.1:[0-9]+$/.test(emulator.endpoint);
  await emulator.stop();
  console.log(JSON.stringify(result));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
`;

describe("the npm package, installed into a fresh Pulumi project", function () {
  this.timeout(15 * 60_000);

  let unpacked: string;
  let files: Set<string>;
  let pkg: PackageJson;
  let project: string;
  /** `tsc -p tsconfig.json` with the stock tsconfig: its exit is the type check, its bin/ the program to run. */
  let stockBuild: { code: number; stdout: string; stderr: string };

  before(async () => {
    assert.ok(existsSync(join(REPO_ROOT, "dist", "index.d.ts")), "the package is packed from dist/: run `npm run build` first (npm test does)");
    const tarball = await packPackage();
    unpacked = await mkdtemp(join(tmpdir(), "ms-unpacked-"));
    await execFileP("tar", ["-xzf", tarball, "-C", unpacked]);
    unpacked = join(unpacked, "package");
    files = new Set(await listFiles(unpacked));
    pkg = JSON.parse(await readFile(join(unpacked, "package.json"), "utf8")) as PackageJson;
    project = await createProject(tarball);
    // One compile both checks and emits: a type error fails it (exit 2) all the same.
    stockBuild = await run("npx", ["tsc", "-p", "tsconfig.json"], project);
  });

  after(async () => {
    if (unpacked) await rm(dirname(unpacked), { recursive: true, force: true });
    if (project) await rm(project, { recursive: true, force: true });
  });

  it("ships the Apache-2.0 LICENSE", async () => {
    assert.ok(files.has("LICENSE"), "no LICENSE in the tarball");
    const text = await readFile(join(unpacked, "LICENSE"), "utf8");
    assert.match(text, /Apache License\s+Version 2\.0, January 2004/);
    assert.match(text, /TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION/);
  });

  it("names only files it ships: main, types, bin, every export condition, typesVersions and every source map's sources", async () => {
    const named: string[] = [pkg.main, pkg.types, ...Object.values(pkg.bin), ...leaves(pkg.exports)];
    for (const map of Object.values(pkg.typesVersions ?? {})) for (const targets of Object.values(map)) named.push(...targets);
    const missing = named.map((p) => posix.normalize(p)).filter((p) => !files.has(p));
    for (const file of files) {
      if (!file.endsWith(".map")) continue;
      const map = JSON.parse(await readFile(join(unpacked, file), "utf8")) as { sources: string[]; sourceRoot?: string };
      for (const source of map.sources) {
        const path = posix.normalize(posix.join(posix.dirname(file), map.sourceRoot ?? "", source));
        if (!files.has(path)) missing.push(`${path} (from ${file})`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it("ships no build tool, no tests and no test kit", () => {
    const unwanted = [...files].filter((f) => /(^|\/)(tests?|testkit|bench|examples)\//.test(f) || /\.test\.(ts|js)$/.test(f) || f.startsWith("dist/provider/runner/deploy/bundle.") || f.endsWith(".tgz"));
    assert.deepEqual(unwanted, []);
  });

  it("depends on exactly the packages its runtime code requires; @pulumi/pulumi is a peer, not a second copy", async () => {
    const required = new Set<string>();
    for (const file of files) {
      if (!file.startsWith("dist/") || file.startsWith("dist/fc/") || !file.endsWith(".js")) continue;
      const text = await readFile(join(unpacked, file), "utf8");
      for (const m of text.matchAll(/require\("([^"]+)"\)/g)) {
        const spec = m[1]!;
        if (spec.startsWith(".") || spec.startsWith("node:") || builtinModules.includes(spec.split("/")[0]!)) continue;
        const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!;
        if (name !== pkg.name) required.add(name);
      }
    }
    const deps = Object.keys(pkg.dependencies ?? {});
    const peers = Object.keys(pkg.peerDependencies ?? {});
    assert.deepEqual(deps.filter((d) => peers.includes(d)), [], "a package is both a dependency and a peer");
    assert.deepEqual([...deps, ...peers].sort(), [...required].sort());
    assert.ok(peers.includes("@pulumi/pulumi"));
    assert.equal(pkg.peerDependenciesMeta?.["@pulumi/pulumi"]?.optional, undefined, "@pulumi/pulumi must not be an optional peer");
  });

  it("type-checks a program with the stock `pulumi new typescript` tsconfig (moduleResolution node, no skipLibCheck)", () => {
    assert.equal(stockBuild.code, 0, `tsc reported:\n${stockBuild.stdout}${stockBuild.stderr}`);
  });

  it("type-checks the same program under module/moduleResolution nodenext", async () => {
    const r = await run("npx", ["tsc", "--noEmit", "-p", "tsconfig.nodenext.json"], project);
    assert.equal(r.code, 0, `tsc reported:\n${r.stdout}${r.stderr}`);
  });

  it("runs the compiled setMocks program: resources register, RotationRunner says to install @pulumi/alicloud, the emulator starts", async () => {
    assert.equal(stockBuild.code, 0, `tsc reported:\n${stockBuild.stdout}${stockBuild.stderr}`);
    const r = await run(process.execPath, [join("bin", "index.js")], project);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, unknown>;
    assert.deepEqual(result.ids, ["web-1-root-id", "app-key-id"]);
    assert.equal(result.versionId, "v1");
    const runner = result.runner as { isManagedSecretsError: boolean; code: string; message: string };
    assert.equal(runner.isManagedSecretsError, true);
    assert.equal(runner.code, "MissingDependency");
    assert.match(runner.message, /npm install @pulumi\/alicloud/);
    assert.equal(result.errorCodeDocumented, true);
    assert.equal(result.emulatorEndpoint, true);
  });

  it("runs the same compiled program under the newest Node.js (the top of the supported range)", async () => {
    const node = newestNode();
    if (!existsSync(join(project, "bin", "index.js"))) {
      const build = await run("npx", ["tsc", "-p", "tsconfig.json"], project);
      assert.equal(build.code, 0, `tsc reported:\n${build.stdout}${build.stderr}`);
    }
    const r = await run(node.path, [join("bin", "index.js")], project);
    assert.equal(r.code, 0, `under Node ${node.major}:\n${r.stderr}`);
    const result = JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, unknown>;
    assert.deepEqual(result.ids, ["web-1-root-id", "app-key-id"]);
    assert.equal((result.runner as { code: string }).code, "MissingDependency");
    assert.equal(result.emulatorEndpoint, true);
  });
});

async function createProject(tarball: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "ms-userproject-"));
  // What `pulumi new typescript` sets up, then `npm install <tarball>` (the run's one real install, copied).
  await installUserProject(dir, await userPackageJson("user-project"), tarball, process.env);
  await writeFile(join(dir, "tsconfig.json"), `${JSON.stringify(STOCK_TSCONFIG, null, 2)}\n`);
  const nodenext = { ...STOCK_TSCONFIG, compilerOptions: { ...STOCK_TSCONFIG.compilerOptions, module: "nodenext", moduleResolution: "nodenext", noEmit: true } };
  await writeFile(join(dir, "tsconfig.nodenext.json"), `${JSON.stringify(nodenext, null, 2)}\n`);
  await writeFile(join(dir, "index.ts"), PROGRAM);
  await mkdir(join(dir, "bin"));
  return dir;
}

async function run(cmd: string, args: readonly string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  // The test runner's TypeScript loader must not leak into the user's tools.
  const env = { ...process.env, NODE_OPTIONS: "", npm_config_update_notifier: "false" };
  try {
    const { stdout, stderr } = await execFileP(cmd, [...args], { cwd, env, maxBuffer: 16 << 20, timeout: 10 * 60_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === "number" ? err.code : 1, stdout: err.stdout ?? "", stderr: err.stderr ?? String(e) };
  }
}

async function listFiles(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(root, path)));
    else out.push(relative(root, path).split("\\").join("/"));
  }
  return out;
}

function leaves(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (value && typeof value === "object") return Object.values(value).flatMap(leaves);
  return [];
}
