import assert from "node:assert/strict";
import * as $Ram from "@alicloud/ram20150501";
import { ClientError } from "@alicloud/openapi-core";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { expectApiError, kmsCall } from "../support/emulator-helpers";
import { ramClient, stsClient, type Credentials } from "../../testkit/emulator/sdk-clients";

describe("emulator: authentication and authorization", () => {
  let emu: EmulatorHandle;
  let alice: Credentials;

  before(async () => {
    emu = await startEmulator();
    emu.control.createUser({ name: "alice" });
    alice = emu.control.createAccessKey("alice");
  });
  after(() => emu.stop());

  it("accepts the admin key and tells STS who signed", async () => {
    const res = await stsClient(emu).getCallerIdentity();
    assert.deepEqual(
      { ...res.body, requestId: undefined },
      {
        requestId: undefined,
        identityType: "Account",
        accountId: emu.accountId,
        userId: emu.accountId,
        principalId: emu.accountId,
        arn: `acs:ram::${emu.accountId}:root`,
      },
    );
    assert.equal(res.statusCode, 200);
  });

  it("identifies a RAM user by its user id and ARN", async () => {
    const user = await ramClient(emu).getUser(new $Ram.GetUserRequest({ userName: "alice" }));
    const res = await stsClient(emu, alice).getCallerIdentity();
    assert.equal(res.body?.identityType, "RAMUser");
    assert.equal(res.body?.accountId, emu.accountId);
    assert.equal(res.body?.userId, user.body?.user?.userId);
    assert.equal(res.body?.principalId, user.body?.user?.userId);
    assert.equal(res.body?.arn, `acs:ram::${emu.accountId}:user/alice`);
  });

  it("rejects a wrong secret with SignatureDoesNotMatch and shows the server's string to sign", async () => {
    const err = await expectApiError(
      stsClient(emu, { accessKeyId: emu.accessKeyId, accessKeySecret: "not-the-secret" }).getCallerIdentity(),
      {
        code: "SignatureDoesNotMatch",
        statusCode: 400,
        message: /^Specified signature is not matched with our calculation\. server string to sign is:ACS3-HMAC-SHA256\n[0-9a-f]{64}$/,
        type: ClientError,
      },
    );
    assert.ok(!err.message.includes(emu.accessKeySecret), "no secret in the error");
  });

  it("rejects an unknown key with InvalidAccessKeyId.NotFound (404)", async () => {
    await expectApiError(
      stsClient(emu, { accessKeyId: "LTAI5tNoSuchKeyAnywhere1", accessKeySecret: "x" }).getCallerIdentity(),
      { code: "InvalidAccessKeyId.NotFound", statusCode: 404, message: "Specified access key is not found." },
    );
  });

  it("rejects an Inactive key with InvalidAccessKeyId.Inactive (400) and accepts it again once Active", async () => {
    const ram = ramClient(emu);
    const key = emu.control.createAccessKey("alice");
    await ram.updateAccessKey(
      new $Ram.UpdateAccessKeyRequest({ userName: "alice", userAccessKeyId: key.accessKeyId, status: "Inactive" }),
    );
    await expectApiError(stsClient(emu, key).getCallerIdentity(), {
      code: "InvalidAccessKeyId.Inactive",
      statusCode: 400,
      message: "Specified access key is disabled.",
    });
    await ram.updateAccessKey(
      new $Ram.UpdateAccessKeyRequest({ userName: "alice", userAccessKeyId: key.accessKeyId, status: "Active" }),
    );
    assert.equal((await stsClient(emu, key).getCallerIdentity()).body?.identityType, "RAMUser");
    await ram.deleteAccessKey(new $Ram.DeleteAccessKeyRequest({ userName: "alice", userAccessKeyId: key.accessKeyId }));
  });

  it("after a RAM key rotation the new key works and the deleted key is unknown", async () => {
    emu.control.createUser({ name: "rotator" });
    const oldKey = emu.control.createAccessKey("rotator");
    const ram = ramClient(emu);
    const created = await ram.createAccessKey(new $Ram.CreateAccessKeyRequest({ userName: "rotator" }));
    const newKey = {
      accessKeyId: created.body?.accessKey?.accessKeyId ?? "",
      accessKeySecret: created.body?.accessKey?.accessKeySecret ?? "",
    };
    assert.equal((await stsClient(emu, newKey).getCallerIdentity()).body?.arn, `acs:ram::${emu.accountId}:user/rotator`);
    await ram.deleteAccessKey(new $Ram.DeleteAccessKeyRequest({ userName: "rotator", userAccessKeyId: oldKey.accessKeyId }));
    await expectApiError(stsClient(emu, oldKey).getCallerIdentity(), {
      code: "InvalidAccessKeyId.NotFound",
      statusCode: 404,
    });
    assert.equal((await stsClient(emu, newKey).getCallerIdentity()).body?.identityType, "RAMUser");
  });

  it("lets a non-admin RAM user call only sts:GetCallerIdentity (RAM answers NoPermission 403)", async () => {
    const err = await expectApiError(ramClient(emu, alice).getUser(new $Ram.GetUserRequest({ userName: "alice" })), {
      code: "NoPermission",
      statusCode: 403,
      message: `You are not authorized to do this action. Resource: acs:ram:*:${emu.accountId}:user/* Action: ram:GetUser`,
    });
    assert.equal((err as ClientError).accessDeniedDetail?.AuthAction, "ram:GetUser");
    assert.equal((err as ClientError).accessDeniedDetail?.NoPermissionType, "ImplicitDeny");
  });

  it("answers a non-admin KMS call with Forbidden.NoPermission 403", async () => {
    await expectApiError(kmsCall(emu, "ListSecrets", {}, { creds: alice }), {
      code: "Forbidden.NoPermission",
      statusCode: 403,
      message: "You are not authorized to perform the operation.",
    });
  });

  it("lets a user flagged admin call everything", async () => {
    emu.control.createUser({ name: "ops", admin: true });
    const ops = emu.control.createAccessKey("ops");
    const res = await ramClient(emu, ops).getUser(new $Ram.GetUserRequest({ userName: "alice" }));
    assert.equal(res.body?.user?.userName, "alice");
  });
});
