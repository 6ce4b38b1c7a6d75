import { strict as assert } from "node:assert";
import { startKmsEmulatorStore, type KmsEmulatorStore } from "../../testkit/store/kms-emulator-store";
import { createTestClock, type TestClock } from "../../testkit/clock/test-clock";
import { mapBounded } from "../../provider/core/map-bounded";
import { targetRegistry, type RuntimeContext } from "../../provider/context/runtime-context";
import { KMS_PAGE_SIZE } from "../../provider/store/kms/kms-listing";
import { ROTATION_LEASE_TTL_MS } from "../../provider/rotation/rotate-secret";
import { META } from "../../provider/schedule/rotation-metadata";
import { inProcessCli } from "../support/in-process-cli";

/**
 * Issue 24 item 12: `list` and `check` on the kms store read the fleet from
 * ListSecrets (ceil(N/100) calls), not two calls per secret. Only what a
 * listing cannot say is read per secret: the current version (`list
 * --versions`), when an unfinished rotation's ACSPending was made (`check`,
 * for the secrets the listing marks), and the probe's own reads.
 */
describe("CLI on the kms store: list and check read the fleet in pages (emulator call log)", function () {
  this.timeout(120_000);
  const N = 150;
  const names = Array.from({ length: N }, (_, i) => `fleet/i-${String(i).padStart(3, "0")}/root`);
  const overdue = names.slice(0, 3);
  const interrupted = names[3]!;
  const inProgress = names[4]!;
  let k: KmsEmulatorStore;
  let clock: TestClock;
  let cli: (args: readonly string[]) => Promise<{ code: number; out: string; err: string }>;
  const pages = Math.ceil(N / KMS_PAGE_SIZE);

  before(async () => {
    clock = createTestClock();
    k = await startKmsEmulatorStore({ clock });
    const day = 86_400;
    await mapBounded(names, 8, (name) =>
      k.store.createSecret({
        name,
        description: "",
        // Three fall due within the day; the rest in 30 days.
        metadata: { kind: "ecs", [META.rotationPeriodSeconds]: String(30 * day), [META.nextRotationAt]: new Date(clock.ms() + (overdue.includes(name) ? 3_600_000 : 30 * day * 1000)).toISOString() },
        versionId: "v1",
        value: "{}",
      }),
    );
    // A rotation that stopped after its pending version: the listing marks it, and only its own read says since when.
    await k.store.acquireLease(interrupted, "crashed", 60_000);
    await k.store.putValue(interrupted, { versionId: "v2", value: "{}", stages: ["ACSPending"] });
    clock.advance(2 * 86_400_000);
    assert.ok(2 * 86_400_000 > ROTATION_LEASE_TTL_MS);
    // One under way right now, on a secret last written two days ago: the listing's marker alone would date it then.
    await k.store.acquireLease(inProgress, "running", 60_000);
    await k.store.putValue(inProgress, { versionId: "v2", value: "{}", stages: ["ACSPending"] });
    // A store that has read nothing yet, as a CLI process starting.
    const fresh: RuntimeContext = { store: k.another(), targets: targetRegistry(), clock, owner: "cli", cloud: () => k.cloud };
    cli = inProcessCli(() => fresh);
  });
  after(async () => {
    await k?.dispose();
  });

  const run = async (args: readonly string[]) => {
    k.calls.length = 0;
    const result = await cli(args);
    return { ...result, actions: k.actions() };
  };

  it(`list: ${pages} ListSecrets calls for ${N} secrets; --versions reads each secret for its current version`, async () => {
    const listed = await run(["list", "--json"]);
    assert.equal(listed.code, 0, listed.err);
    const rows = JSON.parse(listed.out) as Array<Record<string, string>>;
    assert.deepEqual(rows.map((r) => r.name), names);
    assert.ok(rows.every((r) => !("currentVersion" in r)), "a listing does not know versions and does not pretend to");
    assert.deepEqual(listed.actions, Array(pages).fill("ListSecrets"));

    const withVersions = await run(["list", "--versions", "--json"]);
    const versioned = JSON.parse(withVersions.out) as Array<Record<string, string>>;
    assert.deepEqual(new Set(versioned.map((r) => r.currentVersion)), new Set(["v1"]), "ACSPending is not current");
    assert.equal(withVersions.actions.filter((a) => a === "DescribeSecret").length, N);
    assert.match((await run(["list", "--versions"])).out, /^NAME +KIND +TARGET +CURRENTVERSION /m);
  });

  it(`check --no-probe: ${pages} ListSecrets calls and one full read of each secret whose rotation is unfinished: the one under way is not called interrupted`, async () => {
    const checked = await run(["check", "--no-probe", "--json"]);
    assert.equal(checked.code, 1, checked.err);
    const findings = (JSON.parse(checked.out) as Array<{ name: string; healthy: boolean; problems: string[] }>).filter((f) => !f.healthy);
    assert.deepEqual(
      findings.map((f) => [f.name, f.problems]),
      [...overdue.map((n) => [n, ["overdue"]]), [interrupted, ["interrupted"]]],
    );
    assert.deepEqual(
      [...checked.actions].sort(),
      [...Array(pages).fill("ListSecrets"), ...Array(2).fill(["DescribeSecret", "ListSecretVersionIds"]).flat()].sort(),
      "the listing, and the unfinished rotations' own reads",
    );
  });
});
