import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { SCHEMA_PATH } from "../../provider/plugin/schema-file";
import { PLUGIN_VERSION } from "../../provider/plugin/plugin-main";
import { PACKAGE_NAME } from "../../provider/plugin/package-schema";
import { REPO_ROOT } from "../../testkit/pulumi/pulumi-cli";

/**
 * sdk/{python,go,dotnet,java} are generated from schema.json by Pulumi's own
 * generators (scripts/sdkgen/sdkgen.sh) and committed. Each records the
 * schema it came from, and the package and plugin version the engine asks for.
 */

const execFileP = promisify(execFile);
const LANGUAGES = ["python", "go", "dotnet", "java"] as const;
const sdk = (...parts: string[]) => readFile(join(REPO_ROOT, "sdk", ...parts), "utf8");

describe("generated SDKs", () => {
  it("each was generated from schema.json as it is now (else: scripts/sdkgen/sdkgen.sh)", async () => {
    const schemaSum = createHash("sha256").update(await readFile(SCHEMA_PATH)).digest("hex");
    for (const lang of LANGUAGES) {
      assert.equal((await sdk(lang, "schema.sha256")).trim(), schemaSum, `sdk/${lang} was generated from another schema.json: run scripts/sdkgen/sdkgen.sh`);
    }
  });

  it("each records the package version and the plugin the engine must load", async () => {
    const plugin = { resource: true, name: PACKAGE_NAME, version: PLUGIN_VERSION };
    assert.deepEqual(JSON.parse(await sdk("python", "pulumi_alicloud_managed_secrets", "pulumi-plugin.json")), plugin);
    assert.match(await sdk("python", "pyproject.toml"), new RegExp(`^\\s*version = "${PLUGIN_VERSION}"$`, "m"));
    assert.deepEqual(JSON.parse(await sdk("go", "alicloudmanagedsecrets", "pulumi-plugin.json")), plugin);
    assert.deepEqual(JSON.parse(await sdk("dotnet", "pulumi-plugin.json")), plugin);
    assert.match(await sdk("dotnet", "Pulumi.AlicloudManagedSecrets.csproj"), new RegExp(`<Version>${PLUGIN_VERSION}</Version>`));
    assert.equal((await sdk("java", "src", "main", "resources", "io", "github", PACKAGE_NAME, "version.txt")).trim(), PLUGIN_VERSION);
    assert.match(await sdk("java", "pom.xml"), new RegExp(`<version>${PLUGIN_VERSION}</version>`));
  });

  it("each marks the credential inputs secret itself, as Pulumi's generators do for secret: true", async () => {
    assert.match(await sdk("python", "pulumi_alicloud_managed_secrets", "ecs_secret.py"), /__props__.__dict__\["initial_value"\] = None if initial_value is None else pulumi\.Output\.secret\(initial_value\)/);
    assert.match(await sdk("go", "alicloudmanagedsecrets", "ramSecret.go"), /pulumi\.ToSecret\(args\.InitialAccessKeySecret\)/);
    assert.match(await sdk("dotnet", "EcsSecret.cs"), /Output\.CreateSecret/);
    assert.match(await sdk("java", "src", "main", "java", "io", "github", "alicloudmanagedsecrets", "EcsSecret.java"), /additionalSecretOutputs\(List\.of\(\s*"customValue",\s*"value"/);
  });

  it("the Java SDK compiles with Maven (.NET has no SDK on this machine: generated, not compiled)", async function () {
    this.timeout(300_000);
    const dir = await mkdtemp(join(tmpdir(), "ms-java-sdk-"));
    try {
      await cp(join(REPO_ROOT, "sdk", "java"), dir, { recursive: true });
      await execFileP("mvn", ["-q", "-B", "compile"], { cwd: dir, maxBuffer: 16 << 20 });
      await readFile(join(dir, "target", "classes", "io", "github", "alicloudmanagedsecrets", "EcsSecret.class"));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
