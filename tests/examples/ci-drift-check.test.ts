import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../../provider/cli/program";
import { createTestStore, type TestStore } from "../../testkit/store/test-store";
import { emptyDocument } from "../../provider/store/local/store-document";
import { writeFormat1File } from "../../provider/store/local/format1-file";

/**
 * examples/ci-drift-check/drift-check.yml has no Pulumi program to mock: what
 * can break is the workflow itself drifting from the tools it calls. Check
 * that it still runs both checks, with flags the CLI accepts.
 */

const REPO = join(__dirname, "..", "..");

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}

function workflow(): { on: Record<string, unknown>; jobs: Record<string, { env: Record<string, string>; steps: Step[] }> } {
  const yaml = require(require.resolve("js-yaml", { paths: [require.resolve("@pulumi/pulumi")] })) as { load(text: string): unknown };
  return yaml.load(readFileSync(join(REPO, "examples", "ci-drift-check", "drift-check.yml"), "utf8")) as ReturnType<typeof workflow>;
}

describe("examples/ci-drift-check", () => {
  let t: TestStore;
  before(async () => {
    t = await createTestStore();
    // check refuses a local store file that does not exist (a wrong path must not pass CI); the workflow's kms store always exists.
    await writeFormat1File(t.path, t.passphrase, emptyDocument());
  });
  after(async () => t[Symbol.asyncDispose]());

  it("runs pulumi preview --refresh --expect-no-changes and managed-secrets check, hourly and on pull requests", () => {
    const w = workflow();
    assert.ok(w.on.schedule && "pull_request" in w.on);
    const steps = w.jobs.drift!.steps;
    const preview = steps.find((s) => s.uses?.startsWith("pulumi/actions@"));
    assert.ok(preview, "a pulumi/actions step");
    assert.deepEqual([preview.with?.command, preview.with?.refresh, preview.with?.["expect-no-changes"]], ["preview", true, true]);
    assert.ok(steps.some((s) => s.run?.trim() === "npx managed-secrets check --json"));
    assert.equal(w.jobs.drift!.env.MANAGED_SECRETS_STORE, "kms");
  });

  it("the check flags the workflow and its README use exist, and the package ships the managed-secrets bin", async () => {
    const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { bin: Record<string, string> };
    assert.ok(pkg.bin["managed-secrets"]);
    for (const argv of [["check", "--json"], ["check", "--no-probe"], ["check", "--json", "--no-probe", "--tolerance", "1h"]]) {
      let out = "";
      let err = "";
      const code = await runCli(argv, { out: { write: (s) => void (out += s) }, err: { write: (s) => void (err += s) }, context: () => t.context("ci") });
      assert.equal(code, 0, `${argv.join(" ")}: ${err}`);
      assert.ok(argv.includes("--json") ? JSON.parse(out).length === 0 : /all 0 secrets healthy/.test(out), out);
    }
  });
});
