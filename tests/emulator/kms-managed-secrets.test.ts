import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import * as $Ram from "@alicloud/ram20150501";
import { kmsRequest, ramClient } from "../../testkit/emulator/sdk-clients";
import { expectRpcError, kmsCall } from "../support/emulator-helpers";

/**
 * KMS's own managed secret types (ECS, RAMCredentials) through the real
 * @alicloud/kms20160120 client: what CreateSecret takes and refuses, what the
 * reads show, what their owners may and may not change, RotateSecret's
 * limits, the service roles, the instance quota and the billed secrets.
 * The rotations themselves (on real hosts, RAM keys, events) are in
 * kms-managed-rotation.test.ts.
 */
describe("emulator: KMS-managed ECS and RAM secrets (rules, reads, limits)", () => {
  let emu: EmulatorHandle;
  const linux = "i-linux1";
  const windows = "i-win1";

  beforeEach(async () => {
    emu = await startEmulator();
    // No command runs in these tests: a Linux instance only needs to exist.
    emu.control.registerInstance({ instanceId: linux, privateIp: "127.0.30.1", nsPid: process.pid });
    emu.control.registerInstance({ instanceId: windows, privateIp: "127.0.30.2", osType: "windows", windowsAccounts: { Administrator: "Initial-Passw0rd!" } });
    emu.control.registerInstance({ instanceId: "i-bj1", regionId: "cn-beijing", privateIp: "127.0.30.3", nsPid: process.pid });
    emu.control.createServiceLinkedRole("secretsmanager-ecs.kms.aliyuncs.com");
    emu.control.createKmsRamCredentialsRole();
    emu.control.createUser({ name: "app", displayName: "app-display" });
  });
  afterEach(() => emu.stop());

  const kms = (action: string, query: Record<string, string | number | boolean>) => kmsRequest(emu, action, query);
  const ecsConfig = (extra: Record<string, unknown> = {}) => JSON.stringify({ SecretSubType: "Password", RegionId: emu.regionId, InstanceId: linux, ...extra });
  const createEcs = (extra: Record<string, string | number | boolean> = {}) =>
    kms("CreateSecret", {
      SecretName: "acs/ecs/web-1/root",
      SecretType: "ECS",
      SecretData: JSON.stringify({ UserName: "root", Password: "Initial-Passw0rd!" }),
      VersionId: "v1",
      ExtendedConfig: ecsConfig({ CustomData: { team: "web" } }),
      ...extra,
    });
  const ramData = (keys: Array<{ accessKeyId: string; accessKeySecret: string }>) =>
    JSON.stringify({ AccessKeys: keys.map((k) => ({ AccessKeyId: k.accessKeyId, AccessKeySecret: k.accessKeySecret })) });
  const createRam = (keys: Array<{ accessKeyId: string; accessKeySecret: string }>, extra: Record<string, string | number | boolean> = {}) =>
    kms("CreateSecret", {
      SecretName: "$Auto",
      SecretType: "RAMCredentials",
      SecretData: ramData(keys),
      VersionId: "v1",
      ExtendedConfig: JSON.stringify({ SecretSubType: "RamUserAccessKey", UserName: "app" }),
      ...extra,
    });

  it("creates an ECS secret under acs/ecs/ and reads it back with its type, ExtendedConfig (with KMS's CommandId) and rotation settings in seconds", async () => {
    const created = await createEcs({ EnableAutomaticRotation: true, RotationInterval: "7d" });
    assert.equal(created.SecretType, "ECS");
    assert.equal(created.SecretName, "acs/ecs/web-1/root");
    const described = await kms("DescribeSecret", { SecretName: "acs/ecs/web-1/root" });
    assert.equal(described.SecretType, "ECS");
    assert.equal(described.AutomaticRotation, "Enabled");
    assert.equal(described.RotationInterval, "604800s");
    assert.equal(Date.parse(String(described.NextRotationDate)), Date.parse(String(described.CreateTime)) + 7 * 86400_000);
    assert.equal(described.LastRotationDate, undefined, "never rotated yet");
    assert.deepEqual(JSON.parse(String(described.ExtendedConfig)), {
      SecretSubType: "Password",
      RegionId: emu.regionId,
      InstanceId: linux,
      CustomData: { team: "web" },
      CommandId: "cmd-ACS-KMS-RotateECSSecret-For-Linux.sh",
    });
    const value = await kms("GetSecretValue", { SecretName: "acs/ecs/web-1/root", FetchExtendedConfig: true });
    assert.deepEqual(JSON.parse(String(value.SecretData)), { UserName: "root", Password: "Initial-Passw0rd!" });
    assert.equal(value.SecretType, "ECS");
    assert.equal(value.AutomaticRotation, "Enabled");
    assert.equal(value.RotationInterval, "604800s");
    assert.equal(JSON.parse(String(value.ExtendedConfig)).CommandId, "cmd-ACS-KMS-RotateECSSecret-For-Linux.sh");
    const withoutConfig = await kms("GetSecretValue", { SecretName: "acs/ecs/web-1/root" });
    assert.equal(withoutConfig.ExtendedConfig, undefined, "ExtendedConfig only with FetchExtendedConfig=true");
  });

  it("refuses ECS secrets that break KMS's rules, before anything is created", async () => {
    const refused = async (extra: Record<string, string | number | boolean>, message: RegExp) => expectRpcError(createEcs(extra), { code: "InvalidParameter", statusCode: 400, message });
    await refused({ SecretName: "ecs/web-1/root" }, /SecretName must start with acs\/ecs\//);
    await refused({ SecretName: "acs/ecs/" }, /SecretName must start with acs\/ecs\//);
    await refused({ SecretDataType: "binary" }, /SecretDataType must be text/);
    await refused({ ExtendedConfig: ecsConfig({ SecretSubType: "Token" }) }, /SecretSubType must be Password or SSHKey/);
    await refused({ ExtendedConfig: ecsConfig({ InstanceId: "i-bj1" }) }, /no ECS instance i-bj1 in region cn-hangzhou/);
    await refused({ ExtendedConfig: ecsConfig({ InstanceId: "i-nope" }) }, /no ECS instance i-nope/);
    await refused({ ExtendedConfig: ecsConfig({ Extra: 1 }) }, /ExtendedConfig takes .* not Extra/);
    await refused({ ExtendedConfig: "not json" }, /ExtendedConfig must be a JSON object/);
    await refused({ ExtendedConfig: "" }, /ExtendedConfig is mandatory/);
    await refused({ SecretData: JSON.stringify({ UserName: "root" }) }, /SecretData\.Password must be a non-empty string/);
    await refused({ SecretData: JSON.stringify({ UserName: "root; rm -rf /", Password: "x" }) }, /not a valid Linux account name/);
    await refused({ EnableAutomaticRotation: true }, /RotationInterval is required/);
    await refused({ EnableAutomaticRotation: true, RotationInterval: "5h" }, /RotationInterval must be integer\[d\|h\|m\|s\] from 6h to 8760h/);
    await refused({ EnableAutomaticRotation: true, RotationInterval: "8761h" }, /from 6h to 8760h/);
    await refused({ EnableAutomaticRotation: true, RotationInterval: "7 days" }, /from 6h to 8760h/);
    await expectRpcError(createEcs({ SecretType: "Rds" }), { code: "InvalidParameter", statusCode: 400, message: /SecretType must be Generic, ECS, RAMCredentials/ });
    await expectRpcError(kms("CreateSecret", { SecretName: "acs/generic", SecretData: "x", VersionId: "v1" }), { code: "InvalidParameter", statusCode: 400 });
    await expectRpcError(kms("CreateSecret", { SecretName: "generic", SecretData: "x", VersionId: "v1", EnableAutomaticRotation: true, RotationInterval: "7d" }), {
      code: "InvalidParameter",
      statusCode: 400,
      message: /Generic secrets do not rotate automatically/,
    });
    assert.equal((await kms("ListSecrets", {})).TotalCount, 0);
  });

  it("Windows instances take passwords only: an SSHKey secret is refused; a password secret reads back with the Windows command", async () => {
    await expectRpcError(
      createEcs({
        SecretName: "acs/ecs/win/admin",
        SecretData: JSON.stringify({ UserName: "Administrator", PublicKey: "ssh-rsa AAAA x", PrivateKey: "-----BEGIN RSA PRIVATE KEY-----" }),
        ExtendedConfig: ecsConfig({ InstanceId: windows, SecretSubType: "SSHKey" }),
      }),
      { code: "InvalidParameter", statusCode: 400, message: /SSHKey is for Linux instances; i-win1 runs Windows/ },
    );
    await createEcs({ SecretName: "acs/ecs/win/admin", SecretData: JSON.stringify({ UserName: "Administrator", Password: "Initial-Passw0rd!" }), ExtendedConfig: ecsConfig({ InstanceId: windows }) });
    const d = await kms("DescribeSecret", { SecretName: "acs/ecs/win/admin" });
    assert.equal(JSON.parse(String(d.ExtendedConfig)).CommandId, "cmd-ACS-KMS-RotateECSSecret-For-Windows.ps1");
    assert.equal(d.AutomaticRotation, "Disabled");
  });

  it("ECS secrets need the service-linked role AliyunServiceRoleForKMSSecretsManagerForECS; RAM CreateServiceLinkedRole makes it", async () => {
    const bare = await startEmulator();
    try {
      bare.control.registerInstance({ instanceId: linux, privateIp: "127.0.30.1", nsPid: process.pid });
      const create = () =>
        kmsRequest(bare, "CreateSecret", {
          SecretName: "acs/ecs/a/root",
          SecretType: "ECS",
          SecretData: JSON.stringify({ UserName: "root", Password: "p" }),
          VersionId: "v1",
          ExtendedConfig: JSON.stringify({ SecretSubType: "Password", RegionId: bare.regionId, InstanceId: linux }),
        });
      await expectRpcError(create(), {
        code: "Forbidden.ServiceRoleNotExist",
        statusCode: 403,
        message: /ECS secrets need the service role AliyunServiceRoleForKMSSecretsManagerForECS.*CreateServiceLinkedRole \(ServiceName secretsmanager-ecs\.kms\.aliyuncs\.com\)/,
      });
      // @alicloud/ram20150501 1.2.1 has no CreateServiceLinkedRole model: openapi-core's generic call, as the product calls KMS.
      const made = await kmsCall(bare, "CreateServiceLinkedRole", { ServiceName: "secretsmanager-ecs.kms.aliyuncs.com" }, { version: "2015-05-01" });
      assert.equal((made.Role as { RoleName: string }).RoleName, "AliyunServiceRoleForKMSSecretsManagerForECS");
      assert.equal((await create()).SecretType, "ECS");
    } finally {
      await bare.stop();
    }
  });

  it("creates a RAMCredentials secret from $Auto: named acs/ram/user/<display name>, listing every key of the user, read back in KMS's RAM value shape", async () => {
    const k1 = emu.control.createAccessKey("app");
    emu.control.advanceClock(1000);
    const k2 = emu.control.createAccessKey("app");
    const created = await createRam([k2, k1], { EnableAutomaticRotation: true, RotationInterval: "30d" });
    assert.equal(created.SecretName, "acs/ram/user/app-display");
    assert.equal(created.SecretType, "RAMCredentials");
    const value = await kms("GetSecretValue", { SecretName: "acs/ram/user/app-display", FetchExtendedConfig: true });
    const data = JSON.parse(String(value.SecretData));
    assert.deepEqual(Object.keys(data), ["AccessKeyId", "AccessKeySecret", "GenerateTimestamp"]);
    assert.equal(data.AccessKeyId, k2.accessKeyId, "the newest key is the current value");
    assert.equal(data.AccessKeySecret, k2.accessKeySecret);
    assert.deepEqual(JSON.parse(String(value.ExtendedConfig)), { SecretSubType: "RamUserAccessKey", UserName: "app", CustomData: {} });
    assert.equal(value.RotationInterval, "2592000s");
  });

  it("refuses RAMCredentials secrets that do not list every key of the user, or break the other rules", async () => {
    const k1 = emu.control.createAccessKey("app");
    const k2 = emu.control.createAccessKey("app");
    const refused = (promise: Promise<unknown>, message: RegExp) => expectRpcError(promise, { code: "InvalidParameter", statusCode: 400, message });
    await refused(createRam([k1]), new RegExp(`must list every AccessKey of RAM user app, each once: it has ${k1.accessKeyId}, ${k2.accessKeyId}`));
    await refused(createRam([k1, k2, k1]), /every AccessKey of RAM user app, each once/);
    await refused(createRam([k1, { accessKeyId: "LTAI5tNotTheUsersKey0000", accessKeySecret: "x" }]), /every AccessKey/);
    await refused(createRam([k1, k2], { SecretName: "acs/ram/user/app" }), /SecretName must be \$Auto/);
    await refused(createRam([k1, k2], { ExtendedConfig: JSON.stringify({ SecretSubType: "RamUserAccessKey", UserName: "ghost" }) }), /RAM user ghost does not exist/);
    await refused(createRam([k1, k2], { ExtendedConfig: JSON.stringify({ SecretSubType: "Password", UserName: "app" }) }), /RamUserAccessKey/);
    await refused(createRam([k1, k2], { SecretData: JSON.stringify({ AccessKeyId: k1.accessKeyId, AccessKeySecret: k1.accessKeySecret }) }), /\{"AccessKeys":/);
    emu.control.createUser({ name: "keyless" });
    await refused(createRam([], { ExtendedConfig: JSON.stringify({ SecretSubType: "RamUserAccessKey", UserName: "keyless" }) }), /has no AccessKey/);
    assert.equal((await kms("ListSecrets", {})).TotalCount, 0);
  });

  it("RAMCredentials secrets need KMS's RAM-credentials role, under either documented name", async () => {
    for (const name of ["AliyunKMSManagedRAMCrendentialsRole", "AliyunKMSManageRAMCredentialsRole"] as const) {
      const bare = await startEmulator();
      try {
        bare.control.createUser({ name: "app" });
        const k = bare.control.createAccessKey("app");
        const create = () =>
          kmsRequest(bare, "CreateSecret", {
            SecretName: "$Auto",
            SecretType: "RAMCredentials",
            SecretData: ramData([k]),
            VersionId: "v1",
            ExtendedConfig: JSON.stringify({ SecretSubType: "RamUserAccessKey", UserName: "app" }),
          });
        await expectRpcError(create(), { code: "Forbidden.ServiceRoleNotExist", statusCode: 403, message: /RAMCredentials secrets need the service role AliyunKMSManageRAMCredentialsRole \(or AliyunKMSManagedRAMCrendentialsRole\)/ });
        bare.control.createKmsRamCredentialsRole(name);
        assert.equal((await create()).SecretName, "acs/ram/user/app");
      } finally {
        await bare.stop();
      }
    }
  });

  it("their owners cannot write versions (PutSecretValue, UpdateSecretVersionStage); UpdateSecret changes only Description and ExtendedConfig.CustomData", async () => {
    await createEcs();
    const name = "acs/ecs/web-1/root";
    await expectRpcError(kms("PutSecretValue", { SecretName: name, SecretData: "{}", VersionId: "v2" }), { code: "UnsupportedOperation", statusCode: 400, message: "PutSecretValue is not supported for ECS secrets." });
    await expectRpcError(kms("UpdateSecretVersionStage", { SecretName: name, VersionStage: "ACSCurrent", MoveToVersion: "v1" }), { code: "UnsupportedOperation", statusCode: 400 });
    await kms("UpdateSecret", { SecretName: name, Description: "web-1 root", "ExtendedConfig.CustomData": JSON.stringify({ owner: "ops" }) });
    const d = await kms("DescribeSecret", { SecretName: name });
    assert.equal(d.Description, "web-1 root");
    assert.deepEqual(JSON.parse(String(d.ExtendedConfig)).CustomData, { owner: "ops" });
    assert.equal(JSON.parse(String(d.ExtendedConfig)).InstanceId, linux);
    await expectRpcError(kms("UpdateSecret", { SecretName: name, "ExtendedConfig.InstanceId": "i-other" }), { code: "InvalidParameter", statusCode: 400, message: /only ExtendedConfig\.CustomData can change/ });
    await expectRpcError(kms("UpdateSecret", { SecretName: name, "ExtendedConfig.CustomData": "[1]" }), { code: "InvalidParameter", statusCode: 400, message: /CustomData must be a JSON object/ });
    await expectRpcError(kms("GetSecretValue", { SecretName: name, VersionStage: "ACSPending" }), { code: "InvalidParameter", statusCode: 400, message: /only the ACSCurrent and ACSPrevious stages/ });
    assert.equal((await kms("GetSecretValue", { SecretName: name, VersionId: "no-such-version" })).VersionId, "v1", "VersionId is ignored for managed types");
  });

  it("UpdateSecretRotationPolicy: only for managed types; the interval is required to enable; NextRotationDate follows", async () => {
    await createEcs();
    const name = "acs/ecs/web-1/root";
    await kms("CreateSecret", { SecretName: "generic", SecretData: "x", VersionId: "v1" });
    await expectRpcError(kms("UpdateSecretRotationPolicy", { SecretName: "generic", EnableAutomaticRotation: true, RotationInterval: "7d" }), { code: "UnsupportedOperation", statusCode: 400, message: "UpdateSecretRotationPolicy is not supported for Generic secrets." });
    await expectRpcError(kms("UpdateSecretRotationPolicy", { SecretName: name, EnableAutomaticRotation: true }), { code: "InvalidParameter", statusCode: 400, message: /RotationInterval is required/ });
    await expectRpcError(kms("UpdateSecretRotationPolicy", { SecretName: name }), { code: "MissingEnableAutomaticRotation", statusCode: 400 });
    await kms("UpdateSecretRotationPolicy", { SecretName: name, EnableAutomaticRotation: true, RotationInterval: "12h" });
    let d = await kms("DescribeSecret", { SecretName: name });
    assert.equal(d.AutomaticRotation, "Enabled");
    assert.equal(d.RotationInterval, "43200s");
    assert.equal(Date.parse(String(d.NextRotationDate)), Date.parse(String(d.CreateTime)) + 12 * 3600_000);
    await kms("UpdateSecretRotationPolicy", { SecretName: name, EnableAutomaticRotation: false });
    d = await kms("DescribeSecret", { SecretName: name });
    assert.equal(d.AutomaticRotation, "Disabled");
    assert.equal(d.NextRotationDate, undefined);
    assert.equal(d.RotationInterval, "43200s", "the interval is kept while disabled");
  });

  it("RotateSecret: refused for generic secrets; idempotent per VersionId; at most 50 per secret per hour", async () => {
    await kms("CreateSecret", { SecretName: "generic", SecretData: "x", VersionId: "v1" });
    await expectRpcError(kms("RotateSecret", { SecretName: "generic", VersionId: "v2" }), { code: "UnsupportedOperation", statusCode: 400, message: "RotateSecret is not supported for Generic secrets." });
    // A simulated Windows instance rotates at once, so fifty rotations take no time.
    const name = "acs/ecs/win/admin";
    await createEcs({ SecretName: name, SecretData: JSON.stringify({ UserName: "Administrator", Password: "Initial-Passw0rd!" }), ExtendedConfig: ecsConfig({ InstanceId: windows }) });
    const answer = await kms("RotateSecret", { SecretName: name, VersionId: "r1" });
    assert.deepEqual([answer.SecretName, answer.VersionId], [name, "r1"]);
    await emu.control.settleRotations();
    const afterFirst = JSON.parse(String((await kms("GetSecretValue", { SecretName: name })).SecretData)).Password;
    await kms("RotateSecret", { SecretName: name, VersionId: "r1" });
    await kms("RotateSecret", { SecretName: name, VersionId: "v1" });
    await emu.control.settleRotations();
    assert.equal(JSON.parse(String((await kms("GetSecretValue", { SecretName: name })).SecretData)).Password, afterFirst, "an existing VersionId does not rotate again");
    for (let i = 2; i <= 50; i++) {
      await kms("RotateSecret", { SecretName: name, VersionId: `r${i}` });
      await emu.control.settleRotations();
    }
    await expectRpcError(kms("RotateSecret", { SecretName: name, VersionId: "r51" }), { code: "Rejected.LimitExceeded", statusCode: 400, message: /50 rotations per secret per hour/ });
    emu.control.advanceClock(3600_000);
    await kms("RotateSecret", { SecretName: name, VersionId: "r51" });
    await emu.control.settleRotations();
    const events = emu.control.systemEvents().filter((e) => e.name === "Secret:RotateSecret:Success");
    assert.equal(events.length, 51, "one success event per rotation, none for the repeats");
  });

  it("only ACSCurrent and ACSPrevious carry stages; deleting and restoring work as for generic secrets and never touch the instance", async () => {
    const name = "acs/ecs/win/admin";
    await createEcs({ SecretName: name, SecretData: JSON.stringify({ UserName: "Administrator", Password: "Initial-Passw0rd!" }), ExtendedConfig: ecsConfig({ InstanceId: windows }) });
    for (const v of ["r1", "r2", "r3"]) {
      await kms("RotateSecret", { SecretName: name, VersionId: v });
      await emu.control.settleRotations();
    }
    const listed = await kms("ListSecretVersionIds", { SecretName: name });
    const versions = (listed.VersionIds as { VersionId: Array<{ VersionId: string; VersionStages: { VersionStage: string[] } }> }).VersionId;
    assert.deepEqual(versions.map((v) => [v.VersionId, v.VersionStages.VersionStage]), [["r2", ["ACSPrevious"]], ["r3", ["ACSCurrent"]]]);
    const current = JSON.parse(String((await kms("GetSecretValue", { SecretName: name })).SecretData)).Password;
    await kms("DeleteSecret", { SecretName: name, RecoveryWindowInDays: 7 });
    await expectRpcError(kms("RotateSecret", { SecretName: name, VersionId: "r4" }), { code: "Rejected.ResourceInDeleteWindow", statusCode: 409 });
    await kms("RestoreSecret", { SecretName: name });
    await kms("DeleteSecret", { SecretName: name, ForceDeleteWithoutRecovery: true });
    assert.equal(emu.control.windowsLogin(windows, "Administrator", current), true, "deleting the secret left the password as it was");
  });

  it("a KMS instance's secret quota: GetKmsInstanceQuotaInfos counts every secret of the instance, managed or not; CreateSecret past it is refused", async () => {
    emu.control.addKmsInstance({ instanceId: "kst-quota1", secretQuota: 2 });
    const quota = async () => (await kms("GetKmsInstanceQuotaInfos", { KmsInstanceId: "kst-quota1", ResourceType: "secret" })).KmsInstanceQuotaInfos;
    assert.deepEqual(await quota(), [{ ResourceType: "secret", ResourceQuota: 2, UsedQuantity: 0 }]);
    await createEcs({ DKMSInstanceId: "kst-quota1" });
    await kms("CreateSecret", { SecretName: "managed-secrets-lease/x", SecretData: "{}", VersionId: "v1", DKMSInstanceId: "kst-quota1" });
    assert.deepEqual(await quota(), [{ ResourceType: "secret", ResourceQuota: 2, UsedQuantity: 2 }]);
    await expectRpcError(kms("CreateSecret", { SecretName: "third", SecretData: "x", VersionId: "v1", DKMSInstanceId: "kst-quota1" }), {
      code: "Rejected.LimitExceeded",
      statusCode: 400,
      message: /KMS instance kst-quota1 holds 2 secrets, its quota/,
    });
    await expectRpcError(kms("GetKmsInstanceQuotaInfos", { KmsInstanceId: "kst-nope" }), { code: "Forbidden.DKMSInstanceNotFound", statusCode: 403 });
    await expectRpcError(kms("GetKmsInstanceQuotaInfos", { KmsInstanceId: "kst-quota1", ResourceType: "key" }), { code: "InvalidParameter", statusCode: 400, message: /key is not emulated/ });
    await kms("DeleteSecret", { SecretName: "managed-secrets-lease/x", ForceDeleteWithoutRecovery: true });
    assert.deepEqual(await quota(), [{ ResourceType: "secret", ResourceQuota: 2, UsedQuantity: 1 }]);
  });

  it("billed secrets per day: every secret that existed during a day counts, whatever its type, until its deletion window ends", async () => {
    emu.control.setTime("2026-12-01T01:00:00Z"); // 09:00 CST, Dec 1
    await createEcs();
    await kms("CreateSecret", { SecretName: "managed-secrets-lease/ecs", SecretData: "{}", VersionId: "v1" });
    await kms("CreateSecret", { SecretName: "short-lived", SecretData: "x", VersionId: "v1" });
    await kms("DeleteSecret", { SecretName: "short-lived", ForceDeleteWithoutRecovery: true });
    emu.control.setTime("2026-12-02T01:00:00Z");
    await kms("DeleteSecret", { SecretName: "managed-secrets-lease/ecs", RecoveryWindowInDays: 7 });
    emu.control.setTime("2026-12-10T01:00:00Z");
    const days = emu.control.billedSecretsPerDay("2026-12-01T00:00:00+08:00", "2026-12-10T00:00:00+08:00");
    assert.deepEqual(days.map((d) => [d.date, d.secrets]), [
      ["2026-12-01", 3],
      ["2026-12-02", 2],
      ["2026-12-03", 2],
      ["2026-12-04", 2],
      ["2026-12-05", 2],
      ["2026-12-06", 2],
      ["2026-12-07", 2],
      ["2026-12-08", 2],
      ["2026-12-09", 2],
      ["2026-12-10", 1],
    ]);
  });

  it("AutomaticRotation reads Invalid once the secret's target is gone", async () => {
    const k = emu.control.createAccessKey("app");
    await createRam([k], { EnableAutomaticRotation: true, RotationInterval: "7d" });
    const ram = ramClient(emu);
    await ram.deleteAccessKey(new $Ram.DeleteAccessKeyRequest({ userName: "app", userAccessKeyId: k.accessKeyId }));
    await ram.deleteUser(new $Ram.DeleteUserRequest({ userName: "app" }));
    assert.equal((await kms("DescribeSecret", { SecretName: "acs/ram/user/app-display" })).AutomaticRotation, "Invalid");
  });

  it("a RAM rotation waiting for its window survives an emulator restart (state file) and finishes on the restarted clock", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kms-managed-"));
    const stateFile = join(dir, "state.json");
    let first: EmulatorHandle | undefined = await startEmulator({ stateFile });
    let second: EmulatorHandle | undefined;
    try {
      first.control.createKmsRamCredentialsRole("AliyunKMSManagedRAMCrendentialsRole");
      first.control.createUser({ name: "svc" });
      const k = first.control.createAccessKey("svc");
      await kmsRequest(first, "CreateSecret", {
        SecretName: "$Auto",
        SecretType: "RAMCredentials",
        SecretData: ramData([k]),
        VersionId: "v1",
        ExtendedConfig: JSON.stringify({ SecretSubType: "RamUserAccessKey", UserName: "svc" }),
      });
      first.control.setRamRotationWindow(600_000);
      await kmsRequest(first, "RotateSecret", { SecretName: "acs/ram/user/svc", VersionId: "r2" });
      await first.control.settleRotations();
      await first.stop();
      first = undefined;
      second = await startEmulator({ stateFile });
      const restarted = second;
      await expectRpcError(kmsRequest(restarted, "RotateSecret", { SecretName: "acs/ram/user/svc", VersionId: "r3" }), { code: "Rejected.Rotating", statusCode: 409 });
      restarted.control.advanceClock(600_000);
      const keys = (await ramClient(restarted).listAccessKeys(new $Ram.ListAccessKeysRequest({ userName: "svc" }))).body?.accessKeys?.accessKey?.map((x) => x.accessKeyId);
      const current = JSON.parse(String((await kmsRequest(restarted, "GetSecretValue", { SecretName: "acs/ram/user/svc" })).SecretData)).AccessKeyId;
      assert.deepEqual(keys, [current]);
      assert.notEqual(current, k.accessKeyId);
      assert.deepEqual(restarted.control.systemEvents().map((e) => e.name), ["Secret:RotateSecret:Success"]);
    } finally {
      await first?.stop();
      await second?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
