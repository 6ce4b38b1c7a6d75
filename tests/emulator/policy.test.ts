import assert from "node:assert/strict";
import * as $Ram from "@alicloud/ram20150501";
import * as $Sts from "@alicloud/sts20150401";
import { ClientError } from "@alicloud/openapi-core";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { evaluate, parsePolicy } from "../../emulator/gateway/policy";
import * as $Ecs from "@alicloud/ecs20140526";
import { expectApiError, kmsCall } from "../support/emulator-helpers";
import { ecsClient, ramClient, sdkConfig, stsClient, type Credentials } from "../../testkit/emulator/sdk-clients";
import Sts from "@alicloud/sts20150401";
import Ram from "@alicloud/ram20150501";

interface TempCredentials extends Credentials {
  securityToken: string;
}

const withToken = (emu: EmulatorHandle, c: TempCredentials) => sdkConfig(emu, c, { securityToken: c.securityToken });
const detail = (e: unknown) => (e as ClientError).accessDeniedDetail as Record<string, string>;

describe("emulator: RAM policies, roles and STS AssumeRole", () => {
  let emu: EmulatorHandle;
  let account: string;
  const doc = (...statements: object[]) => JSON.stringify({ Version: "1", Statement: statements });

  before(async () => {
    emu = await startEmulator();
    account = emu.accountId;
  });
  after(() => emu.stop());

  it("evaluates the policy language: wildcards, explicit deny wins, no matching Allow is an implicit deny", () => {
    const p = parsePolicy(
      doc(
        { Effect: "Allow", Action: ["ram:*AccessKey*"], Resource: `acs:ram:*:1:user/app-*` },
        { Effect: "Deny", Action: "ram:DeleteAccessKey", Resource: "acs:ram:*:1:user/app-keep" },
        { Effect: "Allow", Action: "kms:ListSecrets", Resource: "*" },
      ),
    );
    assert.equal(evaluate([p], { action: "ram:CreateAccessKey", resource: "acs:ram:*:1:user/app-1" }), "Allow");
    assert.equal(evaluate([p], { action: "RAM:createaccesskey", resource: "acs:ram:*:1:user/app-1" }), "Allow", "action names ignore case");
    assert.equal(evaluate([p], { action: "ram:CreateAccessKey", resource: "acs:ram:*:1:user/admin" }), "ImplicitDeny");
    assert.equal(evaluate([p], { action: "ram:CreateAccessKey", resource: "acs:ram:*:2:user/app-1" }), "ImplicitDeny", "another account");
    assert.equal(evaluate([p], { action: "ram:DeleteAccessKey", resource: "acs:ram:*:1:user/app-keep" }), "ExplicitDeny");
    assert.equal(evaluate([p], { action: "ram:GetUser", resource: "acs:ram:*:1:user/app-1" }), "ImplicitDeny");
    // An action without resource-level authorization is evaluated against "*": only Resource "*" grants it.
    const scoped = parsePolicy(doc({ Effect: "Allow", Action: "ecs:DescribeInstances", Resource: "acs:ecs:*:1:instance/*" }));
    assert.equal(evaluate([scoped], { action: "ecs:DescribeInstances", resource: "*" }), "ImplicitDeny");
    assert.throws(() => parsePolicy(doc({ Effect: "Allow", Action: "kms:*", Resource: "*", Condition: {} })), /does not evaluate Condition/);
    assert.throws(() => parsePolicy(JSON.stringify({ Version: "2", Statement: [] })), /Version must be "1"/);
  });

  it("a RAM user with an attached policy may do what it allows on the resources it names, and nothing else", async () => {
    emu.control.createUser({ name: "rotator" });
    emu.control.createUser({ name: "app-1" });
    emu.control.createUser({ name: "admin-2" });
    const rotator = emu.control.createAccessKey("rotator");
    const root = ramClient(emu);
    await root.createPolicy(new $Ram.CreatePolicyRequest({
      policyName: "rotate-app-users",
      policyDocument: doc({ Effect: "Allow", Action: ["ram:ListAccessKeys", "ram:CreateAccessKey"], Resource: `acs:ram:*:${account}:user/app-*` }),
    }));
    await root.attachPolicyToUser(new $Ram.AttachPolicyToUserRequest({ policyType: "Custom", policyName: "rotate-app-users", userName: "rotator" }));

    const ram = ramClient(emu, rotator);
    assert.deepEqual((await ram.listAccessKeys(new $Ram.ListAccessKeysRequest({ userName: "app-1" }))).body?.accessKeys?.accessKey, []);
    const err = await expectApiError(ram.createAccessKey(new $Ram.CreateAccessKeyRequest({ userName: "admin-2" })), {
      code: "NoPermission",
      statusCode: 403,
      message: /^You are not authorized to do this action\. .*Action: ram:CreateAccessKey$/,
    });
    assert.deepEqual(
      { ...detail(err), EncodedDiagnosticMessage: undefined },
      {
        AuthAction: "ram:CreateAccessKey",
        AuthPrincipalType: "SubUser",
        AuthPrincipalOwnerId: account,
        AuthPrincipalDisplayName: "rotator",
        PolicyType: "AccountLevelIdentityBasedPolicy",
        NoPermissionType: "ImplicitDeny",
        EncodedDiagnosticMessage: undefined,
      },
    );
    assert.equal(JSON.parse(Buffer.from(detail(err).EncodedDiagnosticMessage!, "base64").toString()).AuthResource, `acs:ram:*:${account}:user/admin-2`);
    await expectApiError(ram.deleteAccessKey(new $Ram.DeleteAccessKeyRequest({ userName: "app-1", userAccessKeyId: rotator.accessKeyId })), {
      code: "NoPermission",
      statusCode: 403,
    });
  });

  it("an explicit Deny in any attached policy wins over an Allow, and says ExplicitDeny", async () => {
    emu.control.createPolicy({ name: "deny-app-1", document: doc({ Effect: "Deny", Action: "ram:*", Resource: `acs:ram:*:${account}:user/app-1` }) });
    emu.control.attachPolicyToUser("rotator", "deny-app-1");
    const rotator = emu.control.createAccessKey("rotator");
    const err = await expectApiError(ramClient(emu, rotator).listAccessKeys(new $Ram.ListAccessKeysRequest({ userName: "app-1" })), {
      code: "NoPermission",
      statusCode: 403,
    });
    assert.equal(detail(err).NoPermissionType, "ExplicitDeny");
  });

  it("KMS: secret ARNs scope secret actions, ListSecrets is on the secret container, an instance key needs kms:Decrypt / kms:GenerateDataKey", async () => {
    emu.control.addKmsInstance({ instanceId: "kst-test1", keyIds: ["key-test1"] });
    await kmsCall(emu, "CreateSecret", { SecretName: "app/one", SecretData: "v1", VersionId: "v1", DKMSInstanceId: "kst-test1", EncryptionKeyId: "key-test1" });
    await kmsCall(emu, "CreateSecret", { SecretName: "other/two", SecretData: "v1", VersionId: "v1", DKMSInstanceId: "kst-test1" });
    emu.control.createUser({ name: "reader" });
    const reader = emu.control.createAccessKey("reader");
    emu.control.createPolicy({
      name: "read-app",
      document: doc(
        { Effect: "Allow", Action: ["kms:GetSecretValue", "kms:PutSecretValue"], Resource: `acs:kms:${emu.regionId}:${account}:secret/app/*` },
        { Effect: "Allow", Action: "kms:ListSecrets", Resource: `acs:kms:${emu.regionId}:${account}:secret` },
      ),
    });
    emu.control.attachPolicyToUser("reader", "read-app");
    await kmsCall(emu, "ListSecrets", {}, { creds: reader });
    await expectApiError(kmsCall(emu, "GetSecretValue", { SecretName: "other/two" }, { creds: reader }), { code: "Forbidden.NoPermission", statusCode: 403 });
    const noKey = await expectApiError(kmsCall(emu, "GetSecretValue", { SecretName: "app/one" }, { creds: reader }), {
      code: "Forbidden.NoPermission",
      statusCode: 403,
      message: "You are not authorized to perform the operation.",
    });
    assert.equal(detail(noKey).AuthAction, "kms:Decrypt");

    emu.control.createPolicy({
      name: "use-key",
      document: doc({ Effect: "Allow", Action: ["kms:Decrypt"], Resource: `acs:kms:${emu.regionId}:${account}:key/key-test1` }),
    });
    emu.control.attachPolicyToUser("reader", "use-key");
    assert.equal((await kmsCall(emu, "GetSecretValue", { SecretName: "app/one" }, { creds: reader })).SecretData, "v1");
    const put = await expectApiError(kmsCall(emu, "PutSecretValue", { SecretName: "app/one", SecretData: "v2", VersionId: "v2" }, { creds: reader }), {
      code: "Forbidden.NoPermission",
      statusCode: 403,
    });
    assert.equal(detail(put).AuthAction, "kms:GenerateDataKey");
  });

  it("STS AssumeRole: temporary credentials act as the role, with only the role's policies", async () => {
    const role = emu.control.createRole({ name: "app-rotator", maxSessionDuration: 7200 });
    emu.control.createPolicy({ name: "list-app-keys", document: doc({ Effect: "Allow", Action: "ram:ListAccessKeys", Resource: `acs:ram:*:${account}:user/app-*` }) });
    emu.control.attachPolicyToRole("app-rotator", "list-app-keys");
    emu.control.createUser({ name: "assumer" });
    const assumer = emu.control.createAccessKey("assumer");
    await expectApiError(
      stsClient(emu, assumer).assumeRole(new $Sts.AssumeRoleRequest({ roleArn: role.arn, roleSessionName: "s1" })),
      { code: "NoPermission", statusCode: 403, message: "You are not authorized to do this action. Action: sts:AssumeRole" },
    );
    emu.control.createPolicy({ name: "assume-app-rotator", document: doc({ Effect: "Allow", Action: "sts:AssumeRole", Resource: role.arn }) });
    emu.control.attachPolicyToUser("assumer", "assume-app-rotator");
    const sts = stsClient(emu, assumer);
    await expectApiError(sts.assumeRole(new $Sts.AssumeRoleRequest({ roleArn: role.arn, roleSessionName: "s", durationSeconds: 900 })), {
      code: "InvalidParameter.RoleSessionName",
      statusCode: 400,
    });
    await expectApiError(sts.assumeRole(new $Sts.AssumeRoleRequest({ roleArn: role.arn, roleSessionName: "s1", durationSeconds: 899 })), {
      code: "InvalidParameter.DurationSeconds",
      statusCode: 400,
    });
    await expectApiError(stsClient(emu).assumeRole(new $Sts.AssumeRoleRequest({ roleArn: role.arn, roleSessionName: "s1" })), {
      code: "NoPermission",
      statusCode: 403,
      message: "Roles may not be assumed by root accounts.",
    });

    const res = await sts.assumeRole(new $Sts.AssumeRoleRequest({ roleArn: role.arn, roleSessionName: "s1", durationSeconds: 900 }));
    const c = res.body!.credentials!;
    assert.match(c.accessKeyId ?? "", /^STS\./);
    assert.match(c.securityToken ?? "", /^CAIS/);
    assert.equal(res.body?.assumedRoleUser?.arn, `acs:ram::${account}:assumed-role/app-rotator/s1`);
    const temp: TempCredentials = { accessKeyId: c.accessKeyId!, accessKeySecret: c.accessKeySecret!, securityToken: c.securityToken! };

    const who = await new Sts(withToken(emu, temp)).getCallerIdentity();
    assert.equal(who.body?.identityType, "AssumedRoleUser");
    assert.equal(who.body?.arn, `acs:ram::${account}:assumed-role/app-rotator/s1`);
    const ram = new Ram(withToken(emu, temp));
    await ram.listAccessKeys(new $Ram.ListAccessKeysRequest({ userName: "app-1" }));
    const denied = await expectApiError(ram.createAccessKey(new $Ram.CreateAccessKeyRequest({ userName: "app-1" })), { code: "NoPermission", statusCode: 403 });
    assert.equal(detail(denied).AuthPrincipalType, "AssumedRoleUser");
    assert.equal(detail(denied).AuthPrincipalDisplayName, "app-rotator:s1");
    assert.ok(!JSON.stringify(detail(denied)).includes(temp.securityToken));

    // The gateway verifies the token: missing, another session's, expired.
    await expectApiError(stsClient(emu, temp).getCallerIdentity(), { code: "MissingSecurityToken", statusCode: 400, message: "SecurityToken is mandatory for this action." });
    await expectApiError(new Sts(withToken(emu, { ...temp, securityToken: `${temp.securityToken.slice(0, -2)}AA` })).getCallerIdentity(), {
      code: "InvalidSecurityToken.MismatchWithAccessKey",
      statusCode: 400,
    });
    emu.control.advanceClock(901_000);
    await expectApiError(new Sts(withToken(emu, temp)).getCallerIdentity(), { code: "InvalidSecurityToken.Expired", statusCode: 400, message: "Specified SecurityToken is expired." });
  });

  it("AssumeRole honours the role's trust policy; a service role's credentials come from the control surface", async () => {
    const fcRole = emu.control.createRole({
      name: "fc-only",
      trustPolicy: { Version: "1", Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Principal: { Service: ["fc.aliyuncs.com"] } }] },
    });
    emu.control.createUser({ name: "ops", admin: true });
    const ops = emu.control.createAccessKey("ops");
    await expectApiError(stsClient(emu, ops).assumeRole(new $Sts.AssumeRoleRequest({ roleArn: fcRole.arn, roleSessionName: "s1" })), {
      code: "NoPermission",
      statusCode: 403,
      message: "You are not authorized to do this action. You should be authorized by RAM.",
    });
    const creds = emu.control.serviceRoleCredentials({ roleName: "fc-only" });
    assert.equal((await new Sts(withToken(emu, creds)).getCallerIdentity()).body?.identityType, "AssumedRoleUser");
    assert.throws(() => emu.control.serviceRoleCredentials({ roleName: "app-rotator" }), /does not trust fc\.aliyuncs\.com/);
  });

  it("ECS RunCommand is authorized per target instance and on command/*; Describe calls only by Resource \"*\"", async () => {
    emu.control.createUser({ name: "runner-ecs" });
    const user = emu.control.createAccessKey("runner-ecs");
    emu.control.createPolicy({
      name: "run-on-web",
      document: doc({ Effect: "Allow", Action: "ecs:RunCommand", Resource: `acs:ecs:${emu.regionId}:${account}:instance/i-web*` }),
    });
    emu.control.attachPolicyToUser("runner-ecs", "run-on-web");
    const ecs = ecsClient(emu, user);
    const run = (ids: string[]) =>
      ecs.runCommand(new $Ecs.RunCommandRequest({ regionId: emu.regionId, type: "RunShellScript", commandContent: "true", instanceId: ids }));
    const denied = await expectApiError(run(["i-web1", "i-db1"]), { code: "Forbidden.RAM", statusCode: 403 });
    assert.equal(detail(denied).AuthAction, "ecs:RunCommand");
    // The instances alone are not enough: the command RunCommand creates is a resource too.
    const noCommand = await expectApiError(run(["i-web1"]), { code: "Forbidden.RAM", statusCode: 403 });
    assert.equal(JSON.parse(Buffer.from(detail(noCommand).EncodedDiagnosticMessage ?? "", "base64").toString()).AuthResource, `acs:ecs:${emu.regionId}:${account}:command/*`);
    emu.control.createPolicy({
      name: "run-commands",
      document: doc({ Effect: "Allow", Action: "ecs:RunCommand", Resource: `acs:ecs:${emu.regionId}:${account}:command/*` }),
    });
    emu.control.attachPolicyToUser("runner-ecs", "run-commands");
    const allowed = await run(["i-web1"]).then(() => undefined, (e: { statusCode?: number }) => e.statusCode);
    assert.notEqual(allowed, 403, "the instance the policy names, with command/*, passes authorization (then the product answers)");
    await expectApiError(run(["i-web1", "i-db1"]), { code: "Forbidden.RAM", statusCode: 403 });
    await expectApiError(ecs.describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: emu.regionId })), { code: "Forbidden.RAM", statusCode: 403 });
  });

  it("CreatePolicy and CreateRole validate names and documents as RAM does", async () => {
    const root = ramClient(emu);
    await expectApiError(root.createPolicy(new $Ram.CreatePolicyRequest({ policyName: "bad_name", policyDocument: doc({ Effect: "Allow", Action: "*", Resource: "*" }) })), {
      code: "InvalidParameter.PolicyName.InvalidChars",
      statusCode: 400,
    });
    await expectApiError(root.createPolicy(new $Ram.CreatePolicyRequest({ policyName: "p".repeat(129), policyDocument: doc({ Effect: "Allow", Action: "*", Resource: "*" }) })), {
      code: "InvalidParameter.PolicyName.Length",
      statusCode: 400,
    });
    await expectApiError(root.createPolicy(new $Ram.CreatePolicyRequest({ policyName: "broken", policyDocument: "{" })), { code: "MalformedPolicyDocument", statusCode: 400 });
    await expectApiError(root.createRole(new $Ram.CreateRoleRequest({ roleName: "r".repeat(65), assumeRolePolicyDocument: doc() })), {
      code: "InvalidParameter.RoleName.Length",
      statusCode: 400,
    });
    await expectApiError(root.createRole(new $Ram.CreateRoleRequest({ roleName: "under_score", assumeRolePolicyDocument: doc() })), {
      code: "InvalidParameter.RoleName.InvalidChars",
      statusCode: 400,
    });
    await expectApiError(root.attachPolicyToRole(new $Ram.AttachPolicyToRoleRequest({ policyType: "Custom", policyName: "nope", roleName: "fc-only" })), {
      code: "EntityNotExist.Policy",
      statusCode: 404,
    });
  });
});
