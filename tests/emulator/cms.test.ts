import assert from "node:assert/strict";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { expectApiError, kmsCall } from "../support/emulator-helpers";

/** CloudMonitor PutCustomEvent as the runner calls it: openapi-core, RPC, signed; the emulator keeps what it received. */
describe("Emulator: CloudMonitor PutCustomEvent (real openapi-core signing)", function () {
  let emu: EmulatorHandle;
  before(async () => {
    emu = await startEmulator();
  });
  after(async () => emu?.stop());

  const put = (query: Record<string, string>, creds?: { accessKeyId: string; accessKeySecret: string }) =>
    kmsCall(emu, "PutCustomEvent", query, { version: "2019-01-01", ...(creds ? { creds } : {}) });

  it("keeps each event in arrival order and answers Code 200", async () => {
    const body = await put({
      "EventInfo.1.EventName": "ManagedSecretsRotationFailed",
      "EventInfo.1.Content": '{"secretName":"a"}',
      "EventInfo.1.Time": "1552199984000",
      "EventInfo.2.EventName": "ManagedSecretsRotationSucceeded",
      "EventInfo.2.Content": '{"secretName":"b"}',
      "EventInfo.2.GroupId": "123456",
      "EventInfo.2.Time": "20171013T170923.456+0800",
    });
    assert.equal(body.Code, "200");
    assert.equal(body.Message, "success");
    assert.ok(typeof body.RequestId === "string");
    const events = emu.control.customEvents();
    assert.deepEqual(events.map((e) => [e.eventName, e.content, e.time, e.groupId]), [
      ["ManagedSecretsRotationFailed", '{"secretName":"a"}', "1552199984000", "0"],
      ["ManagedSecretsRotationSucceeded", '{"secretName":"b"}', "20171013T170923.456+0800", "123456"],
    ]);
  });

  it("refuses a wrong signature, a missing name or content, and a malformed time, keeping nothing", async () => {
    const before = emu.control.customEvents().length;
    await expectApiError(put({ "EventInfo.1.EventName": "x", "EventInfo.1.Content": "y" }, { accessKeyId: emu.accessKeyId, accessKeySecret: "not-the-secret" }), { code: "SignatureDoesNotMatch", statusCode: 400 });
    await expectApiError(put({ "EventInfo.1.EventName": "x" }), { code: "MissingEventInfo.1.Content", statusCode: 400 });
    await expectApiError(put({ "EventInfo.1.Content": "y" }), { code: "MissingEventInfo.1.EventName", statusCode: 400 });
    await expectApiError(put({ "EventInfo.1.EventName": "x", "EventInfo.1.Content": "y", "EventInfo.1.Time": "yesterday" }), { code: "InvalidParameter", statusCode: 400 });
    await expectApiError(put({ "EventInfo.51.EventName": "x", "EventInfo.51.Content": "y" }), { code: "InvalidParameter", statusCode: 400 });
    assert.equal(emu.control.customEvents().length, before);
  });
});
