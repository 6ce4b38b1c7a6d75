import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { lazy } from "../../provider/core/lazy";

const REPO = join(__dirname, "..", "..");

/**
 * The packages (and the project's files) a fresh Node process has loaded after
 * `script`, which runs with @pulumi/pulumi already loaded, as in a program and
 * in Pulumi's host.
 */
async function loadedAfter(script: string): Promise<string[]> {
  const program = `
    require("@pulumi/pulumi");
    const before = new Set(Object.keys(require.cache));
    (async () => {
      ${script}
      const loaded = Object.keys(require.cache).filter((f) => !before.has(f));
      const names = loaded.map((f) => {
        const i = f.lastIndexOf("node_modules/");
        if (i < 0) return require("node:path").relative(${JSON.stringify(REPO)}, f);
        const [scope, name] = f.slice(i + "node_modules/".length).split("/");
        return scope.startsWith("@") ? scope + "/" + name : scope;
      });
      process.stdout.write(JSON.stringify([...new Set(names)]));
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "-e", program], { cwd: REPO, env: { ...process.env, NODE_OPTIONS: "" } });
  return JSON.parse(stdout) as string[];
}

const VALID_ECS_INPUTS = {
  instanceId: "i-bp1abc",
  managedUser: "root",
  credentialType: "password",
  initialValue: "Initial-Secret-1",
  connection: { host: "127.250.250.250", port: 1, hostKeyFingerprint: `SHA256:${"A".repeat(43)}` },
};

describe("lazy: a module loaded on first use", function () {
  this.timeout(120_000);

  it("loads nothing until asked, then loads once and hands back the same value", () => {
    let loads = 0;
    const mod = lazy(() => ({ n: ++loads }));
    assert.equal(loads, 0);
    const first = mod();
    assert.equal(mod(), first);
    assert.deepEqual([loads, first.n], [1, 1]);
  });

  it("does not remember a load that threw: the next call tries again (an optional peer installed later)", () => {
    let calls = 0;
    const mod = lazy(() => {
      if (++calls === 1) throw new Error("Cannot find module");
      return "loaded";
    });
    assert.throws(mod, /Cannot find module/);
    assert.equal(mod(), "loaded");
    assert.equal(calls, 2);
  });

  it("a preview's calls into the runtime entry (configure, check) load no cloud SDK, no ssh2 and no pino", async () => {
    const loaded = await loadedAfter(`
      const runtime = require("./provider/runtime.ts");
      runtime.configure({ get: () => undefined });
      const r = await runtime.ecsSecret.check({}, ${JSON.stringify(VALID_ECS_INPUTS)});
      if (r.failures.length > 0) throw new Error(JSON.stringify(r.failures));`);
    assert.ok(loaded.includes("provider/runtime.ts") && loaded.includes("zod"), `the script did not load the runtime: ${loaded.join(", ")}`);
    assert.deepEqual(loaded.filter((m) => m.startsWith("@alicloud/") || m === "ssh2" || m === "pino"), []);
  });

  it("the package entry loads neither the runner's deployment, zod, fflate nor @pulumi/alicloud", async () => {
    const loaded = await loadedAfter(`require("./index.ts");`);
    assert.ok(loaded.includes("sdk/rotation-runner.ts"), `the script did not load the SDK: ${loaded.join(", ")}`);
    assert.deepEqual(loaded.filter((m) => m.includes("runner/deploy/") || ["zod", "fflate", "@pulumi/alicloud"].includes(m)), []);
  });
});
