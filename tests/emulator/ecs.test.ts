import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import * as $Ecs from "@alicloud/ecs20140526";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { expectApiError, startNamespaceHost, waitForInvocation, type NamespaceHost } from "../support/emulator-helpers";
import { ecsClient } from "../../testkit/emulator/sdk-clients";

describe("emulator: ECS 2014-05-26 (DescribeInstances, Cloud Assistant)", () => {
  let emu: EmulatorHandle;
  let host: NamespaceHost;
  const marker = `emulator-test-${process.pid}-${Date.now()}`;

  before(async () => {
    host = await startNamespaceHost();
    emu = await startEmulator();
    emu.control.registerInstance({
      instanceId: "i-web1",
      privateIp: "127.0.10.1",
      publicIp: "127.0.20.1",
      nsPid: host.nsPid,
      hostName: "web-1",
      keyPairName: "kp-web",
    });
    emu.control.registerInstance({ instanceId: "i-web2", privateIp: "127.0.10.2", nsPid: host.nsPid, status: "Stopped" });
    emu.control.registerInstance({ instanceId: "i-bj1", regionId: "cn-beijing", privateIp: "127.0.10.3", nsPid: host.nsPid });
  });
  after(async () => {
    await emu?.stop();
    host?.stop();
  });

  const ecs = () => ecsClient(emu);
  const run = (fields: Partial<$Ecs.RunCommandRequest>) =>
    ecs().runCommand(
      new $Ecs.RunCommandRequest({ regionId: emu.regionId, type: "RunShellScript", instanceId: ["i-web1"], ...fields }),
    );

  it("describes registered instances by InstanceIds (a JSON array string), with their addresses", async () => {
    const res = await ecs().describeInstances(
      new $Ecs.DescribeInstancesRequest({ regionId: emu.regionId, instanceIds: JSON.stringify(["i-web1", "i-nope"]) }),
    );
    assert.equal(res.body?.totalCount, 1);
    const i = res.body?.instances?.instance?.[0];
    assert.equal(i?.instanceId, "i-web1");
    assert.equal(i?.regionId, emu.regionId);
    assert.equal(i?.status, "Running");
    assert.equal(i?.OSType, "linux");
    assert.equal(i?.hostName, "web-1");
    assert.equal(i?.keyPairName, "kp-web");
    assert.deepEqual(i?.vpcAttributes?.privateIpAddress?.ipAddress, ["127.0.10.1"]);
    assert.deepEqual(i?.publicIpAddress?.ipAddress, ["127.0.20.1"]);
  });

  it("lists only the requested region and filters by Status", async () => {
    const all = await ecs().describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: emu.regionId }));
    assert.deepEqual(all.body?.instances?.instance?.map((i) => i.instanceId), ["i-web1", "i-web2"]);
    const stopped = await ecs().describeInstances(
      new $Ecs.DescribeInstancesRequest({ regionId: emu.regionId, status: "Stopped" }),
    );
    assert.deepEqual(stopped.body?.instances?.instance?.map((i) => i.instanceId), ["i-web2"]);
    const bj = await ecs().describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: "cn-beijing" }));
    assert.deepEqual(bj.body?.instances?.instance?.map((i) => i.instanceId), ["i-bj1"]);
  });

  it("refuses malformed InstanceIds and a missing RegionId", async () => {
    await expectApiError(
      ecs().describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: emu.regionId, instanceIds: "i-web1" })),
      { code: "InvalidInstanceIds.Malformed", statusCode: 400, message: "The specified InstanceIds is not valid." },
    );
    await expectApiError(ecs().describeInstances(new $Ecs.DescribeInstancesRequest({})), {
      code: "MissingRegionId",
      statusCode: 400,
      message: "RegionId is mandatory for this action.",
    });
  });

  it("RunCommand really changes the host inside its mount namespace, not the machine running the tests", async () => {
    const started = await run({
      commandContent: `echo "written by cloud assistant" > /mnt/${marker}\necho done; echo to-stderr >&2`,
      timeout: 30,
    });
    assert.match(started.body?.invokeId ?? "", /^t-/);
    const result = await waitForInvocation(ecs(), emu.regionId, started.body?.invokeId ?? "");
    assert.equal(result.invocationStatus, "Success");
    assert.equal(result.invokeRecordStatus, "Finished");
    assert.equal(result.exitCode, 0);
    assert.equal(result.errorCode, "");
    assert.equal(result.username, "root");
    assert.equal(Buffer.from(result.output ?? "", "base64").toString(), "done\nto-stderr\n");
    assert.equal(host.readInside(`/mnt/${marker}`), "written by cloud assistant\n");
    assert.equal(existsSync(`/mnt/${marker}`), false, "the host's own /mnt is untouched");
  });

  it("decodes Base64 CommandContent and runs as another user via Username", async () => {
    const script = `id -un > /mnt/${marker}-user; id -un`;
    const started = await run({
      commandContent: Buffer.from(script).toString("base64"),
      contentEncoding: "Base64",
      username: "nobody",
    });
    const result = await waitForInvocation(ecs(), emu.regionId, started.body?.invokeId ?? "");
    assert.equal(result.invocationStatus, "Success");
    assert.equal(result.username, "nobody");
    assert.equal(Buffer.from(result.output ?? "", "base64").toString(), "nobody\n");
    assert.equal(host.readInside(`/mnt/${marker}-user`), "nobody\n");
  });

  it("passes the script body on stdin/temp file, never on a command line", async () => {
    const secretish = `not-on-argv-${process.pid}`;
    // Only matching command lines are printed: a full listing of a busy
    // machine overflows the 24 KiB output cap and loses the runner's line.
    const script = [
      `# ${secretish}`,
      "for p in /proc/[0-9]*; do",
      "  c=$(tr '\\0' ' ' <$p/cmdline 2>/dev/null) || continue",
      `  case "$c" in *acs-command*|*${secretish}*) echo "argv: $c";; esac`,
      "done",
    ].join("\n");
    const started = await run({ commandContent: script });
    const result = await waitForInvocation(ecs(), emu.regionId, started.body?.invokeId ?? "");
    assert.equal(result.dropped, 0, "the filtered listing fits the output cap");
    const cmdlines = Buffer.from(result.output ?? "", "base64").toString();
    assert.match(cmdlines, /^argv: \/bin\/sh -c [\s\S]*? acs-command root $/m, "the listing saw the runner");
    assert.ok(!cmdlines.includes(secretish), "no process had the script content in its argv");
  });

  it("reports a non-zero exit as Failed / ExitCodeNonzero and PlainText output on request", async () => {
    const started = await run({ commandContent: "echo partial; exit 3" });
    await waitForInvocation(ecs(), emu.regionId, started.body?.invokeId ?? "");
    const res = await ecs().describeInvocationResults(
      new $Ecs.DescribeInvocationResultsRequest({
        regionId: emu.regionId,
        invokeId: started.body?.invokeId,
        contentEncoding: "PlainText",
      }),
    );
    const result = res.body?.invocation?.invocationResults?.invocationResult?.[0];
    assert.equal(result?.invocationStatus, "Failed");
    assert.equal(result?.invokeRecordStatus, "Finished");
    assert.equal(result?.exitCode, 3);
    assert.equal(result?.errorCode, "ExitCodeNonzero");
    assert.equal(result?.output, "partial\n");
  });

  it("stops a script at its Timeout and reports Timeout / ExecutionTimeout", async () => {
    const t0 = Date.now();
    const started = await run({ commandContent: "echo begin; sleep 30; echo never", timeout: 1 });
    const result = await waitForInvocation(ecs(), emu.regionId, started.body?.invokeId ?? "");
    assert.ok(Date.now() - t0 < 10_000, "killed near the timeout");
    assert.equal(result.invocationStatus, "Timeout");
    assert.equal(result.invokeRecordStatus, "Failed");
    assert.equal(result.errorCode, "ExecutionTimeout");
    assert.equal(result.errorInfo, "the command execution has been timeout");
    const output = Buffer.from(result.output ?? "", "base64").toString();
    assert.match(output, /^begin\n/);
    assert.ok(!output.includes("never"));
  });

  it("reports an unknown Username as Invalid / AccountNotExists", async () => {
    const started = await run({ commandContent: "true", username: "no-such-user-here" });
    const result = await waitForInvocation(ecs(), emu.regionId, started.body?.invokeId ?? "");
    assert.equal(result.invocationStatus, "Invalid");
    assert.equal(result.errorCode, "AccountNotExists");
  });

  it("does not run on a stopped instance (Aborted / InstanceNotRunning)", async () => {
    const started = await run({ commandContent: "true", instanceId: ["i-web2"] });
    const result = await waitForInvocation(ecs(), emu.regionId, started.body?.invokeId ?? "");
    assert.equal(result.invocationStatus, "Aborted");
    assert.equal(result.errorCode, "InstanceNotRunning");
  });

  it("refuses unknown instances, other regions' instances and missing parameters", async () => {
    const notFound = { code: "InvalidInstance.NotFound", statusCode: 404, message: "The specified instance does not exist." };
    await expectApiError(run({ commandContent: "true", instanceId: ["i-nope"] }), notFound);
    await expectApiError(run({ commandContent: "true", instanceId: ["i-bj1"] }), notFound);
    await expectApiError(run({}), { code: "MissingCommandContent", statusCode: 400 });
    await expectApiError(run({ commandContent: "true", instanceId: [] }), { code: "MissingInstanceId", statusCode: 400 });
    await expectApiError(run({ commandContent: "true", type: "RunPerlScript" }), { code: "InvalidType", statusCode: 400 });
    // 24 KB after Base64: 18432 bytes of script encode to exactly 24576, one byte more does not fit.
    const atLimit = await run({ commandContent: `#${"x".repeat(18 * 1024 - 1)}` });
    assert.ok(atLimit.body?.invokeId);
    await expectApiError(run({ commandContent: `#${"x".repeat(18 * 1024)}` }), {
      code: "CmdContent.ExceedLimit",
      statusCode: 403,
    });
  });
  it("keeps each invocation as the service does: DescribeInvocations returns the content as sent, the Parameters and (on request) the output", async () => {
    const started = await run({
      name: `kept-${marker}`,
      commandContent: "echo hello {{ Who }}",
      enableParameter: true,
      parameters: { who: "world" },
    });
    const invokeId = started.body?.invokeId ?? "";
    const result = await waitForInvocation(ecs(), emu.regionId, invokeId);
    assert.equal(Buffer.from(result.output ?? "", "base64").toString(), "hello world\n");
    const kept = await ecs().describeInvocations(
      new $Ecs.DescribeInvocationsRequest({ regionId: emu.regionId, commandName: `kept-${marker}`, contentEncoding: "PlainText", includeOutput: true }),
    );
    const inv = kept.body?.invocations?.invocation?.[0];
    assert.equal(kept.body?.totalCount, 1);
    assert.equal(inv?.invokeId, invokeId);
    assert.equal(inv?.commandContent, "echo hello {{ Who }}");
    assert.deepEqual(JSON.parse(inv?.parameters ?? ""), { who: "world" });
    assert.equal(inv?.invokeStatus, "Finished");
    assert.equal(inv?.invokeInstances?.invokeInstance?.[0]?.output, "hello world\n");
    const base64 = await ecs().describeInvocations(new $Ecs.DescribeInvocationsRequest({ regionId: emu.regionId, invokeId }));
    const b = base64.body?.invocations?.invocation?.[0];
    assert.equal(Buffer.from(b?.commandContent ?? "", "base64").toString(), "echo hello {{ Who }}");
    assert.equal(b?.invokeInstances?.invokeInstance?.[0]?.output, "", "output only with IncludeOutput");
  });

  it("refuses Parameters without EnableParameter and a {{name}} that is not given", async () => {
    await expectApiError(run({ commandContent: "echo {{x}}", parameters: { x: "1" } }), { code: "InvalidParameters", statusCode: 400 });
    await expectApiError(run({ commandContent: "echo {{x}}", enableParameter: true, parameters: { y: "1" } }), { code: "InvalidParameters", statusCode: 400 });
  });

  it("DescribeCloudAssistantStatus says whether the agent answers; RunCommand on an offline agent is Aborted / ClientNotRunning", async () => {
    const status = async () =>
      (await ecs().describeCloudAssistantStatus(new $Ecs.DescribeCloudAssistantStatusRequest({ regionId: emu.regionId, instanceId: ["i-web1", "i-web2"] })))
        .body?.instanceCloudAssistantStatusSet?.instanceCloudAssistantStatus?.map((s) => [s.instanceId, s.cloudAssistantStatus]);
    assert.deepEqual(await status(), [["i-web1", "true"], ["i-web2", "false"]]);
    emu.control.setCloudAssistantOnline("i-web1", false);
    try {
      assert.deepEqual(await status(), [["i-web1", "false"], ["i-web2", "false"]]);
      const started = await run({ commandContent: "true" });
      const result = await waitForInvocation(ecs(), emu.regionId, started.body?.invokeId ?? "");
      assert.equal(result.invocationStatus, "Aborted");
      assert.equal(result.errorCode, "ClientNotRunning");
    } finally {
      emu.control.setCloudAssistantOnline("i-web1", true);
    }
  });

  it("ClientToken: a retried RunCommand gets the first call's InvokeId and runs nothing again; other parameters with the token are refused", async () => {
    const token = `retry-${marker}`;
    const script = `echo ran >> /mnt/${marker}-once`;
    const first = await run({ commandContent: script, clientToken: token, name: "once" });
    // The answer was lost: the caller sends the same request again, with a new nonce and signature.
    emu.control.dropConnection("RunCommand", 1, "after");
    await assert.rejects(run({ commandContent: script, clientToken: token, name: "once" }), /ECONNRESET|socket hang up/);
    const retried = await run({ commandContent: script, clientToken: token, name: "once" });
    assert.equal(retried.body?.invokeId, first.body?.invokeId);
    assert.equal(retried.body?.commandId, first.body?.commandId);
    await waitForInvocation(ecs(), emu.regionId, first.body?.invokeId ?? "");
    assert.equal(host.readInside(`/mnt/${marker}-once`), "ran\n", "the script ran once");
    assert.equal(emu.control.invocationRecords().filter((r) => r.commandName === "once").length, 1);
    await expectApiError(run({ commandContent: "echo other", clientToken: token, name: "once" }), {
      code: "IdempotentParameterMismatch",
      statusCode: 400,
      message: /ClientToken was already used with other request parameters/,
    });
    await expectApiError(run({ commandContent: "true", clientToken: "x".repeat(65) }), { code: "InvalidClientToken", statusCode: 400 });
    const fresh = await run({ commandContent: "true", clientToken: `${token}-2` });
    assert.notEqual(fresh.body?.invokeId, first.body?.invokeId, "a new token is a new request");
  });
});
