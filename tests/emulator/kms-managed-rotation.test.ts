import assert from "node:assert/strict";
import * as $Ecs from "@alicloud/ecs20140526";
import * as $Ram from "@alicloud/ram20150501";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { ecsClient, kmsRequest, ramClient, stsClient } from "../../testkit/emulator/sdk-clients";
import { requireRootForHosts, startSshHost, type StartedSshHost } from "../../testkit/sshd/ssh-host";
import { tryLogin } from "../../testkit/ssh-client/ssh-client";
import { generateKeyPair } from "../../provider/credentials/generate-key-pair";
import { expectRpcError, kmsCall } from "../support/emulator-helpers";

/**
 * The rotations KMS carries out itself, after RotateSecret or when
 * NextRotationDate passes on the business clock: ECS through Cloud Assistant
 * on a real OpenSSH host (logins checked from outside over SSH), Windows as
 * simulated state, RAM through RAM's own keys; each ends with a CloudMonitor
 * system event, and a failure leaves ACSCurrent as it was.
 */
describe("emulator: KMS rotates its managed secrets (Cloud Assistant on a real host, RAM, events)", function () {
  this.timeout(60_000);
  let host: StartedSshHost;
  let emu: EmulatorHandle;
  const instanceId = "i-kmsrotate1";
  const windows = "i-kmswin1";
  const aliceInitial = "Alice-Initial-Passw0rd";
  const foreign = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherKeyOfSomeoneElse0000000000000000000 ops@bastion";
  let aliceKey: { privateKey: string; publicKey: string };

  before(async () => {
    requireRootForHosts();
    aliceKey = await generateKeyPair("rsa-2048");
    host = await startSshHost({ users: [{ name: "alice", password: aliceInitial, authorizedKeys: [foreign, aliceKey.publicKey] }, { name: "bob", password: "Bob-Initial-Passw0rd" }] });
  });
  after(async () => host?.stop());
  beforeEach(async () => {
    emu = await startEmulator();
    emu.control.registerInstance({ instanceId, privateIp: host.host, nsPid: host.nsPid });
    emu.control.registerInstance({ instanceId: windows, privateIp: "127.0.31.9", osType: "windows", windowsAccounts: { Administrator: "Win-Initial-Passw0rd" } });
    emu.control.createServiceLinkedRole("secretsmanager-ecs.kms.aliyuncs.com");
    emu.control.createKmsRamCredentialsRole();
  });
  afterEach(async () => emu?.stop());

  const kms = (action: string, query: Record<string, string | number | boolean>) => kmsRequest(emu, action, query);
  const login = (user: string, secret: { password: string } | { privateKey: string }) =>
    tryLogin({ host: host.host, port: host.port, hostKeyFingerprint: host.hostKeyFingerprint, username: user, ...secret });
  const current = async (name: string) => JSON.parse(String((await kms("GetSecretValue", { SecretName: name })).SecretData)) as Record<string, string>;
  const createEcs = (name: string, data: Record<string, string>, config: Record<string, unknown> = {}, extra: Record<string, string | number | boolean> = {}) =>
    kms("CreateSecret", {
      SecretName: name,
      SecretType: "ECS",
      SecretData: JSON.stringify(data),
      VersionId: "v1",
      ExtendedConfig: JSON.stringify({ SecretSubType: "Password", RegionId: emu.regionId, InstanceId: instanceId, ...config }),
      ...extra,
    });
  /** A RAM user with one key, and its RAMCredentials secret (acs/ram/user/<user>); answers the key. */
  async function createRamUserSecret(user: string, extra: Record<string, string | number | boolean> = {}) {
    emu.control.createUser({ name: user });
    const key = emu.control.createAccessKey(user);
    await kms("CreateSecret", {
      SecretName: "$Auto",
      SecretType: "RAMCredentials",
      SecretData: JSON.stringify({ AccessKeys: [{ AccessKeyId: key.accessKeyId, AccessKeySecret: key.accessKeySecret }] }),
      VersionId: "v1",
      ExtendedConfig: JSON.stringify({ SecretSubType: "RamUserAccessKey", UserName: user }),
      ...extra,
    });
    return key;
  }
  const events = () => emu.control.systemEvents().map((e) => ({ name: e.name, level: e.level, product: e.product, content: e.content }));
  const kmsInvocations = async () =>
    (await ecsClient(emu).describeInvocations(new $Ecs.DescribeInvocationsRequest({ regionId: emu.regionId, contentEncoding: "PlainText", includeOutput: true }))).body?.invocations?.invocation ?? [];

  it("ECS Linux password: RotateSecret returns at once; KMS's Cloud Assistant command sets a generated password that logs in over SSH, the old one is refused; no password is kept by Cloud Assistant", async () => {
    const name = "acs/ecs/kmsrotate1/alice";
    await createEcs(name, { UserName: "alice", Password: aliceInitial }, {}, { EnableAutomaticRotation: true, RotationInterval: "30d" });
    const answer = await kms("RotateSecret", { SecretName: name, VersionId: "trigger-1" });
    assert.equal(answer.VersionId, "trigger-1");
    assert.equal((await current(name)).Password, aliceInitial, "the answer comes before the rotation is done");
    await emu.control.settleRotations();
    const value = await kms("GetSecretValue", { SecretName: name });
    assert.equal(value.VersionId, "trigger-1");
    const rotated = JSON.parse(String(value.SecretData)) as { UserName: string; Password: string };
    assert.equal(rotated.UserName, "alice");
    assert.equal(rotated.Password.length, 32);
    assert.equal(await login("alice", { password: rotated.Password }), true, "the new password logs in");
    assert.equal(await login("alice", { password: aliceInitial }), false, "the old one is refused");
    const previous = await kms("GetSecretValue", { SecretName: name, VersionStage: "ACSPrevious" });
    assert.equal(JSON.parse(String(previous.SecretData)).Password, aliceInitial);
    const described = await kms("DescribeSecret", { SecretName: name });
    assert.equal(described.LastRotationDate, value.CreateTime);
    assert.equal(Date.parse(String(described.NextRotationDate)), Date.parse(String(described.LastRotationDate)) + 30 * 86400_000);
    assert.deepEqual(events(), [{ name: "Secret:RotateSecret:Success", level: "INFO", product: "kms", content: { secretName: name, secretType: "ECS", rotationStatus: "Success" } }]);

    const [invocation] = await kmsInvocations();
    assert.equal(invocation?.commandId, "cmd-ACS-KMS-RotateECSSecret-For-Linux.sh");
    assert.equal(invocation?.invokeStatus, "Finished");
    const parameters = JSON.parse(invocation?.parameters ?? "{}") as Record<string, string>;
    assert.deepEqual(Object.keys(parameters).sort(), ["passwordhash", "username"]);
    const shadow = (await host.readFile("/etc/shadow")).split("\n").find((l) => l.startsWith("alice:"))!.split(":")[1];
    assert.equal(parameters.passwordhash, shadow, "the instance got the hash, and only the hash");
    const kept = JSON.stringify(await kmsInvocations()) + JSON.stringify(emu.control.invocationRecords());
    for (const secret of [rotated.Password, aliceInitial]) assert.ok(!kept.includes(secret), "no password in what Cloud Assistant keeps");
    // Restore the host for the next test: KMS only knows how to rotate forward.
    await host.exec("chpasswd", { stdin: `alice:${aliceInitial}\n` });
  });

  it("ECS SSHKey: the new public key is authorized and logs in, the old one is removed, other authorized_keys lines stay", async () => {
    const name = "acs/ecs/kmsrotate1/alice-key";
    await createEcs(name, { UserName: "alice", PublicKey: aliceKey.publicKey, PrivateKey: aliceKey.privateKey }, { SecretSubType: "SSHKey" });
    assert.equal(await login("alice", { privateKey: aliceKey.privateKey }), true);
    await kms("RotateSecret", { SecretName: name, VersionId: "k2" });
    await emu.control.settleRotations();
    const rotated = await current(name);
    assert.match(rotated.PrivateKey ?? "", /^-----BEGIN RSA PRIVATE KEY-----/);
    assert.match(rotated.PublicKey ?? "", /^ssh-rsa AAAA[A-Za-z0-9+/=]+ kms-ecs-secret$/);
    assert.equal(await login("alice", { privateKey: rotated.PrivateKey! }), true, "the new key logs in");
    assert.equal(await login("alice", { privateKey: aliceKey.privateKey }), false, "the old key no longer does");
    const lines = (await host.readFile("/home/alice/.ssh/authorized_keys")).trim().split("\n");
    assert.deepEqual(lines, [foreign, rotated.PublicKey], "the foreign line is untouched");
    const [invocation] = await kmsInvocations();
    assert.ok(!JSON.stringify(invocation).includes("PRIVATE KEY"), "no private key in what Cloud Assistant keeps");
    await host.exec(`printf '%s\\n%s\\n' '${foreign}' '${aliceKey.publicKey}' > /home/alice/.ssh/authorized_keys`);
  });

  it("automatic rotation: when NextRotationDate passes on the business clock KMS rotates on its own, and schedules the next one from then", async () => {
    const name = "acs/ecs/kmsrotate1/bob";
    await createEcs(name, { UserName: "bob", Password: "Bob-Initial-Passw0rd" }, {}, { EnableAutomaticRotation: true, RotationInterval: "6h" });
    emu.control.advanceClock(6 * 3600_000 - 60_000);
    await emu.control.settleRotations();
    assert.equal((await current(name)).Password, "Bob-Initial-Passw0rd", "not due yet");
    const due = emu.control.advanceClock(61_000);
    await emu.control.settleRotations();
    const rotated = await current(name);
    assert.notEqual(rotated.Password, "Bob-Initial-Passw0rd");
    assert.equal(await login("bob", { password: rotated.Password! }), true);
    const d = await kms("DescribeSecret", { SecretName: name });
    assert.equal(Date.parse(String(d.NextRotationDate)), Date.parse(String(d.LastRotationDate)) + 6 * 3600_000);
    const last = Date.parse(String(d.LastRotationDate));
    assert.ok(last >= Math.floor(due.getTime() / 1000) * 1000 && last <= emu.control.now().getTime(), "rotated when it came due");
    await host.exec("chpasswd", { stdin: "bob:Bob-Initial-Passw0rd\n" });
  });

  it("a failed rotation (instance stopped, agent offline) raises a CRITICAL event with KMS's failureInfo, reaches a SYSTEM event rule's contact group, and leaves ACSCurrent as it was", async () => {
    const name = "acs/ecs/kmsrotate1/alice";
    await createEcs(name, { UserName: "alice", Password: aliceInitial });
    const cms = (action: string, query: Record<string, string>) => kmsCall(emu, action, query, { version: "2019-01-01" });
    await cms("PutEventRule", { RuleName: "kms-rotation-failed", EventType: "SYSTEM", "EventPattern.1.Product": "kms", "EventPattern.1.NameList.1": "Secret:RotateSecret:Failure" });
    await cms("PutEventRuleTargets", { RuleName: "kms-rotation-failed", "ContactParameters.1.Id": "1", "ContactParameters.1.ContactGroupName": "ops-oncall", "ContactParameters.1.Level": "2" });
    emu.control.setInstanceStatus(instanceId, "Stopped");
    await kms("RotateSecret", { SecretName: name, VersionId: "f1" });
    await emu.control.settleRotations();
    emu.control.setInstanceStatus(instanceId, "Running");
    emu.control.setCloudAssistantOnline(instanceId, false);
    await kms("RotateSecret", { SecretName: name, VersionId: "f2" });
    await emu.control.settleRotations();
    emu.control.setCloudAssistantOnline(instanceId, true);
    assert.deepEqual(
      events().map((e) => [e.name, e.level, e.content.rotationStatus, e.content.failureInfo]),
      [
        ["Secret:RotateSecret:Failure", "CRITICAL", "Failure", { errorCode: "InstanceNotRunning", errorMessage: "the instance is not running when create task" }],
        ["Secret:RotateSecret:Failure", "CRITICAL", "Failure", { errorCode: "ClientNotRunning", errorMessage: "the aliyun service is not running on the instance" }],
      ],
    );
    const value = await kms("GetSecretValue", { SecretName: name });
    assert.equal(value.VersionId, "v1");
    assert.equal(JSON.parse(String(value.SecretData)).Password, aliceInitial);
    assert.equal(await login("alice", { password: aliceInitial }), true, "nobody was locked out");
    assert.deepEqual(emu.control.notifications().map((n) => [n.via, n.ruleName, n.contactGroup, n.eventName]), [
      ["eventRule", "kms-rotation-failed", "ops-oncall", "Secret:RotateSecret:Failure"],
      ["eventRule", "kms-rotation-failed", "ops-oncall", "Secret:RotateSecret:Failure"],
    ]);
    // A later success does not reach the failure rule.
    await kms("RotateSecret", { SecretName: name, VersionId: "ok" });
    await emu.control.settleRotations();
    assert.equal(emu.control.notifications().length, 2);
    assert.equal(events().at(-1)?.name, "Secret:RotateSecret:Success");
    await host.exec("chpasswd", { stdin: `alice:${aliceInitial}\n` });
  });

  it("Windows (SIMULATED): a password rotation changes the instance's account table, recorded as KMS's Windows command; a stopped instance fails the rotation", async () => {
    const name = "acs/ecs/kmswin1/administrator";
    await createEcs(name, { UserName: "Administrator", Password: "Win-Initial-Passw0rd" }, { InstanceId: windows });
    await kms("RotateSecret", { SecretName: name, VersionId: "w2" });
    await emu.control.settleRotations();
    const rotated = await current(name);
    assert.equal(emu.control.windowsLogin(windows, "Administrator", rotated.Password!), true);
    assert.equal(emu.control.windowsLogin(windows, "Administrator", "Win-Initial-Passw0rd"), false);
    const [invocation] = await kmsInvocations();
    assert.equal(invocation?.commandId, "cmd-ACS-KMS-RotateECSSecret-For-Windows.ps1");
    assert.equal(invocation?.commandType, "RunPowerShellScript");
    assert.match(invocation?.commandContent ?? "", /SIMULATED/);
    assert.ok(!JSON.stringify(invocation).includes(rotated.Password!));
    emu.control.setInstanceStatus(windows, "Stopped");
    await kms("RotateSecret", { SecretName: name, VersionId: "w3" });
    await emu.control.settleRotations();
    assert.equal((await current(name)).Password, rotated.Password);
    assert.equal(emu.control.windowsLogin(windows, "Administrator", rotated.Password!), true);
    assert.deepEqual(events().map((e) => [e.name, e.content.failureInfo]), [
      ["Secret:RotateSecret:Success", undefined],
      ["Secret:RotateSecret:Failure", { errorCode: "InstanceNotRunning", errorMessage: "the instance is not running when create task" }],
    ]);
  });

  it("RAM: a new key becomes ACSCurrent at once and signs calls; the old one keeps working through the rotation window, then RAM deletes it; no second rotation or policy change meanwhile", async () => {
    const old = await createRamUserSecret("app");
    const name = "acs/ram/user/app";
    emu.control.setRamRotationWindow(30 * 60_000);
    await kms("RotateSecret", { SecretName: name, VersionId: "r2" });
    await emu.control.settleRotations();
    const fresh = await current(name);
    assert.notEqual(fresh.AccessKeyId, old.accessKeyId);
    assert.equal((await stsClient(emu, { accessKeyId: fresh.AccessKeyId!, accessKeySecret: fresh.AccessKeySecret! }).getCallerIdentity()).body?.identityType, "RAMUser");
    assert.equal((await stsClient(emu, old).getCallerIdentity()).body?.identityType, "RAMUser", "the old key works during the window");
    assert.equal(JSON.parse(String((await kms("GetSecretValue", { SecretName: name, VersionStage: "ACSPrevious" })).SecretData)).AccessKeyId, old.accessKeyId);
    await expectRpcError(kms("RotateSecret", { SecretName: name, VersionId: "r3" }), { code: "Rejected.Rotating", statusCode: 409 });
    await expectRpcError(kms("UpdateSecretRotationPolicy", { SecretName: name, EnableAutomaticRotation: true, RotationInterval: "7d" }), { code: "Rejected.Rotating", statusCode: 409 });
    assert.deepEqual(events(), [], "the rotation is still running");

    emu.control.advanceClock(30 * 60_000);
    const keys = (await ramClient(emu).listAccessKeys(new $Ram.ListAccessKeysRequest({ userName: "app" }))).body?.accessKeys?.accessKey?.map((k) => k.accessKeyId);
    assert.deepEqual(keys, [fresh.AccessKeyId], "the old key is gone when the window ends");
    await expectRpcError(kms("GetSecretValue", { SecretName: name, VersionStage: "ACSPrevious" }), { code: "Forbidden.ResourceNotFound", statusCode: 404 });
    assert.deepEqual(events(), [{ name: "Secret:RotateSecret:Success", level: "INFO", product: "kms", content: { secretName: name, secretType: "RAMCredentials", rotationStatus: "Success" } }]);
    await kms("RotateSecret", { SecretName: name, VersionId: "r3" });
    await emu.control.settleRotations();
    assert.notEqual((await current(name)).AccessKeyId, fresh.AccessKeyId);
  });

  it("RAM: automatic rotation keeps the old key about 2 days; a user with two keys cannot get a third, so the rotation fails and ACSCurrent stays", async () => {
    const k1 = await createRamUserSecret("svc", { EnableAutomaticRotation: true, RotationInterval: "7d" });
    const name = "acs/ram/user/svc";
    emu.control.advanceClock(7 * 86400_000);
    await emu.control.settleRotations();
    const k2 = await current(name);
    assert.notEqual(k2.AccessKeyId, k1.accessKeyId);
    emu.control.advanceClock(2 * 86400_000 - 60_000);
    const listKeys = async () => (await ramClient(emu).listAccessKeys(new $Ram.ListAccessKeysRequest({ userName: "svc" }))).body?.accessKeys?.accessKey?.map((k) => k.accessKeyId);
    assert.equal((await listKeys())?.length, 2, "still inside the 2-day window");
    emu.control.advanceClock(60_000);
    assert.deepEqual(await listKeys(), [k2.AccessKeyId]);

    // Someone gives the user a second key by hand: RAM refuses a third, and so the next rotation fails.
    emu.control.createAccessKey("svc");
    await kms("RotateSecret", { SecretName: name, VersionId: "full" });
    await emu.control.settleRotations();
    assert.equal((await current(name)).AccessKeyId, k2.AccessKeyId);
    const failure = events().at(-1);
    assert.equal(failure?.name, "Secret:RotateSecret:Failure");
    assert.deepEqual(failure?.content.failureInfo, { errorCode: "LimitExceeded.User.AccessKey", errorMessage: "The access key count of the user access keys beyond the current limits." });
  });
});
