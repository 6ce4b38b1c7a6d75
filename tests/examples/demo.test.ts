import { strict as assert } from "node:assert";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireRootForHosts } from "../../testkit/sshd/ssh-host";
import { killScript, runScript, type ScriptRun } from "../support/run-script";

/**
 * `npm run demo` end to end (tsx examples/demo.ts, exactly as the script
 * runs it): every step reports success, and no credential the demo made
 * (initial, rotated, admin, passphrase) reaches its output.
 */

const NOBODY = 65534;

describe("npm run demo (smoke)", function () {
  this.timeout(180_000);
  let dir: string;
  let run: ScriptRun | undefined;

  before(async () => {
    requireRootForHosts();
    dir = await mkdtemp(join(tmpdir(), "ms-demo-test-"));
  });
  afterEach(async () => killScript(run));
  after(async () => rm(dir, { recursive: true, force: true }));

  it("shows every step succeeding and prints no credential it made", async () => {
    const credentialsFile = join(dir, "credentials.json");
    run = runScript("examples/demo.ts", { env: { MANAGED_SECRETS_DEMO_CREDENTIALS_FILE: credentialsFile } });
    const code = await run.exited;
    const out = run.stdout();
    assert.equal(code, 0, `demo exited ${code}:\n${out}\n${run.stderr()}`);

    for (const n of [1, 2, 3, 4, 5, 6, 7, 8]) assert.match(out, new RegExp(`^== ${n}\\. `, "m"), `step ${n} is reported`);
    // The runner's table: the three 30-day secrets rotated to v2, the 90-day one left alone.
    for (const name of ["ecs/i-sandboxweb1/root", "ecs/i-sandboxweb1/root-key", "ram/app-ci"]) {
      assert.match(out, new RegExp(`^ +${escape(name)} +rotated +v2 +due since `, "m"), `${name} rotated`);
      assert.match(out, new RegExp(`^ +${escape(name)} +v1 -> v2 +yes \\(.*\\) +no \\(`, "m"), `${name}: new credential in, old one out`);
    }
    assert.match(out, /^ +ecs\/i-sandboxweb2\/root +skipped +not due until /m);
    assert.match(out, /^ +ecs\/i-sandboxweb2\/root +v1 -> v1 +yes \(ssh root@web2\) +- \(not due, not rotated\)/m);
    assert.match(out, /ram\/app-ci .*yes \(STS: acs:ram::\d+:user\/app-ci\) +no \(STS: InvalidAccessKeyId\.Inactive\)/);
    assert.match(out, /authorized_keys of root on web1: operator@laptop, managed-secrets:ecs\/i-sandboxweb1\/root-key:v2$/m, "the operator's key stays, the adopted key is replaced");
    assert.match(out, /no changes for all four/);
    assert.match(out, /deletion scheduled: planned delete time \d{4}-\d\d-\d\dT/);
    assert.match(out, /still logs in: yes/);
    assert.match(out, /restored: ecs\/i-sandboxweb1\/root at version v2, planned delete time: none/);
    assert.match(out, /teardown complete/);
    assert.match(out, /Demo complete in [\d.]+ s: every step succeeded\./);
    assert.doesNotMatch(out, /found problems/);

    const credentials = JSON.parse(await readFile(credentialsFile, "utf8")) as string[];
    assert.ok(credentials.length >= 9, `the demo reported ${credentials.length} credentials`);
    const printed = `${out}\n${run.stderr()}`;
    for (const credential of credentials) {
      // A private key is checked line by line: no part of its body may show.
      const pieces = credential.includes("PRIVATE KEY") ? credential.split("\n").filter((l) => l.length >= 16 && !l.startsWith("-----")) : [credential];
      for (const piece of pieces) assert.ok(!printed.includes(piece), "a credential the demo made appears in its output");
    }
    assert.doesNotMatch(printed, /PRIVATE KEY/);
  });

  it("without root, says why and how to run it, and starts nothing", async () => {
    run = runScript("examples/demo.ts", { asUser: NOBODY });
    const code = await run.exited;
    assert.equal(code, 2, run.stderr());
    assert.match(run.stderr(), /^npm run demo needs root, and this process runs as uid 65534\./m);
    assert.match(run.stderr(), /mount and pid\s+namespaces/);
    assert.match(run.stderr(), /sudo npm run demo/);
    assert.equal(run.stdout(), "");
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
