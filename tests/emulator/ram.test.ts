import assert from "node:assert/strict";
import * as $Ram from "@alicloud/ram20150501";
import { ClientError } from "@alicloud/openapi-core";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { expectApiError } from "../support/emulator-helpers";
import { ramClient, stsClient } from "../../testkit/emulator/sdk-clients";

describe("emulator: RAM 2015-05-01", () => {
  let emu: EmulatorHandle;
  let now: Date;

  before(async () => {
    now = new Date("2030-01-02T03:04:05Z");
    emu = await startEmulator({ clock: () => now });
  });
  after(() => emu.stop());

  const ram = () => ramClient(emu);

  it("creates, reads and deletes a user", async () => {
    const created = await ram().createUser(
      new $Ram.CreateUserRequest({ userName: "bob", displayName: "Bob", comments: "test user" }),
    );
    assert.equal(created.body?.user?.userName, "bob");
    assert.equal(created.body?.user?.displayName, "Bob");
    assert.equal(created.body?.user?.createDate, "2030-01-02T03:04:05Z");
    assert.match(created.body?.user?.userId ?? "", /^\d{16}$/);

    const got = await ram().getUser(new $Ram.GetUserRequest({ userName: "bob" }));
    assert.equal(got.body?.user?.userId, created.body?.user?.userId);
    assert.equal(got.body?.user?.comments, "test user");

    await ram().deleteUser(new $Ram.DeleteUserRequest({ userName: "bob" }));
    await expectApiError(ram().getUser(new $Ram.GetUserRequest({ userName: "bob" })), {
      code: "EntityNotExist.User",
      statusCode: 404,
      message: "The user does not exist.",
      type: ClientError,
    });
  });

  it("refuses a duplicate user and invalid names", async () => {
    await ram().createUser(new $Ram.CreateUserRequest({ userName: "dup" }));
    await expectApiError(ram().createUser(new $Ram.CreateUserRequest({ userName: "dup" })), {
      code: "EntityAlreadyExists.User",
      statusCode: 409,
      message: "The user does already EXIST.",
    });
    await expectApiError(ram().createUser(new $Ram.CreateUserRequest({ userName: "bad name!" })), {
      code: "InvalidParameter.UserName.InvalidChars",
      statusCode: 400,
      message: 'The parameter - "UserName" contains invalid chars.',
    });
    await expectApiError(ram().createUser(new $Ram.CreateUserRequest({ userName: "x".repeat(65) })), {
      code: "InvalidParameter.UserName.Length",
      statusCode: 400,
    });
  });

  it("answers a missing required parameter the way the gateway words it", async () => {
    await expectApiError(ram().getUser(new $Ram.GetUserRequest({})), {
      code: "MissingUserName",
      statusCode: 400,
      message: "UserName is mandatory for this action.",
    });
    await expectApiError(ram().deleteAccessKey(new $Ram.DeleteAccessKeyRequest({ userName: "dup" })), {
      code: "MissingUserAccessKeyId",
      statusCode: 400,
      message: "UserAccessKeyId is mandatory for this action.",
    });
  });

  it("reports unknown users on every action that names one", async () => {
    const expected = { code: "EntityNotExist.User", statusCode: 404 } as const;
    await expectApiError(ram().deleteUser(new $Ram.DeleteUserRequest({ userName: "ghost" })), expected);
    await expectApiError(ram().createAccessKey(new $Ram.CreateAccessKeyRequest({ userName: "ghost" })), expected);
    await expectApiError(ram().listAccessKeys(new $Ram.ListAccessKeysRequest({ userName: "ghost" })), expected);
  });

  it("manages a user's keys: create, list, deactivate, delete, with the 2-key limit", async () => {
    await ram().createUser(new $Ram.CreateUserRequest({ userName: "carol" }));
    const k1 = await ram().createAccessKey(new $Ram.CreateAccessKeyRequest({ userName: "carol" }));
    assert.match(k1.body?.accessKey?.accessKeyId ?? "", /^LTAI[A-Za-z0-9]{20}$/);
    assert.equal(k1.body?.accessKey?.accessKeySecret?.length, 30);
    assert.equal(k1.body?.accessKey?.status, "Active");
    const k2 = await ram().createAccessKey(new $Ram.CreateAccessKeyRequest({ userName: "carol" }));

    await expectApiError(ram().createAccessKey(new $Ram.CreateAccessKeyRequest({ userName: "carol" })), {
      code: "LimitExceeded.User.AccessKey",
      statusCode: 409,
      message: "The access key count of the user access keys beyond the current limits.",
    });

    const listed = await ram().listAccessKeys(new $Ram.ListAccessKeysRequest({ userName: "carol" }));
    const keys = listed.body?.accessKeys?.accessKey ?? [];
    assert.deepEqual(keys.map((k) => k.accessKeyId).sort(), [k1.body?.accessKey?.accessKeyId, k2.body?.accessKey?.accessKeyId].sort());
    assert.ok(keys.every((k) => k.status === "Active" && k.createDate === "2030-01-02T03:04:05Z"));
    assert.ok(!JSON.stringify(listed.body).includes(k1.body?.accessKey?.accessKeySecret ?? "?"), "listing never shows secrets");

    const id1 = k1.body?.accessKey?.accessKeyId ?? "";
    await ram().updateAccessKey(new $Ram.UpdateAccessKeyRequest({ userName: "carol", userAccessKeyId: id1, status: "Inactive" }));
    const after = await ram().listAccessKeys(new $Ram.ListAccessKeysRequest({ userName: "carol" }));
    assert.equal(after.body?.accessKeys?.accessKey?.find((k) => k.accessKeyId === id1)?.status, "Inactive");

    await expectApiError(ram().deleteUser(new $Ram.DeleteUserRequest({ userName: "carol" })), {
      code: "DeleteConflict.User.AccessKey",
      statusCode: 409,
    });
    await ram().deleteAccessKey(new $Ram.DeleteAccessKeyRequest({ userName: "carol", userAccessKeyId: id1 }));
    const k3 = await ram().createAccessKey(new $Ram.CreateAccessKeyRequest({ userName: "carol" }));
    assert.ok(k3.body?.accessKey?.accessKeyId, "deleting a key frees a slot");
  });

  it("reports unknown keys and keys of another user as EntityNotExist.User.AccessKey", async () => {
    await ram().createUser(new $Ram.CreateUserRequest({ userName: "dave" }));
    const carolKeys = await ram().listAccessKeys(new $Ram.ListAccessKeysRequest({ userName: "carol" }));
    const carolKeyId = carolKeys.body?.accessKeys?.accessKey?.[0]?.accessKeyId ?? "";
    const expected = { code: "EntityNotExist.User.AccessKey", statusCode: 404, message: "The user access key does not exist." };
    await expectApiError(
      ram().deleteAccessKey(new $Ram.DeleteAccessKeyRequest({ userName: "dave", userAccessKeyId: carolKeyId })),
      expected,
    );
    await expectApiError(
      ram().updateAccessKey(new $Ram.UpdateAccessKeyRequest({ userName: "dave", userAccessKeyId: "LTAI5tNope", status: "Active" })),
      expected,
    );
    await expectApiError(
      ram().getAccessKeyLastUsed(new $Ram.GetAccessKeyLastUsedRequest({ userName: "dave", userAccessKeyId: carolKeyId })),
      expected,
    );
  });

  it("refuses a Status other than Active or Inactive", async () => {
    const carolKeys = await ram().listAccessKeys(new $Ram.ListAccessKeysRequest({ userName: "carol" }));
    await expectApiError(
      ram().updateAccessKey(
        new $Ram.UpdateAccessKeyRequest({
          userName: "carol",
          userAccessKeyId: carolKeys.body?.accessKeys?.accessKey?.[0]?.accessKeyId,
          status: "Disabled",
        }),
      ),
      { code: "InvalidParameter.Status.Format", statusCode: 400 },
    );
  });

  it("updates GetAccessKeyLastUsed only when the key signs a real call", async () => {
    await ram().createUser(new $Ram.CreateUserRequest({ userName: "erin" }));
    const key = emu.control.createAccessKey("erin");
    const lastUsed = () =>
      ram().getAccessKeyLastUsed(new $Ram.GetAccessKeyLastUsedRequest({ userName: "erin", userAccessKeyId: key.accessKeyId }));
    assert.equal((await lastUsed()).body?.accessKeyLastUsed?.lastUsedDate, undefined);

    now = new Date("2030-01-05T00:00:00Z");
    await stsClient(emu, key).getCallerIdentity();
    assert.equal((await lastUsed()).body?.accessKeyLastUsed?.lastUsedDate, "2030-01-05T00:00:00Z");

    now = new Date("2030-01-06T00:00:00Z");
    await stsClient(emu, { ...key, accessKeySecret: "wrong" }).getCallerIdentity().catch(() => undefined);
    assert.equal(
      (await lastUsed()).body?.accessKeyLastUsed?.lastUsedDate,
      "2030-01-05T00:00:00Z",
      "a call with a bad signature does not count as use",
    );
  });

  it("without UserName, key actions act on the caller's own (account) keys", async () => {
    const own = await ram().listAccessKeys(new $Ram.ListAccessKeysRequest({}));
    assert.deepEqual(
      own.body?.accessKeys?.accessKey?.map((k) => k.accessKeyId),
      [emu.accessKeyId],
    );
    const lastUsed = await ram().getAccessKeyLastUsed(new $Ram.GetAccessKeyLastUsedRequest({ userAccessKeyId: emu.accessKeyId }));
    assert.ok(lastUsed.body?.accessKeyLastUsed?.lastUsedDate);
  });
});
