import { isoSeconds } from "../../core/clock";
import { gatewayErrors } from "../../gateway/gateway-errors";
import type { ActionContext } from "../../gateway/product";
import type { ScriptOutcome } from "../../ecs-hosts/script-runner";
import type { InstanceRecord, InvocationRecord } from "../../state/state-types";
import { invocationOutcomes } from "./ecs-errors";

/**
 * One execution of a Cloud Assistant command on one instance, shared by
 * RunCommand and by the commands other services send through their roles
 * (service-invocations.ts): the record DescribeInvocations and
 * DescribeInvocationResults read, and the real run on the test host.
 */

type Outcome = (typeof invocationOutcomes)[keyof typeof invocationOutcomes];

/** What a run needs from the emulator: its state, business clock and script runner. */
export type InvocationEnv = Pick<ActionContext, "state" | "clock" | "scripts">;

function settle(record: InvocationRecord, outcome: Outcome, now: Date): void {
  record.invocationStatus = outcome.invocationStatus;
  record.invokeRecordStatus = outcome.invokeRecordStatus;
  record.errorCode = outcome.errorCode;
  record.errorInfo = outcome.errorInfo;
  record.finishedTime = isoSeconds(now);
}

function outcomeOf(result: ScriptOutcome): Outcome {
  switch (result.kind) {
    case "exited":
      return result.exitCode === 0 ? invocationOutcomes.success : invocationOutcomes.nonZeroExit;
    case "timeout":
      return invocationOutcomes.timeout;
    case "account-missing":
      return invocationOutcomes.accountMissing;
    case "unreachable":
      return invocationOutcomes.agentNotRunning;
    case "error":
      return invocationOutcomes.exception;
  }
}

export interface NewInvocation {
  invokeId: string;
  commandId: string;
  regionId: string;
  instanceId: string;
  username: string;
  timeoutSeconds: number;
  /** As the service keeps it: the content before parameter substitution, and the parameters beside it. */
  content: Buffer;
  parameters: Record<string, string>;
  commandName: string;
  commandType: string;
  creationTime: Date;
  clientToken?: string;
  clientTokenDigest?: string;
}

export function newInvocationRecord(n: NewInvocation): InvocationRecord {
  return {
    invokeId: n.invokeId,
    commandId: n.commandId,
    regionId: n.regionId,
    instanceId: n.instanceId,
    username: n.username,
    invocationStatus: "Running",
    invokeRecordStatus: "Running",
    errorCode: "",
    errorInfo: "",
    outputBase64: "",
    dropped: 0,
    timeoutSeconds: n.timeoutSeconds,
    commandContentBase64: n.content.toString("base64"),
    parameters: JSON.stringify(n.parameters),
    commandName: n.commandName,
    commandType: n.commandType,
    creationTime: isoSeconds(n.creationTime),
    ...(n.clientToken === undefined ? {} : { clientToken: n.clientToken, clientTokenDigest: n.clientTokenDigest }),
  };
}

/** Runs the script on the instance's host (Linux shell scripts only) and settles the record; resolves once it is settled. */
export function runOn(env: InvocationEnv, instance: InstanceRecord, record: InvocationRecord, script: Buffer, type: string): Promise<void> {
  const { state, clock, scripts } = env;
  const finish = (outcome: Outcome) => {
    settle(record, outcome, clock());
    state.changed();
  };
  if (instance.status !== "Running") return Promise.resolve(finish(invocationOutcomes.instanceNotRunning));
  if (instance.cloudAssistantOnline === false) return Promise.resolve(finish(invocationOutcomes.agentNotRunning));
  if (type !== "RunShellScript" || instance.osType !== "linux") return Promise.resolve(finish(invocationOutcomes.notApplicable));
  record.startTime = isoSeconds(clock());
  return scripts
    .execute({ nsPid: instance.nsPid, username: record.username, script, timeoutMs: record.timeoutSeconds * 1000 })
    .then(
      (result) => {
        if ("exitCode" in result) record.exitCode = result.exitCode;
        if ("output" in result) {
          record.outputBase64 = result.output.toString("base64");
          record.dropped = result.dropped;
        }
        finish(outcomeOf(result));
      },
      () => finish(invocationOutcomes.exception),
    );
}

/**
 * SIMULATED: no Windows host runs here. A command for a Windows instance
 * succeeds by calling `apply` (which changes the instance's simulated state,
 * e.g. its account table) when the instance could run it (Running, agent
 * online), and is recorded like any other invocation.
 */
export function runSimulatedWindows(env: InvocationEnv, instance: InstanceRecord, record: InvocationRecord, apply: () => void): void {
  const { state, clock } = env;
  let outcome: Outcome = invocationOutcomes.success;
  if (instance.osType !== "windows") outcome = invocationOutcomes.notApplicable;
  else if (instance.status !== "Running") outcome = invocationOutcomes.instanceNotRunning;
  else if (instance.cloudAssistantOnline === false) outcome = invocationOutcomes.agentNotRunning;
  if (outcome === invocationOutcomes.success) {
    record.startTime = isoSeconds(clock());
    apply();
    record.exitCode = 0;
  }
  settle(record, outcome, clock());
  state.changed();
}

/** {{ name }}: names are case-insensitive and spaces around them ignored; an unknown name is an error, as on the service. */
export function substitute(content: Buffer, parameters: Record<string, string>): Buffer {
  const text = content.toString("utf8").replace(/\{\{\s*([A-Za-z0-9_-]{1,64})\s*\}\}/g, (_, name: string) => {
    const value = parameters[name.toLowerCase()];
    if (value === undefined) throw gatewayErrors.invalidParameter("Parameters");
    return value;
  });
  return Buffer.from(text, "utf8");
}

/** Executions cut off by an emulator restart can never finish; report them the way the agent would. */
export function interruptStaleInvocations(invocations: Record<string, InvocationRecord>, now: Date): void {
  for (const r of Object.values(invocations)) {
    if (r.invokeRecordStatus === "Running") settle(r, invocationOutcomes.interrupted, now);
  }
}
