import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { blastRadiusGate, failureAllowance, orderForBlastRadius, parseMaxFailures, parseRate, type GateClock } from "../../provider/runner/blast-radius";
import type { SecretMeta } from "../../provider/store/secret-store";
import type { SecretOutcome } from "../../provider/schedule/secret-outcome";

/** The gate's arithmetic on an injected clock: spacing is read from the clock it was given, never from wall time. */

function meta(name: string, instanceId: string): SecretMeta {
  return { name, description: "", metadata: { kind: "ecs", instanceId, managedUser: "root" }, createdAt: "", updatedAt: "", versions: [] };
}

/** Time stands still at 0: every sleep is recorded, so the waits say when each start was scheduled. */
function fakeClock(): GateClock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => 0,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  };
}

const outcome = (name: string, status: SecretOutcome["status"]): SecretOutcome => ({ name, status, reason: "", attempts: 1, durationMs: 0 });

/** The failure domain as the ECS kind reports it: the instance (blast-radius.ts failureDomainsOf; tests/runner/blast-radius.test.ts runs the real one). */
const byInstance = (m: SecretMeta) => m.metadata.instanceId!;

describe("Blast-radius gate (injected clock)", () => {
  it("--rate 30/min spaces starts 2 s apart on the gate's clock, even when lanes arrive together", async () => {
    const clock = fakeClock();
    const gate = blastRadiusGate({ ratePerMinute: 30, perHost: 64 }, byInstance, clock);
    const items = ["a", "b", "c", "d"].map((n) => ({ meta: meta(n, `i-${n}`) }));
    gate.order(items);
    const admitted = await Promise.all(items.map(({ meta: m }) => gate.admit(m)));
    assert.deepEqual(admitted, [true, true, true, true]);
    // All four arrive at 0: the first starts at once, the others wait for their reserved slots.
    assert.deepEqual([...clock.sleeps].sort((x, y) => x - y), [2000, 4000, 6000]);
  });

  it("the slowest --rate queues lanes past Node's timer limit (2^31-1 ms), and none of them starts early (the real clock, in a child process)", async () => {
    // 40 lanes at 0.001/min reserve slots 1000 minutes apart: the 37th waits 36,000 minutes, longer than one setTimeout can.
    // The child exits after half a second, so the gate's long sleeps end with it.
    const script = `
      const { blastRadiusGate } = require(${JSON.stringify(join(__dirname, "..", "..", "provider", "runner", "blast-radius.ts"))});
      const gate = blastRadiusGate({ ratePerMinute: 0.001, perHost: 64 }, (m) => m.metadata.instanceId);
      const items = Array.from({ length: 40 }, (_, i) => ({ meta: { name: "s" + String(i).padStart(2, "0"), description: "", metadata: { kind: "ecs", instanceId: "i-" + i }, createdAt: "", updatedAt: "", versions: [] } }));
      let admitted = 0;
      for (const { meta } of gate.order(items)) gate.admit(meta).then(() => admitted++);
      setTimeout(() => { process.stdout.write(String(admitted)); process.exit(0); }, 500);`;
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "-e", script], { timeout: 30_000 });
    assert.equal(stdout, "1", "only the first lane starts now; the others wait their reserved slots");
  });

  it("orders canaries first (by name), then the rest in turns across hosts", () => {
    const due = [meta("w3", "i-web"), meta("d1", "i-db"), meta("w1", "i-web"), meta("w2", "i-web"), meta("d2", "i-db"), meta("a0", "i-app")].map((m) => ({ meta: m }));
    assert.deepEqual(orderForBlastRadius(due, 1, byInstance).map((d) => d.meta.name), ["a0", "d1", "w1", "d2", "w2", "w3"]);
  });

  it("a second secret on a busy host waits for the first to settle", async () => {
    const gate = blastRadiusGate({}, byInstance, fakeClock());
    const [one, two] = [meta("x1", "i-same"), meta("x2", "i-same")];
    gate.order([{ meta: one }, { meta: two }]);
    assert.equal(await gate.admit(one), true);
    let second = false;
    const waiting = gate.admit(two).then((ok) => (second = ok));
    await new Promise((r) => setImmediate(r));
    assert.equal(second, false, "still waiting while x1 runs");
    gate.settle(one, outcome("x1", "rotated"));
    await waiting;
    assert.equal(second, true);
  });

  it("budgets: N, or P% of the due secrets rounded up and at least one", () => {
    assert.equal(failureAllowance(parseMaxFailures("3"), 100), 3);
    assert.equal(failureAllowance(parseMaxFailures("10%"), 25), 3);
    assert.equal(failureAllowance(parseMaxFailures("1%"), 5), 1);
    assert.equal(parseRate("0.5/min"), 0.5);
  });
});
