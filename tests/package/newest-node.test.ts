import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { REPO_ROOT } from "../../testkit/pulumi/pulumi-cli";
import { newestNode, type NewestNode } from "../support/newest-node";

/**
 * The top of the supported range (engines ">=22" has no ceiling, so the
 * newest Node.js there is). The whole suite runs on the floor; running it
 * again here would double CI's time, so this runs, under the newest Node,
 * the parts that lean on what changes between Node majors: crypto and the
 * file lock (the local store's contract), signed HTTP through the real
 * @alicloud SDK clients (the KMS store's contract on the emulator), ssh2 and
 * a pseudo-terminal (a CLI rotation on a real sshd host, through the
 * terminal's progress bar). The installed package's setMocks program runs
 * under it in tests/package/install.test.ts.
 */
const SUBSET = ["tests/store/local-store.test.ts", "tests/store/kms-store.test.ts", "tests/cli/cli-terminal-output.test.ts"];
const GREP = "SecretStore contract|on a terminal: short human lines";

describe("the newest Node.js (top of the supported range)", function () {
  this.timeout(10 * 60_000);
  let node: NewestNode;

  before(() => {
    node = newestNode();
  });

  it("is above the floor package.json declares", () => {
    const floor = Number(/>=(\d+)/.exec((JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { engines: { node: string } }).engines.node)![1]);
    assert.ok(node.major > floor, `newest ${node.major} vs floor ${floor}`);
  });

  it("passes the store contract on both stores and a CLI rotation on a real sshd host in a pseudo-terminal", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: "" };
    // The outer run's coverage collector would read the inner Node's dumps as its own.
    delete env.NODE_V8_COVERAGE;
    const r = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile(node.path, [join(REPO_ROOT, "node_modules", "mocha", "bin", "mocha.js"), "--grep", GREP, ...SUBSET], { cwd: REPO_ROOT, env, maxBuffer: 32 << 20 }, (e, stdout, stderr) =>
        resolve({ code: e ? (typeof e.code === "number" ? e.code : 1) : 0, out: stdout + stderr }),
      );
    });
    // The inner run inherits the environment, and mocha colours its output wherever supports-color allows (CI=true does): read it without colour codes.
    const out = stripVTControlCharacters(r.out);
    const closing = /^mocha: (\d+) passed, (\d+) failed/m.exec(out);
    // Quoted so a log reader never takes the inner runner's closing line for the outer run's.
    const shown = `under Node ${node.major}:\n${out.replace(/^mocha: /gm, "inner mocha: ")}`;
    assert.equal(r.code, 0, shown);
    assert.ok(closing && Number(closing[1]) > 0 && closing[2] === "0", shown);
    assert.ok(out.includes("✔ on a terminal: short human lines"), `the CLI rotation ran: ${shown}`);
  });
});
