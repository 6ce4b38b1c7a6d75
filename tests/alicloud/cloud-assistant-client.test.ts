import { strict as assert } from "node:assert";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { cloudAssistantClientFor } from "../../provider/alicloud/cloud-assistant-client";
import type { CloudSettings } from "../../provider/alicloud/cloud-settings";
import { CLOUD_API_RETRY } from "../../provider/core/retry";
import { startSshHost, requireRootForHosts, type StartedSshHost } from "../../testkit/sshd/ssh-host";
import { expectError } from "../support/expect-error";

/**
 * Cloud Assistant's RunCommand through the real @alicloud/ecs20140526 client
 * (issue 26 item 6): a changing script carries a ClientToken, so the client
 * may send it again when an answer is lost and ECS runs it once ("How to
 * ensure idempotence": the same token and parameters answer the first call's
 * InvokeId and run nothing again). The instance is a real sshd host whose
 * file shows how many times the script ran.
 */
describe("Cloud Assistant RunCommand with a ClientToken (emulator, real host)", function () {
  const instanceId = "i-clienttoken1";
  let host: StartedSshHost;
  let emu: EmulatorHandle;
  let settings: CloudSettings;
  const noWait = { ...CLOUD_API_RETRY, sleep: async () => undefined };

  before(async function () {
    requireRootForHosts();
    host = await startSshHost();
    emu = await startEmulator();
    emu.control.registerInstance({ instanceId, privateIp: host.host, nsPid: host.nsPid });
    settings = { regionId: emu.regionId, endpoint: emu.endpoint, protocol: "http", accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret };
  });
  after(async () => {
    await emu?.stop();
    await host?.stop();
  });
  afterEach(() => emu.control.clearFaults());

  const ranLines = async (file: string) => (await host.readFile(file).catch(() => "")).split("\n").filter(Boolean).length;
  const script = (file: string) => `echo ran >> ${file}`;

  it("a RunCommand whose answer was lost is sent again with the same ClientToken: one InvokeId, and the script ran once", async () => {
    const client = cloudAssistantClientFor(settings, emu.regionId, noWait);
    const file = "/root/ran-once";
    emu.control.dropConnection("RunCommand", 1, "after");
    const invokeId = await client.runShellScript({ regionId: emu.regionId, instanceId, script: script(file), name: "managed-secrets-apply-test", clientToken: "managed-secrets-apply-test-0", timeoutSeconds: 30 });
    const records = emu.control.invocationRecords().filter((r) => r.commandName === "managed-secrets-apply-test");
    assert.deepEqual(records.map((r) => r.invokeId), [invokeId], "one invocation, whose id the retried send was answered with");
    for (let i = 0; i < 100 && (await client.invocationResult(emu.regionId, invokeId, instanceId))?.final !== true; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await ranLines(file), 1, "the script ran once");
  });

  it("without a ClientToken (a read-only check) a lost answer is not sent again", async () => {
    const client = cloudAssistantClientFor(settings, emu.regionId, noWait);
    emu.control.dropConnection("RunCommand", 1, "after");
    await expectError(client.runShellScript({ regionId: emu.regionId, instanceId, script: "true", name: "managed-secrets-check-test", timeoutSeconds: 30 }), "Unreachable");
    assert.equal(emu.control.invocationRecords().filter((r) => r.commandName === "managed-secrets-check-test").length, 1);
  });

  it("refuses a ClientToken ECS would refuse (over 64 characters, or not ASCII) before anything is sent", async () => {
    const client = cloudAssistantClientFor(settings, emu.regionId, noWait);
    const before = emu.control.invocationRecords().length;
    for (const clientToken of ["x".repeat(65), "tökén"]) {
      await expectError(client.runShellScript({ regionId: emu.regionId, instanceId, script: "true", name: "n", clientToken, timeoutSeconds: 30 }), "InvalidInput", {
        property: "clientToken",
        message: /at most 64 ASCII characters/,
      });
    }
    assert.equal(emu.control.invocationRecords().length, before);
  });
});
