// Runs one Pulumi operation on an inline program through the Node.js
// Automation API (@pulumi/pulumi/automation), from a user's project: the
// program is examples/managed-secrets (compiled with the project's tsc) and
// its resources are this package's dynamic resources, installed from npm
// pack. The Automation API serves the program from this process and calls the
// real CLI with --client, so no language host (ours or Pulumi's) is involved.
// One JSON request on stdin ({ op, stack, project, workDir, options }), one
// JSON line back ({ code, text }).
"use strict";
const { LocalWorkspace } = require("@pulumi/pulumi/automation");

async function main() {
  let input = "";
  for await (const chunk of process.stdin) input += chunk;
  const req = JSON.parse(input);
  const program = async () => {
    const { managedSecrets } = require(`${req.workDir}/bin/program`);
    return { secrets: managedSecrets().summary };
  };
  const stack = await LocalWorkspace.createOrSelectStack({ stackName: req.stack, projectName: req.project, program }, { workDir: req.workDir });
  const lines = [];
  const onOutput = (s) => lines.push(s);
  const o = req.options || {};
  try {
    if (req.op === "up") await stack.up({ onOutput, refresh: o.refresh, expectNoChanges: o.expectNoChanges, color: "never" });
    else if (req.op === "preview") await stack.preview({ onOutput, refresh: o.refresh, expectNoChanges: o.expectNoChanges, diff: true, color: "never" });
    else if (req.op === "destroy") await stack.destroy({ onOutput, color: "never" });
    else throw new Error(`unknown op ${req.op}`);
    process.stdout.write(`${JSON.stringify({ code: 0, text: lines.join("") })}\n`);
  } catch (e) {
    process.stdout.write(`${JSON.stringify({ code: 1, text: `${lines.join("")}\n${e && e.message}` })}\n`);
  }
}

main().catch((e) => {
  process.stderr.write(`${(e && e.stack) || e}\n`);
  process.exit(1);
});
