import { openApiConfig, type CloudSettings } from "./cloud-settings";
import { ManagedSecretsError } from "../core/errors";
import { CLOUD_API_RETRY, NO_RETRY, type RetryPolicy } from "../core/retry";
import { cloudCall } from "./cloud-call";
import { signingSecrets } from "./signing-secrets";
import { ecsSdk } from "./sdk-modules";

/**
 * The ECS calls the Cloud Assistant transport makes, one method per API,
 * through the real @alicloud/ecs20140526 client (required inside the
 * factory, never at module scope, so nothing here is serialized with the
 * provider). Every call but RunCommand only reads, and is retried here
 * (cloud-call.ts) on throttling, 5xx and network blips. A RunCommand that
 * changes something carries a ClientToken, ECS's idempotence token ("How to
 * ensure idempotence": the same token with the same parameters answers the
 * first call's InvokeId and runs nothing again, also when that call's answer
 * was lost), so it is retried like the reads; one without a token (a
 * read-only check) is sent once. Either is found again after a crash by its
 * Name (DescribeInvocations).
 */

export interface InstanceFacts {
  readonly status: string;
  readonly osType: string;
}

export interface InvocationOutcome {
  /** Pending, Running, Stopping, ... while it runs; Success, Failed, Timeout, Invalid, Aborted, Error, Cancelled, Terminated at the end. */
  readonly status: string;
  readonly final: boolean;
  readonly exitCode?: number;
  readonly errorCode: string;
  readonly errorInfo: string;
  /** Decoded output (the agent keeps the last 24 KB). */
  readonly output: string;
}

export interface FoundInvocation {
  readonly invokeId: string;
  /** The instance's own status for this invocation. */
  readonly status: string;
  readonly final: boolean;
}

export interface RunShellScript {
  readonly regionId: string;
  readonly instanceId: string;
  /** What the service keeps and shows in DescribeInvocations: never a credential. */
  readonly script: string;
  /** Lets a re-run find this invocation again (DescribeInvocations CommandName). */
  readonly name: string;
  /**
   * ECS's idempotence token (at most 64 ASCII characters): with it a send
   * whose answer was lost is sent again and runs once. Derived from what the
   * invocation is for, never random, so a process that crashed before the
   * answer and runs again sends the same one.
   */
  readonly clientToken?: string;
  readonly timeoutSeconds: number;
}

/** RunCommand's ClientToken: "It can contain only ASCII characters and cannot exceed 64 characters" (RunCommand reference). */
const CLIENT_TOKEN = /^[\x20-\x7e]{1,64}$/;

export interface CloudAssistantClient {
  describeInstance(regionId: string, instanceId: string): Promise<InstanceFacts | undefined>;
  /** CloudAssistantStatus as the service reports it ("true": the agent answers), undefined when the instance is not listed. */
  agentOnline(regionId: string, instanceId: string): Promise<boolean | undefined>;
  runShellScript(request: RunShellScript): Promise<string>;
  invocationResult(regionId: string, invokeId: string, instanceId: string): Promise<InvocationOutcome | undefined>;
  findInvocations(regionId: string, instanceId: string, name: string): Promise<FoundInvocation[]>;
}

export const RUNNING_STATUSES = new Set(["Pending", "Scheduled", "Running", "Stopping"]);

export function ecsEndpoint(regionId: string): string {
  return `ecs.${regionId}.aliyuncs.com`;
}

export function cloudAssistantClientFor(settings: CloudSettings, regionId: string, retry: RetryPolicy = CLOUD_API_RETRY): CloudAssistantClient {
  const sdk = ecsSdk();
  const config = openApiConfig({ ...settings, regionId }, ecsEndpoint(regionId));
  const client = new sdk.default(config);
  const sent = () => signingSecrets(config);
  const once = <T>(action: string, run: () => Promise<T>): Promise<T> => cloudCall({ service: "ECS", action, retry: NO_RETRY, quoteService: true, sent }, run);
  const read = <T>(action: string, run: () => Promise<T>): Promise<T> => cloudCall({ service: "ECS", action, retry, quoteService: true, sent }, run);
  const decode = (b64: string | undefined) => Buffer.from(b64 ?? "", "base64").toString("utf8");

  return {
    describeInstance: (regionId, instanceId) =>
      read("DescribeInstances", async () => {
        const res = await client.describeInstances(new sdk.DescribeInstancesRequest({ regionId, instanceIds: JSON.stringify([instanceId]) }));
        const i = res.body?.instances?.instance?.find((x) => x.instanceId === instanceId);
        return i ? { status: i.status ?? "", osType: i.OSType ?? "" } : undefined;
      }),
    agentOnline: (regionId, instanceId) =>
      read("DescribeCloudAssistantStatus", async () => {
        const res = await client.describeCloudAssistantStatus(new sdk.DescribeCloudAssistantStatusRequest({ regionId, instanceId: [instanceId] }));
        const s = res.body?.instanceCloudAssistantStatusSet?.instanceCloudAssistantStatus?.find((x) => x.instanceId === instanceId);
        return s ? s.cloudAssistantStatus === "true" : undefined;
      }),
    runShellScript: async ({ regionId, instanceId, script, name, clientToken, timeoutSeconds }) => {
      if (clientToken !== undefined && !CLIENT_TOKEN.test(clientToken)) {
        throw new ManagedSecretsError("InvalidInput", "clientToken must be at most 64 ASCII characters (RunCommand ClientToken)", { property: "clientToken" });
      }
      // Only a token makes a second send safe: without one, a retried RunCommand could run the script twice.
      return (clientToken === undefined ? once : read)("RunCommand", async () => {
        const res = await client.runCommand(
          new sdk.RunCommandRequest({
            regionId,
            instanceId: [instanceId],
            type: "RunShellScript",
            commandContent: Buffer.from(script, "utf8").toString("base64"),
            contentEncoding: "Base64",
            name,
            username: "root",
            timeout: timeoutSeconds,
            // Nothing here is a template: a credential can never hide in Parameters.
            enableParameter: false,
            ...(clientToken === undefined ? {} : { clientToken }),
          }),
        );
        const invokeId = res.body?.invokeId;
        if (!invokeId) throw new ManagedSecretsError("CloudRejected", `ECS RunCommand answered without an InvokeId for ${instanceId}`);
        return invokeId;
      });
    },
    invocationResult: (regionId, invokeId, instanceId) =>
      read("DescribeInvocationResults", async () => {
        const res = await client.describeInvocationResults(
          new sdk.DescribeInvocationResultsRequest({ regionId, invokeId, instanceId, contentEncoding: "Base64" }),
        );
        const r = res.body?.invocation?.invocationResults?.invocationResult?.find((x) => x.instanceId === instanceId);
        if (!r) return undefined;
        const status = r.invocationStatus ?? "";
        return {
          status,
          final: !RUNNING_STATUSES.has(status),
          exitCode: r.exitCode,
          errorCode: r.errorCode ?? "",
          errorInfo: r.errorInfo ?? "",
          output: decode(r.output),
        };
      }),
    findInvocations: (regionId, instanceId, name) =>
      read("DescribeInvocations", async () => {
        const res = await client.describeInvocations(new sdk.DescribeInvocationsRequest({ regionId, instanceId, commandName: name, pageSize: 50 }));
        return (res.body?.invocations?.invocation ?? []).flatMap((inv) => {
          const mine = inv.invokeInstances?.invokeInstance?.find((x) => x.instanceId === instanceId);
          if (!inv.invokeId || !mine) return [];
          const status = mine.invocationStatus ?? "";
          return [{ invokeId: inv.invokeId, status, final: !RUNNING_STATUSES.has(status) }];
        });
      }),
  };
}
