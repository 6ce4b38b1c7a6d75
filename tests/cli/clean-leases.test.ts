import { strict as assert } from "node:assert";
import { targetRegistry } from "../../provider/context/runtime-context";
import { leaseCompanionName } from "../../provider/store/kms/kms-legacy-companions";
import { rotateSecret } from "../../provider/rotation/rotate-secret";
import type { SecretStore } from "../../provider/store/secret-store";
import { companionLeases } from "../../testkit/store/companion-leases";
import { startKmsEmulatorStore, type KmsEmulatorStore } from "../../testkit/store/kms-emulator-store";
import { createTestClock, type TestClock } from "../../testkit/clock/test-clock";
import { createTestStore } from "../../testkit/store/test-store";
import { FakeTarget } from "../../testkit/rotation/fake-target";
import { kmsCall } from "../support/emulator-helpers";
import { inProcessCli, type CliRun } from "../support/in-process-cli";

/**
 * Upgrading from the release that kept a lease companion per rotated secret
 * (issue 26 item 4): the new store is not confused by the companions, and
 * `managed-secrets clean-leases` lists them (dry run) and, with --apply,
 * removes exactly those that are only a lease record and that no rotator holds.
 */

const value = (name: string) => JSON.stringify({ UserName: "root", Password: `Upgrade-Pw-${name.length}` });

describe("managed-secrets clean-leases: lease companions left by the previous release (emulator, real signing)", function () {
  let clock: TestClock;
  let kms: KmsEmulatorStore;
  let targets: Map<string, FakeTarget>;
  const names = ["ecs/i-a/root", "ecs/i-b/root", "ecs/i-gone/root"];
  const raw = (action: string, query: Record<string, string | number | boolean>) => kmsCall(kms.emulator, action, query);
  const inKms = async () => ((await raw("ListSecrets", { PageSize: 100 })).SecretList as { Secret: { SecretName: string }[] }).Secret.map((s) => s.SecretName).sort();

  const cli = (store: SecretStore, args: string[]): Promise<CliRun> =>
    inProcessCli(() => ({ store, clock, targets: targetRegistry(), owner: "cli", cloud: () => kms.cloud }))(args);

  beforeEach(async function () {
    clock = createTestClock();
    kms = await startKmsEmulatorStore({ clock });
    // The store as the previous release wrote it: a companion per rotated secret, no lease table.
    const previous = kms.another({ leases: companionLeases });
    targets = new Map(names.map((n) => [n, new FakeTarget(value(n))]));
    for (const name of names) {
      await previous.createSecret({ name, description: "", metadata: { kind: "ecs" }, versionId: "v1", value: value(name) });
      clock.advance(60_000);
      await rotateSecret({ store: previous, name, target: targets.get(name)!, owner: "old-runner", clock });
    }
    // Deleted outside the product: its companion is left behind.
    await raw("DeleteSecret", { SecretName: "ecs/i-gone/root", ForceDeleteWithoutRecovery: true });
    // Somebody's own secret under the companion prefix, holding something else than a lease.
    await raw("CreateSecret", { SecretName: leaseCompanionName("not-ours"), SecretData: JSON.stringify({ UserName: "root", Password: "Someone-Elses-1" }), VersionId: "v1" });
  });
  afterEach(async function () {
    await kms.dispose();
  });

  it("the new store rotates a secret of the previous release's store through its lease table, not its companion", async function () {
    const companion = leaseCompanionName("ecs/i-a/root");
    const before = await raw("GetSecretValue", { SecretName: companion });
    clock.advance(60_000);
    const outcome = await rotateSecret({ store: kms.store, name: "ecs/i-a/root", target: targets.get("ecs/i-a/root")!, owner: "new-runner", clock });
    assert.deepEqual([outcome.versionId, outcome.resumed], ["v3", false]);
    assert.deepEqual((await raw("GetSecretValue", { SecretName: companion })).VersionId, before.VersionId, "the companion was not touched");
    assert.ok((await inKms()).includes("managed-secrets-leases"), "the lease table was made at the first take");
    assert.deepEqual((await kms.store.listSecrets()).map((m) => m.name), ["ecs/i-a/root", "ecs/i-b/root"], "companions are never listed as secrets");
    assert.deepEqual((await kms.store.describeSecret("ecs/i-a/root"))!.versions.map((v) => v.versionId), ["v1", "v2", "v3"]);
  });

  it("lists what it would remove and removes nothing by default; --apply removes the orphaned and legacy companions only", async function () {
    // One the previous release's runner holds right now: left alone.
    const previous = kms.another({ leases: companionLeases });
    assert.equal(await previous.acquireLease("ecs/i-b/root", "old-runner-still-running", 600_000), true);
    const all = await inKms();

    const dry = await cli(kms.store, ["clean-leases"]);
    assert.equal(dry.code, 0, dry.err);
    const row = (name: string) => dry.out.split("\n").find((l) => l.startsWith(name)) ?? "";
    assert.match(row(leaseCompanionName("ecs/i-a/root")), /legacy\s+ecs\/i-a\/root\s+would remove/);
    assert.match(row(leaseCompanionName("ecs/i-gone/root")), /orphaned\s+would remove/);
    assert.match(row(leaseCompanionName("ecs/i-b/root")), /held\s+ecs\/i-b\/root\s+kept\s+an earlier release is rotating with it/);
    assert.match(row(leaseCompanionName("not-ours")), /not-a-lease\s+kept\s+version "v1" is not a lease version/);
    assert.match(dry.out, /would remove 2 lease companion\(s\); nothing was changed \(dry run\): run managed-secrets clean-leases --apply/);
    assert.deepEqual(await inKms(), all, "a dry run deletes nothing");

    const applied = await cli(kms.store, ["clean-leases", "--apply", "--json"]);
    assert.equal(applied.code, 0, applied.err);
    const report = JSON.parse(applied.out) as { dryRun: boolean; companions: { name: string; status: string; removed: boolean }[] };
    assert.equal(report.dryRun, false);
    assert.deepEqual(
      report.companions.filter((c) => c.removed).map((c) => c.name).sort(),
      [leaseCompanionName("ecs/i-a/root"), leaseCompanionName("ecs/i-gone/root")].sort(),
    );
    assert.deepEqual(await inKms(), all.filter((n) => n !== leaseCompanionName("ecs/i-a/root") && n !== leaseCompanionName("ecs/i-gone/root")));
    // Nothing a secret of ours needs went: both still read, and rotate.
    for (const name of ["ecs/i-a/root", "ecs/i-b/root"]) assert.equal((await kms.store.getValue(name)).versionId, "v2");
    clock.advance(600_001);
    const again = await cli(kms.store, ["clean-leases", "--apply"]);
    assert.match(again.out, /removed 1 lease companion\(s\)/, "the held one goes once its lease has expired");
  });

  it("is for the kms store only", async function () {
    await using local = await createTestStore({ backend: "local" });
    const refused = await cli(local.store, ["clean-leases"]);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /StoreConfig: clean-leases applies to the kms store only/);
  });
});
