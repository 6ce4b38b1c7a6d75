import assert from "node:assert/strict";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { expectApiError, kmsCall } from "../support/emulator-helpers";

const DAY = 24 * 60 * 60 * 1000;

describe("emulator: KMS 2016-01-20 secrets (via openapi-core callApi)", () => {
  let emu: EmulatorHandle;

  before(async () => {
    emu = await startEmulator({ clock: () => new Date("2030-03-01T00:00:00Z") });
  });
  after(() => emu.stop());

  const kms = (action: string, query: Record<string, string | number | boolean> = {}) => kmsCall(emu, action, query);
  const stagesOf = (body: Record<string, unknown>) => (body.VersionStages as { VersionStage: string[] }).VersionStage;
  const notFound = { code: "Forbidden.ResourceNotFound", statusCode: 404, message: "The resource is not found." };
  const inWindow = { code: "Rejected.ResourceInDeleteWindow", statusCode: 409, message: "The secret is planned to be deleted." };
  const invalid = { code: "InvalidParameter", statusCode: 400, message: /^The specified parameter is not valid\./ };

  it("creates a secret and reads its value back (special characters survive signing)", async () => {
    const value = JSON.stringify({ UserName: "root", Password: "p@ss w+rd&x=y*!'()~%" });
    const created = await kms("CreateSecret", {
      SecretName: "ecs/web-1/root",
      SecretData: value,
      VersionId: "v1",
      Description: "root password",
      Tags: JSON.stringify([{ TagKey: "managed-by", TagValue: "pulumi" }]),
    });
    assert.equal(created.SecretName, "ecs/web-1/root");
    assert.equal(created.VersionId, "v1");
    assert.equal(created.SecretType, "Generic");
    assert.equal(created.Arn, `acs:kms:${emu.regionId}:${emu.accountId}:secret/ecs/web-1/root`);

    const got = await kms("GetSecretValue", { SecretName: "ecs/web-1/root" });
    assert.equal(got.SecretData, value);
    assert.equal(got.SecretDataType, "text");
    assert.equal(got.VersionId, "v1");
    assert.deepEqual(stagesOf(got), ["ACSCurrent"]);
    assert.equal(got.CreateTime, "2030-03-01T00:00:00Z");

    const byArn = await kms("GetSecretValue", { SecretName: String(created.Arn) });
    assert.equal(byArn.SecretData, value);
  });

  it("refuses a duplicate name, bad input and missing parameters", async () => {
    await expectApiError(kms("CreateSecret", { SecretName: "ecs/web-1/root", SecretData: "x", VersionId: "v1" }), {
      code: "Rejected.ResourceExist",
      statusCode: 409,
      message: "The resource already exists.",
    });
    await expectApiError(kms("CreateSecret", { SecretName: "acs/reserved", SecretData: "x", VersionId: "v1" }), invalid);
    await expectApiError(kms("CreateSecret", { SecretName: "bad name", SecretData: "x", VersionId: "v1" }), invalid);
    await expectApiError(
      kms("CreateSecret", { SecretName: "bin", SecretData: "not base64!", VersionId: "v1", SecretDataType: "binary" }),
      invalid,
    );
    await expectApiError(kms("CreateSecret", { SecretName: "tags", SecretData: "x", VersionId: "v1", Tags: "{" }), invalid);
    await expectApiError(kms("CreateSecret", { SecretName: "no-data", VersionId: "v1" }), {
      code: "MissingSecretData",
      statusCode: 400,
      message: "SecretData is mandatory for this action.",
    });
    await expectApiError(kms("GetSecretValue", { SecretName: "nope" }), notFound);
  });

  it("PutSecretValue adds versions, moves ACSCurrent/ACSPrevious and is idempotent per VersionId", async () => {
    await kms("CreateSecret", { SecretName: "rot", SecretData: "one", VersionId: "v1" });
    const put = await kms("PutSecretValue", { SecretName: "rot", SecretData: "two", VersionId: "v2" });
    assert.deepEqual(stagesOf(put), ["ACSCurrent"]);
    assert.equal((await kms("GetSecretValue", { SecretName: "rot" })).SecretData, "two");
    const prev = await kms("GetSecretValue", { SecretName: "rot", VersionStage: "ACSPrevious" });
    assert.equal(prev.SecretData, "one");

    const again = await kms("PutSecretValue", { SecretName: "rot", SecretData: "two", VersionId: "v2" });
    assert.deepEqual(stagesOf(again), ["ACSCurrent"], "same id and data: success, nothing changes");
    await expectApiError(kms("PutSecretValue", { SecretName: "rot", SecretData: "other", VersionId: "v2" }), {
      code: "Rejected.ResourceExist",
      statusCode: 409,
    });

    const pending = await kms("PutSecretValue", {
      SecretName: "rot",
      SecretData: "three",
      VersionId: "v3",
      VersionStages: JSON.stringify(["ACSPending"]),
    });
    assert.deepEqual(stagesOf(pending), ["ACSPending"]);
    assert.equal((await kms("GetSecretValue", { SecretName: "rot" })).SecretData, "two", "ACSCurrent did not move");
    assert.equal((await kms("GetSecretValue", { SecretName: "rot", VersionStage: "ACSPending" })).SecretData, "three");
    assert.equal((await kms("GetSecretValue", { SecretName: "rot", VersionId: "v1" })).SecretData, "one");
    await expectApiError(kms("GetSecretValue", { SecretName: "rot", VersionId: "v9" }), notFound);
    await expectApiError(kms("GetSecretValue", { SecretName: "rot", VersionStage: "NoSuchStage" }), notFound);
    await expectApiError(kms("GetSecretValue", { SecretName: "rot", VersionId: "v1", VersionStage: "ACSCurrent" }), invalid);
    await expectApiError(
      kms("PutSecretValue", { SecretName: "rot", SecretData: "x", VersionId: "v4", VersionStages: "ACSCurrent" }),
      invalid,
    );
  });

  it("UpdateSecretVersionStage finishes a rotation: ACSCurrent moves, the old current becomes ACSPrevious", async () => {
    await kms("UpdateSecretVersionStage", { SecretName: "rot", VersionStage: "ACSCurrent", MoveToVersion: "v3", RemoveFromVersion: "v2" });
    await kms("UpdateSecretVersionStage", { SecretName: "rot", VersionStage: "ACSPending", RemoveFromVersion: "v3" });
    const list = await kms("ListSecretVersionIds", { SecretName: "rot" });
    const versions = (list.VersionIds as { VersionId: Array<{ VersionId: string; VersionStages: { VersionStage: string[] } }> }).VersionId;
    assert.deepEqual(
      versions.map((v) => [v.VersionId, v.VersionStages.VersionStage]),
      [
        ["v2", ["ACSPrevious"]],
        ["v3", ["ACSCurrent"]],
      ],
      "v1 has no stage left, so it is deprecated and hidden",
    );
    const all = await kms("ListSecretVersionIds", { SecretName: "rot", IncludeDeprecated: "true" });
    assert.equal(all.TotalCount, 3);

    await expectApiError(kms("UpdateSecretVersionStage", { SecretName: "rot", VersionStage: "ACSCurrent", RemoveFromVersion: "v3" }), invalid);
    await expectApiError(kms("UpdateSecretVersionStage", { SecretName: "rot", VersionStage: "ACSPending" }), invalid);
    await expectApiError(
      kms("UpdateSecretVersionStage", { SecretName: "rot", VersionStage: "Custom", RemoveFromVersion: "v1" }),
      invalid,
    );
    await expectApiError(kms("UpdateSecretVersionStage", { SecretName: "rot", VersionStage: "Custom", MoveToVersion: "v9" }), notFound);
  });

  it("keeps at most 10 versions, rolling out the earliest", async () => {
    await kms("CreateSecret", { SecretName: "many", SecretData: "d0", VersionId: "v0" });
    for (let i = 1; i <= 11; i++) await kms("PutSecretValue", { SecretName: "many", SecretData: `d${i}`, VersionId: `v${i}` });
    const list = await kms("ListSecretVersionIds", { SecretName: "many", IncludeDeprecated: "true", PageSize: 50 });
    const ids = (list.VersionIds as { VersionId: Array<{ VersionId: string }> }).VersionId.map((v) => v.VersionId);
    assert.equal(ids.length, 10);
    assert.deepEqual(ids, ["v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11"]);
  });

  it("rolls out the earliest version at the limit even when it carries a stage (the reference spares none)", async () => {
    await kms("CreateSecret", { SecretName: "staged", SecretData: "current", VersionId: "v0" });
    for (let i = 1; i <= 10; i++) {
      await kms("PutSecretValue", { SecretName: "staged", SecretData: `lease${i}`, VersionId: `l${i}`, VersionStages: JSON.stringify([`L${i % 2}`]) });
    }
    const list = await kms("ListSecretVersionIds", { SecretName: "staged", IncludeDeprecated: "true", PageSize: 50 });
    const ids = (list.VersionIds as { VersionId: Array<{ VersionId: string }> }).VersionId.map((v) => v.VersionId);
    assert.deepEqual(ids, ["l1", "l2", "l3", "l4", "l5", "l6", "l7", "l8", "l9", "l10"], "v0 went, ACSCurrent and all");
    await expectApiError(kms("GetSecretValue", { SecretName: "staged" }), notFound);
    await kms("DeleteSecret", { SecretName: "staged", ForceDeleteWithoutRecovery: "true" });
  });

  it("describes, updates, tags and untags a secret", async () => {
    await kms("UpdateSecret", { SecretName: "rot", Description: "rotated" });
    await kms("TagResource", { SecretName: "rot", Tags: JSON.stringify([{ TagKey: "team", TagValue: "ops" }]) });
    const described = await kms("DescribeSecret", { SecretName: "rot", FetchTags: "true" });
    assert.equal(described.Description, "rotated");
    assert.equal(described.PlannedDeleteTime, undefined);
    assert.deepEqual(described.Tags, { Tag: [{ TagKey: "team", TagValue: "ops" }] });
    const noTags = await kms("DescribeSecret", { SecretName: "rot" });
    assert.equal(noTags.Tags, undefined, "tags only with FetchTags=true");
    await kms("UntagResource", { SecretName: "rot", TagKeys: JSON.stringify(["team"]) });
    assert.deepEqual((await kms("DescribeSecret", { SecretName: "rot", FetchTags: "true" })).Tags, { Tag: [] });
    await expectApiError(kms("DescribeSecret", { SecretName: "nope" }), notFound);
  });

  it("lists secrets with paging and a name filter", async () => {
    const page1 = await kms("ListSecrets", { PageSize: 2, PageNumber: 1 });
    const page2 = await kms("ListSecrets", { PageSize: 2, PageNumber: 2 });
    const names = (body: Record<string, unknown>) =>
      (body.SecretList as { Secret: Array<{ SecretName: string }> }).Secret.map((s) => s.SecretName);
    assert.equal(page1.TotalCount, 3);
    assert.deepEqual([...names(page1), ...names(page2)].sort(), ["ecs/web-1/root", "many", "rot"]);
    const filtered = await kms("ListSecrets", { Filters: JSON.stringify([{ Key: "SecretName", Values: ["web-1"] }]) });
    assert.deepEqual(names(filtered), ["ecs/web-1/root"]);
    const tagged = await kms("ListSecrets", {
      FetchTags: "true",
      Filters: JSON.stringify([{ Key: "TagKey", Values: ["managed-by"] }]),
    });
    assert.deepEqual((tagged.SecretList as { Secret: Array<{ Tags: unknown }> }).Secret[0]?.Tags, {
      Tag: [{ TagKey: "managed-by", TagValue: "pulumi" }],
    });
    await expectApiError(kms("ListSecrets", { PageSize: 101 }), invalid);
    await expectApiError(kms("ListSecrets", { Filters: JSON.stringify([{ Key: "Color", Values: ["x"] }]) }), invalid);
  });

  it("deletes within a recovery window, restores, and purges when the window has passed", async () => {
    await kms("CreateSecret", { SecretName: "doomed", SecretData: "x", VersionId: "v1" });
    await expectApiError(kms("DeleteSecret", { SecretName: "doomed", RecoveryWindowInDays: 6 }), invalid);
    await expectApiError(kms("DeleteSecret", { SecretName: "doomed", RecoveryWindowInDays: 31 }), invalid);

    const deleted = await kms("DeleteSecret", { SecretName: "doomed", RecoveryWindowInDays: 7 });
    const planned = emu.control.now().getTime() + 7 * DAY;
    // KMS's own shape: China Standard Time, nanoseconds.
    assert.match(String(deleted.PlannedDeleteTime), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}\+08:00$/);
    assert.equal(Date.parse(String(deleted.PlannedDeleteTime)), planned);
    assert.equal((await kms("DescribeSecret", { SecretName: "doomed" })).PlannedDeleteTime, deleted.PlannedDeleteTime);
    await expectApiError(kms("GetSecretValue", { SecretName: "doomed" }), inWindow);
    await expectApiError(kms("PutSecretValue", { SecretName: "doomed", SecretData: "y", VersionId: "v2" }), inWindow);
    await expectApiError(kms("DeleteSecret", { SecretName: "doomed" }), inWindow);
    await expectApiError(kms("CreateSecret", { SecretName: "doomed", SecretData: "y", VersionId: "v1" }), inWindow);
    await expectApiError(kms("UpdateSecret", { SecretName: "doomed", Description: "d" }), inWindow);
    await expectApiError(
      kms("UpdateSecretVersionStage", { SecretName: "doomed", VersionStage: "X", MoveToVersion: "v1" }),
      inWindow,
    );
    await expectApiError(kms("TagResource", { SecretName: "doomed", Tags: "[]" }), inWindow);
    assert.equal((await kms("ListSecretVersionIds", { SecretName: "doomed" })).TotalCount, 1, "versions stay listable");

    emu.control.advanceClock(6 * DAY);
    await kms("RestoreSecret", { SecretName: "doomed" });
    assert.equal((await kms("GetSecretValue", { SecretName: "doomed" })).SecretData, "x");
    assert.equal((await kms("DescribeSecret", { SecretName: "doomed" })).PlannedDeleteTime, undefined);

    const again = await kms("DeleteSecret", { SecretName: "doomed" });
    assert.equal(Date.parse(String(again.PlannedDeleteTime)) - emu.control.now().getTime(), 30 * DAY, "default window");
    emu.control.advanceClock(30 * DAY - 1000);
    assert.ok((await kms("DescribeSecret", { SecretName: "doomed" })).PlannedDeleteTime, "still restorable");
    emu.control.advanceClock(1000);
    await expectApiError(kms("DescribeSecret", { SecretName: "doomed" }), notFound);
    await expectApiError(kms("RestoreSecret", { SecretName: "doomed" }), notFound);
    await kms("CreateSecret", { SecretName: "doomed", SecretData: "reborn", VersionId: "v1" });
  });

  it("answers Forbidden.ResourceNotFound for every action on an unknown secret", async () => {
    const calls: Array<[string, Record<string, string>]> = [
      ["GetSecretValue", {}],
      ["PutSecretValue", { SecretData: "x", VersionId: "v1" }],
      ["UpdateSecretVersionStage", { VersionStage: "X", MoveToVersion: "v1" }],
      ["DescribeSecret", {}],
      ["ListSecretVersionIds", {}],
      ["UpdateSecret", { Description: "d" }],
      ["DeleteSecret", {}],
      ["RestoreSecret", {}],
      ["TagResource", { Tags: "[]" }],
      ["UntagResource", { TagKeys: "[]" }],
    ];
    for (const [action, query] of calls) {
      await expectApiError(kms(action, { SecretName: "never-created", ...query }), notFound);
    }
  });

  it("ForceDeleteWithoutRecovery removes a secret at once, even one already scheduled", async () => {
    await kms("DeleteSecret", { SecretName: "doomed", RecoveryWindowInDays: 7 });
    await kms("DeleteSecret", { SecretName: "doomed", ForceDeleteWithoutRecovery: "true" });
    await expectApiError(kms("DescribeSecret", { SecretName: "doomed" }), notFound);
    await expectApiError(kms("DeleteSecret", { SecretName: "doomed", ForceDeleteWithoutRecovery: "true" }), notFound);
  });

  it("ForceDeleteWithoutRecovery with RecoveryWindowInDays deletes at once and ignores the window, even one out of range", async () => {
    await kms("CreateSecret", { SecretName: "both-a", SecretData: "x", VersionId: "v1" });
    await kms("CreateSecret", { SecretName: "both-b", SecretData: "x", VersionId: "v1" });
    await kms("DeleteSecret", { SecretName: "both-a", ForceDeleteWithoutRecovery: "true", RecoveryWindowInDays: 7 });
    await kms("DeleteSecret", { SecretName: "both-b", ForceDeleteWithoutRecovery: "true", RecoveryWindowInDays: 99 });
    await expectApiError(kms("DescribeSecret", { SecretName: "both-a" }), notFound);
    await expectApiError(kms("DescribeSecret", { SecretName: "both-b" }), notFound);
    await kms("CreateSecret", { SecretName: "both-a", SecretData: "y", VersionId: "v1" });
    await expectApiError(kms("DeleteSecret", { SecretName: "both-a", ForceDeleteWithoutRecovery: "false", RecoveryWindowInDays: 99 }), invalid);
    await kms("DeleteSecret", { SecretName: "both-a", ForceDeleteWithoutRecovery: "true" });
  });

  it("filters ListSecrets by Creator (account or RAM user id) and takes DKMSInstanceId as a filter key", async () => {
    await kms("CreateSecret", { SecretName: "by-root", SecretData: "x", VersionId: "v1" });
    const byCreator = await kms("ListSecrets", { Filters: JSON.stringify([{ Key: "Creator", Values: [emu.accountId] }]), PageSize: 100 });
    const names = (byCreator.SecretList as { Secret: { SecretName: string }[] }).Secret.map((s) => s.SecretName);
    assert.ok(names.includes("by-root"));
    const none = await kms("ListSecrets", { Filters: JSON.stringify([{ Key: "Creator", Values: ["123"] }]) });
    assert.equal(none.TotalCount, 0);
    const noInstance = await kms("ListSecrets", { Filters: JSON.stringify([{ Key: "DKMSInstanceId", Values: ["kst-none"] }]) });
    assert.equal(noInstance.TotalCount, 0, "a secret made outside any KMS instance is in none");
    await kms("DeleteSecret", { SecretName: "by-root", ForceDeleteWithoutRecovery: "true" });
  });
});
