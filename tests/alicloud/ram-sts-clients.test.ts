import { strict as assert } from "node:assert";
import { createRamClient, RAM_ENDPOINT, type RamClient } from "../../provider/alicloud/ram-client";
import { CloudApiError } from "../../provider/alicloud/cloud-api-error";
import { CLOUD_API_RETRY } from "../../provider/core/retry";
import { isRamUser, stsClientFor, type StsClient } from "../../provider/alicloud/sts-client";
import { openApiConfig, type CloudSettings } from "../../provider/alicloud/cloud-settings";
import { isManagedSecretsError } from "../../provider/core/errors";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { expectError } from "../support/expect-error";

describe("thin RAM and STS clients against the emulator (real SDKs, real signing)", () => {
  let emu: EmulatorHandle;
  let settings: CloudSettings;
  let ram: RamClient;
  let sts: StsClient;
  const log: string[] = [];

  before(async () => {
    emu = await startEmulator({ log: (l) => log.push(l) });
    settings = { regionId: emu.regionId, endpoint: emu.endpoint, protocol: "http", accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret };
    // The real client and policy, without the waits between tries.
    ram = createRamClient(openApiConfig(settings, RAM_ENDPOINT), { ...CLOUD_API_RETRY, sleep: async () => undefined });
    sts = stsClientFor(settings, { ...CLOUD_API_RETRY, sleep: async () => undefined });
    emu.control.createUser({ name: "client-user" });
  });
  after(() => emu?.stop());
  afterEach(() => emu.control.clearFaults());

  it("one method per API: create, list, update, last-used, delete, get user", async () => {
    const mark = log.length;
    const user = await ram.getUser("client-user");
    assert.equal(user.userName, "client-user");
    assert.match(user.userId, /^\d+$/);

    const created = await ram.createAccessKey("client-user");
    assert.match(created.accessKeyId, /^LTAI/);
    assert.equal(created.status, "Active");
    assert.match(created.createDate, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.deepEqual(await ram.listAccessKeys("client-user"), [{ accessKeyId: created.accessKeyId, status: "Active", createDate: created.createDate }]);
    assert.equal(await ram.getAccessKeyLastUsed("client-user", created.accessKeyId), undefined, "never used");

    assert.equal((await sts.getCallerIdentity(created)).outcome, "accepted");
    assert.match((await ram.getAccessKeyLastUsed("client-user", created.accessKeyId)) ?? "", /Z$/);

    await ram.updateAccessKey("client-user", created.accessKeyId, "Inactive");
    assert.equal((await ram.listAccessKeys("client-user"))[0]?.status, "Inactive");
    await ram.deleteAccessKey("client-user", created.accessKeyId);
    assert.deepEqual(log.slice(mark).map((l) => l.split(" ")[0]), [
      "Ram.GetUser", "Ram.CreateAccessKey", "Ram.ListAccessKeys", "Ram.GetAccessKeyLastUsed", "Sts.GetCallerIdentity",
      "Ram.GetAccessKeyLastUsed", "Ram.UpdateAccessKey", "Ram.ListAccessKeys", "Ram.DeleteAccessKey",
    ], "exactly one API call per method");
    assert.deepEqual(await ram.listAccessKeys("client-user"), []);
  });

  it("translates service errors into codes, keeping the service's Code, status and request id (no secret anywhere)", async () => {
    const notFound = await expectError(ram.getUser("ghost"), "TargetNotFound", { message: /^RAM GetUser failed: EntityNotExist\.User \(HTTP 404, request [0-9A-F-]+\): The user does not exist\.$/ });
    assert.ok(notFound instanceof CloudApiError);
    assert.deepEqual([notFound.apiCode, notFound.httpStatus], ["EntityNotExist.User", 404]);
    await expectError(ram.deleteAccessKey("client-user", "LTAI5tNoSuchKeyNoSuchKey"), "TargetNotFound", { message: /EntityNotExist\.User\.AccessKey/ });

    const a = await ram.createAccessKey("client-user");
    const b = await ram.createAccessKey("client-user");
    const limit = await expectError(ram.createAccessKey("client-user"), "AccessKeyLimit", { message: /LimitExceeded\.User\.AccessKey \(HTTP 409/ });
    for (const secret of [a.accessKeySecret, b.accessKeySecret, emu.accessKeySecret]) assert.ok(!limit.message.includes(secret));

    const calls = (action: string, since: number) => log.slice(since).filter((l) => l.startsWith(`Ram.${action} `)).length;
    let mark = log.length;
    emu.control.throttle("ListAccessKeys", CLOUD_API_RETRY.attempts);
    const throttled = await expectError(ram.listAccessKeys("client-user"), "CloudUnavailable", { message: /Throttling\.User/ });
    assert.equal(throttled.transient, true);
    assert.equal(calls("ListAccessKeys", mark), CLOUD_API_RETRY.attempts, "a read is tried again while RAM throttles it, up to its budget");

    mark = log.length;
    emu.control.throttle("ListAccessKeys", 1);
    assert.equal((await ram.listAccessKeys("client-user")).length, 2, "one throttled answer, then the list");
    assert.equal(calls("ListAccessKeys", mark), 2);

    mark = log.length;
    emu.control.throttle("DeleteAccessKey", 1);
    await expectError(ram.deleteAccessKey("client-user", a.accessKeyId), "CloudUnavailable");
    assert.equal(calls("DeleteAccessKey", mark), 1, "a call that is not idempotent is never repeated by the client");

    mark = log.length;
    emu.control.injectFault({ action: "GetUser", code: "InternalError", httpStatus: 500, message: "The request processing has failed due to some unknown error.", times: CLOUD_API_RETRY.attempts });
    await expectError(ram.getUser("client-user"), "CloudUnavailable", { message: /RAM GetUser failed: InternalError \(HTTP 500/ });
    assert.equal(calls("GetUser", mark), CLOUD_API_RETRY.attempts, "a 5xx on a read is tried again, up to the budget");

    emu.control.injectFault({ action: "GetUser", code: "NoPermission", httpStatus: 403, message: "You are not authorized to do this action." });
    await expectError(ram.getUser("client-user"), "CloudRejected", { message: /NoPermission \(HTTP 403/ });
    await ram.deleteAccessKey("client-user", a.accessKeyId);
    await ram.deleteAccessKey("client-user", b.accessKeyId);
  });

  it("a lost connection is Unreachable (transient) and says the call may have taken effect", async () => {
    emu.control.dropConnection("CreateAccessKey", 1, "after");
    const e = await expectError(ram.createAccessKey("client-user"), "Unreachable", { message: /RAM CreateAccessKey did not complete \(ECONNRESET\); the call may or may not have taken effect/ });
    assert.equal(e.transient, true);
    const [orphan] = await ram.listAccessKeys("client-user");
    assert.ok(orphan, "the key exists though its secret never arrived");
    await ram.deleteAccessKey("client-user", orphan.accessKeyId);
  });

  it("a bad admin credential is CloudConfig with the gateway's code", async () => {
    const wrong = createRamClient(openApiConfig({ ...settings, accessKeySecret: "not-the-admin-secret" }, "ram.aliyuncs.com"));
    const e = await expectError(wrong.listAccessKeys("client-user"), "CloudConfig", { message: /RAM ListAccessKeys failed: SignatureDoesNotMatch/ });
    assert.ok(!e.message.includes("server string to sign"), "the gateway's string-to-sign echo is cut");
    const unknown = createRamClient(openApiConfig({ ...settings, accessKeyId: "LTAI5tNoSuchKeyNoSuchKey" }, "ram.aliyuncs.com"));
    await expectError(unknown.listAccessKeys("client-user"), "CloudConfig", { message: /InvalidAccessKeyId\.NotFound \(HTTP 404/ });
  });

  it("STS GetCallerIdentity signed with a given pair: accepted with the identity, or refused with the reason", async () => {
    const key = emu.control.createAccessKey("client-user");
    const ok = await sts.getCallerIdentity(key);
    assert.equal(ok.outcome, "accepted");
    assert.ok(ok.outcome === "accepted" && isRamUser(ok.identity, "client-user") && !isRamUser(ok.identity, "someone"));
    assert.equal(ok.outcome === "accepted" && ok.identity.arn, `acs:ram::${emu.accountId}:user/client-user`);
    assert.ok(!log.some((l) => l.includes(key.accessKeySecret)));

    assert.deepEqual(await sts.getCallerIdentity({ ...key, accessKeySecret: "x".repeat(30) }), { outcome: "rejected", reason: "SignatureMismatch", apiCode: "SignatureDoesNotMatch" });
    await ram.updateAccessKey("client-user", key.accessKeyId, "Inactive");
    assert.deepEqual(await sts.getCallerIdentity(key), { outcome: "rejected", reason: "Inactive", apiCode: "InvalidAccessKeyId.Inactive" });
    await ram.deleteAccessKey("client-user", key.accessKeyId);
    assert.deepEqual(await sts.getCallerIdentity(key), { outcome: "rejected", reason: "NotFound", apiCode: "InvalidAccessKeyId.NotFound" });

    const admin = await sts.getCallerIdentity(emu);
    assert.ok(admin.outcome === "accepted" && admin.identity.identityType === "Account" && !isRamUser(admin.identity, "client-user"));

    emu.control.throttle("GetCallerIdentity", 1);
    assert.equal((await sts.getCallerIdentity(emu)).outcome, "accepted", "a throttled probe is sent again by the client");
    emu.control.throttle("GetCallerIdentity", CLOUD_API_RETRY.attempts);
    await assert.rejects(sts.getCallerIdentity(emu), (e) => isManagedSecretsError(e, "CloudUnavailable"));
  });
});
