import { newInvokeId } from "../../core/ids";
import type { InstanceRecord, InvocationRecord } from "../../state/state-types";
import { newInvocationRecord, runOn, runSimulatedWindows, substitute, type InvocationEnv } from "./invocation-runs";

/**
 * A Cloud Assistant command another service sends through its service role
 * (KMS rotating an ECS secret calls InvokeCommand with a public command such
 * as cmd-ACS-KMS-RotateECSSecret-For-Linux.sh). It is kept exactly like a
 * RunCommand: DescribeInvocations shows its CommandId, content and
 * Parameters, so no credential may be in either.
 */
export interface ServiceCommand {
  instance: InstanceRecord;
  /** The public command's id, e.g. cmd-ACS-KMS-RotateECSSecret-For-Linux.sh. */
  commandId: string;
  commandName: string;
  type: "RunShellScript" | "RunPowerShellScript";
  /** The command's script with {{name}} placeholders; Parameters fill them in on the instance. */
  content: Buffer;
  parameters: Record<string, string>;
  username: string;
  timeoutSeconds: number;
}

function record(env: InvocationEnv, c: ServiceCommand): InvocationRecord {
  const r = newInvocationRecord({
    invokeId: newInvokeId(),
    commandId: c.commandId,
    regionId: c.instance.regionId,
    instanceId: c.instance.instanceId,
    username: c.username,
    timeoutSeconds: c.timeoutSeconds,
    content: c.content,
    parameters: c.parameters,
    commandName: c.commandName,
    commandType: c.type,
    creationTime: env.clock(),
  });
  env.state.data.invocations[`${r.invokeId}/${c.instance.instanceId}`] = r;
  env.state.changed();
  return r;
}

/** Runs a service's command on a Linux instance's real host; resolves with the settled record. */
export async function invokeForService(env: InvocationEnv, c: ServiceCommand): Promise<InvocationRecord> {
  const r = record(env, c);
  await runOn(env, c.instance, r, substitute(c.content, c.parameters), c.type);
  return r;
}

/** The same for a SIMULATED Windows instance: `apply` stands for what the script would do there. */
export function invokeForServiceOnWindows(env: InvocationEnv, c: ServiceCommand, apply: () => void): InvocationRecord {
  const r = record(env, c);
  runSimulatedWindows(env, c.instance, r, apply);
  return r;
}
