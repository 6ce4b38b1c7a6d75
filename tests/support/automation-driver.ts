/**
 * A LifecycleDriver for a program run through a language's Automation API:
 * the driver process (tests/engine-python/driver.py, tests/engine-go/driver)
 * takes one JSON request on stdin (operation, program, stack config) and
 * answers one JSON line. It runs in the workspace's environment (the real CLI
 * on PATH, the plugin in PULUMI_HOME, the local backend) and keeps its
 * project in the workspace folder, where the CLI reads the same stack.
 */
import { spawn } from "node:child_process";
import type { PulumiWorkspace } from "../../testkit/pulumi/pulumi-workspace";
import type { ConfigEntry, LifecycleDriver, OpOptions, OpResult } from "./plugin-lifecycle";

export const STACK = "dev";

export interface AutomationRun {
  /** Runs one operation on the named program ("lifecycle", or a bad-input variant). */
  run(op: "up" | "preview" | "destroy", program: string, options?: OpOptions): Promise<OpResult>;
}

export function automationRunner(command: readonly string[], ws: PulumiWorkspace, project: string, config: () => Readonly<Record<string, ConfigEntry>>): AutomationRun {
  return {
    run: (op, program, options = {}) =>
      new Promise<OpResult>((resolve, reject) => {
        const child = spawn(command[0]!, command.slice(1), { cwd: ws.dir, env: ws.env, stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("error", reject);
        child.on("close", (code) => {
          const last = stdout.trim().split("\n").pop() ?? "";
          try {
            const answer = JSON.parse(last) as OpResult;
            resolve({ code: answer.code, text: `${answer.text}\n${stderr}` });
          } catch {
            resolve({ code: code || 1, text: `the driver answered no JSON (exit ${code}):\n${stdout}\n${stderr}` });
          }
        });
        child.stdin.end(JSON.stringify({ op, program, stack: STACK, project, workDir: ws.dir, config: config(), options }));
      }),
  };
}

/** The lifecycle's driver over an Automation API runner. */
export function automationDriver(command: readonly string[], ws: PulumiWorkspace, project: string): LifecycleDriver {
  let config: Readonly<Record<string, ConfigEntry>> = {};
  const runner = automationRunner(command, ws, project, () => config);
  return {
    async setConfig(c) {
      config = c;
    },
    up: (o) => runner.run("up", "lifecycle", o),
    preview: (o) => runner.run("preview", "lifecycle", o),
    destroy: () => runner.run("destroy", "lifecycle"),
    exportState: async () => (await ws.pulumiOk(["stack", "export"], { stack: STACK })).stdout,
    backendText: () => ws.backendText(),
    stop: () => ws.stop(),
  };
}
