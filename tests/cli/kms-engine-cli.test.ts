import { strict as assert } from "node:assert";
import { writeFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startKmsEmulatorStore, type KmsEmulatorStore } from "../../testkit/store/kms-emulator-store";
import { createRunningTestClock } from "../../testkit/clock/test-clock";
import { kmsRequest } from "../../testkit/emulator/sdk-clients";
import { targetRegistry, type RuntimeContext } from "../../provider/context/runtime-context";
import { inProcessCli } from "../support/in-process-cli";

/**
 * The CLI on secrets KMS rotates itself, against the emulator's KMS (a
 * simulated Windows instance, so no host is needed): `adopt kms` tags a
 * secret made in the console from KMS's own record; `list` shows KMS's
 * schedule; `rotate <name>` asks KMS (RotateSecret) and `check` says how it
 * went, a failure with KMS's error code; `run` leaves them alone.
 */
describe("CLI: secrets KMS rotates itself (emulator)", function () {
  this.timeout(30_000);
  let k: KmsEmulatorStore;
  let ctx: RuntimeContext;
  let dir: string;
  const windows = "i-kmsclientwin1";
  const create = (user: string) =>
    kmsRequest(k.emulator, "CreateSecret", {
      SecretName: `acs/ecs/kmsclientwin1/${user}`,
      SecretType: "ECS",
      SecretData: JSON.stringify({ UserName: user, Password: "Win-Initial-Passw0rd" }),
      VersionId: "v1",
      ExtendedConfig: JSON.stringify({ SecretSubType: "Password", RegionId: k.emulator.regionId, InstanceId: windows }),
      EnableAutomaticRotation: true,
      RotationInterval: "30d",
    });

  beforeEach(async () => {
    const clock = createRunningTestClock();
    k = await startKmsEmulatorStore({ clock });
    k.emulator.control.registerInstance({ instanceId: windows, privateIp: "127.0.31.49", osType: "windows", windowsAccounts: { Administrator: "Win-Initial-Passw0rd" } });
    k.emulator.control.createServiceLinkedRole("secretsmanager-ecs.kms.aliyuncs.com");
    ctx = { store: k.store, targets: targetRegistry(), clock, owner: "cli-test", cloud: () => k.cloud };
    dir = await mkdtemp(join(tmpdir(), "ms-kms-cli-"));
  });
  afterEach(async () => {
    await k?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it("adopt kms tags a console-made secret from KMS's record; list shows KMS's schedule; rotate asks KMS; check is green; run skips it", async () => {
    await create("Administrator");
    const cli = inProcessCli(() => ctx);
    const name = "acs/ecs/kmsclientwin1/Administrator";
    assert.equal((await cli(["list", "--json"])).out.trim(), "[]", "not tagged yet");
    const adopted = await cli(["adopt", "kms", name, "--json"]);
    assert.equal(adopted.code, 0, adopted.err);
    assert.match(JSON.parse(adopted.out).target, /password Administrator@i-kmsclientwin1 \(rotated by KMS/);
    const listed = JSON.parse((await cli(["list", "--json"])).out) as Array<{ name: string; kind: string; nextRotationAt: string }>;
    assert.deepEqual(listed.map((r) => [r.name, r.kind]), [[name, "ecs"]]);
    assert.ok(Date.parse(listed[0]!.nextRotationAt) > Date.now());

    const rotated = await cli(["rotate", name, "--json"]);
    assert.equal(rotated.code, 0, rotated.err);
    assert.match(JSON.parse(rotated.out).versionId, /^cli-/);
    await k.emulator.control.settleRotations();
    const value = JSON.parse((await k.store.getValue(name)).value) as { Password: string };
    assert.equal(k.emulator.control.windowsLogin(windows, "Administrator", value.Password), true);
    const checked = await cli(["check", "--json"]);
    assert.equal(checked.code, 0, checked.out + checked.err);

    const run = await cli(["run", "--json", "--at", new Date(Date.now() + 60 * 86_400_000).toISOString()]);
    const outcome = (JSON.parse(run.out) as { outcomes: Array<{ name: string; status: string; reason: string }> }).outcomes[0]!;
    assert.deepEqual([outcome.name, outcome.status], [name, "skipped"]);
    assert.match(outcome.reason, /rotated by KMS itself/);

    const file = join(dir, "value");
    await writeFile(file, "Chosen-Passw0rd-1");
    const refused = await cli(["rotate", name, "--value-file", file]);
    assert.equal(refused.code, 2, "a usage error");
    assert.match(refused.err, /InvalidInput: --value-file is not taken/);
  });

  it("check fails on a KMS rotation that failed, with KMS's error code; adopt kms refuses a generic secret", async () => {
    await create("Nobody");
    const cli = inProcessCli(() => ctx);
    const name = "acs/ecs/kmsclientwin1/Nobody";
    assert.equal((await cli(["adopt", "kms", name])).code, 0);
    assert.equal((await cli(["rotate", name])).code, 0);
    await k.emulator.control.settleRotations();
    const checked = await cli(["check", "--json"]);
    assert.equal(checked.code, 1);
    const finding = (JSON.parse(checked.out) as Array<{ problems: string[]; details: string[] }>)[0]!;
    assert.deepEqual(finding.problems, ["failing"]);
    assert.match(finding.details[0]!, /KMS's last rotation failed with AccountNotExists/);

    await kmsRequest(k.emulator, "CreateSecret", { SecretName: "plain/generic", SecretData: "x", VersionId: "v1" });
    const generic = await cli(["adopt", "kms", "plain/generic"]);
    assert.equal(generic.code, 2, "a usage error");
    assert.match(generic.err, /is not one KMS rotates itself/);
  });
});
