import assert from "node:assert/strict";
import * as $Ram from "@alicloud/ram20150501";
import { ClientError, ServerError, ThrottlingError } from "@alicloud/openapi-core";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { expectApiError, kmsCall } from "../support/emulator-helpers";
import { ramClient, stsClient } from "../../testkit/emulator/sdk-clients";

describe("emulator: gateway behaviour and injected faults", () => {
  let emu: EmulatorHandle;
  const logLines: string[] = [];

  before(async () => {
    emu = await startEmulator({ log: (line) => logLines.push(line) });
  });
  afterEach(() => emu.control.clearFaults());
  after(() => emu.stop());

  it("answers an unimplemented action with InvalidAction.NotFound (404), never an empty 200", async () => {
    await expectApiError(kmsCall(emu, "CreateCertificate", {}), {
      code: "InvalidAction.NotFound",
      statusCode: 404,
      message: "Specified api is not found, please check your url and method.",
      type: ClientError,
    });
  });

  it("answers an unknown API version with InvalidVersion (400)", async () => {
    await expectApiError(kmsCall(emu, "GetSecretValue", { SecretName: "x" }, { version: "2099-01-01" }), {
      code: "InvalidVersion",
      statusCode: 400,
      message: "Specified parameter Version is not valid.",
    });
  });

  it("turns a throttling fault into the SDK's ThrottlingError, worded per product", async () => {
    emu.control.throttle("GetCallerIdentity", 1);
    await expectApiError(stsClient(emu).getCallerIdentity(), {
      code: "Throttling.User",
      statusCode: 400,
      message: "Request was denied due to user flow control.",
      type: ThrottlingError,
    });
    assert.equal((await stsClient(emu).getCallerIdentity()).statusCode, 200, "only the next call was throttled");

    emu.control.throttle("ListSecrets", 2);
    const kmsThrottled = { code: "Rejected.Throttling", statusCode: 429, type: ThrottlingError };
    await expectApiError(kmsCall(emu, "ListSecrets", {}), kmsThrottled);
    await expectApiError(kmsCall(emu, "ListSecrets", {}), kmsThrottled);
    assert.equal((await kmsCall(emu, "ListSecrets", {})).TotalCount, 0);
  });

  it("injects a 5xx on the nth call that the SDK raises as ServerError, for `times` calls", async () => {
    emu.control.injectFault({
      action: "ListSecrets",
      nth: 2,
      times: 2,
      code: "InternalFailure",
      httpStatus: 500,
      message: "Internal Failure",
    });
    await kmsCall(emu, "ListSecrets", {});
    for (let i = 0; i < 2; i++) {
      await expectApiError(kmsCall(emu, "ListSecrets", {}), {
        code: "InternalFailure",
        statusCode: 500,
        message: "Internal Failure",
        type: ServerError,
      });
    }
    await kmsCall(emu, "ListSecrets", {});
  });

  it("drops the connection before the call is handled: nothing happens, the SDK sees a reset", async () => {
    emu.control.dropConnection("CreateUser", 1);
    await assert.rejects(ramClient(emu).createUser(new $Ram.CreateUserRequest({ userName: "lost" })), (e: Error & { code?: string }) => {
      assert.equal(e.code, "ECONNRESET");
      assert.ok(!(e instanceof ClientError) && !(e instanceof ServerError));
      return true;
    });
    await expectApiError(ramClient(emu).getUser(new $Ram.GetUserRequest({ userName: "lost" })), {
      code: "EntityNotExist.User",
      statusCode: 404,
    });
  });

  it("drops the connection after the call was handled: the effect stays, the answer is lost", async () => {
    emu.control.createUser({ name: "orphaned" });
    emu.control.dropConnection("CreateAccessKey", 1, "after");
    await assert.rejects(ramClient(emu).createAccessKey(new $Ram.CreateAccessKeyRequest({ userName: "orphaned" })), {
      code: "ECONNRESET",
    });
    const keys = await ramClient(emu).listAccessKeys(new $Ram.ListAccessKeysRequest({ userName: "orphaned" }));
    assert.equal(keys.body?.accessKeys?.accessKey?.length, 1, "the key exists though its secret never reached the caller");
  });

  it("delays calls with latency so client timeouts can be exercised", async () => {
    emu.control.latency("ListSecrets", 300);
    await assert.rejects(kmsCall(emu, "ListSecrets", {}, { readTimeout: 100 }), (e: Error & { code?: string }) => {
      assert.match(`${e.name} ${e.code} ${e.message}`, /timeout/i);
      return true;
    });
    const t0 = Date.now();
    await kmsCall(emu, "ListSecrets", {});
    assert.ok(Date.now() - t0 >= 250, "the delay applies to every call until cleared");
    emu.control.latency("ListSecrets", 0);
  });

  it("serves the same control surface over HTTP under /__emulator", async () => {
    const base = `http://${emu.endpoint}/__emulator`;
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${base}${path}`, { method: "POST", body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const health = (await (await fetch(`${base}/health`)).json()) as Record<string, unknown>;
    assert.equal(health.accountId, emu.accountId);
    assert.equal(health.endpoint, emu.endpoint);

    const user = await post("/users", { name: "http-user", admin: true });
    assert.equal(user.body.userName, "http-user");
    assert.ok(!("accessKeySecret" in user.body));
    const key = await post("/access-keys", { userName: "http-user" });
    const creds = { accessKeyId: String(key.body.accessKeyId), accessKeySecret: String(key.body.accessKeySecret) };
    assert.equal((await stsClient(emu, creds).getCallerIdentity()).body?.arn, `acs:ram::${emu.accountId}:user/http-user`);
    await post("/access-keys", { userName: "http-user" });
    const third = await post("/access-keys", { userName: "http-user" });
    assert.equal(third.status, 409);
    assert.equal(third.body.Code, "LimitExceeded.User.AccessKey");

    const before = Date.parse(String(health.now));
    const moved = await post("/clock/advance", { ms: 86_400_000 });
    assert.ok(Date.parse(String(moved.body.now)) - before >= 86_400_000);

    await post("/faults/throttle", { action: "GetCallerIdentity", count: 1 });
    await expectApiError(stsClient(emu).getCallerIdentity(), { code: "Throttling.User", statusCode: 400 });
    await post("/faults", { action: "GetCallerIdentity", code: "ServiceUnavailable", httpStatus: 503, message: "down" });
    assert.equal((await fetch(`${base}/faults`, { method: "DELETE" })).status, 200);
    assert.equal((await stsClient(emu).getCallerIdentity()).statusCode, 200, "clearing faults removed the pending 503");

    const bad = await post("/instances", { instanceId: "i-x", privateIp: "127.0.0.9", nsPid: -1 });
    assert.equal(bad.status, 400);
    assert.equal((await fetch(`${base}/nope`)).status, 404);
  });

  it("never prints a secret in a log line", async () => {
    emu.control.createUser({ name: "logged", admin: true });
    const key = emu.control.createAccessKey("logged");
    await stsClient(emu, key).getCallerIdentity();
    await kmsCall(emu, "CreateSecret", { SecretName: "logged", SecretData: "super-secret-value", VersionId: "v1" });
    await kmsCall(emu, "GetSecretValue", { SecretName: "logged" });
    await stsClient(emu, { ...key, accessKeySecret: "wrong-secret" }).getCallerIdentity().catch(() => undefined);
    const text = logLines.join("\n");
    assert.ok(text.includes("Kms.GetSecretValue 200"), "calls are logged");
    for (const secret of [emu.accessKeySecret, key.accessKeySecret, "super-secret-value", "wrong-secret"]) {
      assert.ok(!text.includes(secret), "a secret leaked into the log");
    }
  });
});
