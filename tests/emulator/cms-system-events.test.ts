import assert from "node:assert/strict";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { kmsRequest } from "../../testkit/emulator/sdk-clients";
import { expectApiError, kmsCall } from "../support/emulator-helpers";

/**
 * CloudMonitor DescribeSystemEventAttribute through openapi-core's signed RPC
 * call, as the product reads KMS's rotation outcomes: the events KMS raised
 * for its own rotations (a simulated Windows instance's, so no host is
 * needed), filtered by product, name, status, keyword and time, newest first.
 */
describe("Emulator: CloudMonitor DescribeSystemEventAttribute (KMS rotation events)", function () {
  let emu: EmulatorHandle;
  const windows = "i-sysevents1";
  before(async () => {
    emu = await startEmulator();
    emu.control.registerInstance({ instanceId: windows, privateIp: "127.0.31.19", osType: "windows", windowsAccounts: { Administrator: "Win-Initial-Passw0rd" } });
    emu.control.createServiceLinkedRole("secretsmanager-ecs.kms.aliyuncs.com");
    const create = (name: string, user: string) =>
      kmsRequest(emu, "CreateSecret", {
        SecretName: name,
        SecretType: "ECS",
        SecretData: JSON.stringify({ UserName: user, Password: "Win-Initial-Passw0rd" }),
        VersionId: "v1",
        ExtendedConfig: JSON.stringify({ SecretSubType: "Password", RegionId: emu.regionId, InstanceId: windows }),
      });
    await create("acs/ecs/sysevents1/Administrator", "Administrator");
    await create("acs/ecs/sysevents1/Nobody", "Nobody");
    await kmsRequest(emu, "RotateSecret", { SecretName: "acs/ecs/sysevents1/Administrator", VersionId: "r1" });
    await emu.control.settleRotations();
    emu.control.advanceClock(60_000);
    // Nobody is not an account of the instance: KMS's rotation fails.
    await kmsRequest(emu, "RotateSecret", { SecretName: "acs/ecs/sysevents1/Nobody", VersionId: "r1" });
    await emu.control.settleRotations();
  });
  after(async () => emu?.stop());

  const describe_ = (query: Record<string, string | number>) => kmsCall(emu, "DescribeSystemEventAttribute", query, { version: "2019-01-01" });
  const eventsOf = (body: Record<string, unknown>) => ((body.SystemEvents as { SystemEvent?: Array<Record<string, unknown>> }).SystemEvent ?? []);

  it("answers KMS's events newest first, with the content as a JSON string and the time in milliseconds", async () => {
    const body = await describe_({ Product: "kms" });
    assert.equal(body.Code, "200");
    const events = eventsOf(body);
    assert.deepEqual(events.map((e) => [e.Name, e.Level, e.Status]), [
      ["Secret:RotateSecret:Failure", "CRITICAL", "Failure"],
      ["Secret:RotateSecret:Success", "INFO", "Success"],
    ]);
    const failure = JSON.parse(String(events[0]!.Content)) as { secretName: string; failureInfo: { errorCode: string } };
    assert.equal(failure.secretName, "acs/ecs/sysevents1/Nobody");
    assert.equal(failure.failureInfo.errorCode, "AccountNotExists");
    assert.equal(typeof events[0]!.Time, "number");
    assert.ok((events[0]!.Time as number) > (events[1]!.Time as number));
  });

  it("filters by name, status, keywords (and / or) and time; pages", async () => {
    const success = eventsOf(await describe_({ Product: "KMS", Name: "Secret:RotateSecret:Success" }));
    assert.deepEqual(success.map((e) => e.Name), ["Secret:RotateSecret:Success"]);
    const one = eventsOf(await describe_({ Product: "kms", SearchKeywords: "acs/ecs/sysevents1/Administrator" }));
    assert.deepEqual(one.map((e) => e.Status), ["Success"]);
    assert.equal(eventsOf(await describe_({ Product: "kms", SearchKeywords: "acs/ecs/sysevents1/Administrator and AccountNotExists" })).length, 0);
    assert.equal(eventsOf(await describe_({ Product: "kms", SearchKeywords: "acs/ecs/sysevents1/Administrator or AccountNotExists" })).length, 2);
    const failedAt = eventsOf(await describe_({ Product: "kms", Status: "Failure" }))[0]!.Time as number;
    assert.deepEqual(eventsOf(await describe_({ Product: "kms", StartTime: failedAt })).map((e) => e.Status), ["Failure"]);
    assert.deepEqual(eventsOf(await describe_({ Product: "kms", EndTime: failedAt - 1 })).map((e) => e.Status), ["Success"]);
    assert.deepEqual(eventsOf(await describe_({ Product: "kms", PageSize: 1, PageNumber: 2 })).map((e) => e.Status), ["Success"]);
    assert.equal(eventsOf(await describe_({ Product: "ecs" })).length, 0);
  });

  it("refuses times that are not milliseconds, a start after the end and a page size over 100", async () => {
    await expectApiError(describe_({ StartTime: "yesterday" }), { code: "InvalidParameter", statusCode: 400 });
    await expectApiError(describe_({ StartTime: 2, EndTime: 1 }), { code: "InvalidParameter", statusCode: 400 });
    await expectApiError(describe_({ PageSize: 101 }), { code: "InvalidParameter", statusCode: 400 });
  });
});
