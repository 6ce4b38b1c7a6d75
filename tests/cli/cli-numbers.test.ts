import { strict as assert } from "node:assert";
import { createTestStore, type TestStore } from "../../testkit/store/test-store";
import { inProcessCli } from "../support/in-process-cli";

/**
 * Every numeric and time flag takes exactly its documented decimal form and
 * range; anything else (an exponent, hex, a leading zero, a date that does
 * not exist, a time without an offset, a rate whose spacing would overflow
 * Node's timer) is a usage error naming the flag and what is allowed, exit 2,
 * before the store is touched.
 */
describe("CLI numbers and times: exact forms and ranges (local store)", function () {
  let t: TestStore;
  const DAY_MS = 86_400_000;

  // A fresh store per test: a flag that slipped through leaves a pending version or a deletion behind.
  beforeEach(async () => {
    t = await createTestStore();
    const last = t.clock();
    for (const user of ["n1", "n2"]) {
      await t.store.createSecret({
        name: `num/${user}`,
        description: "",
        metadata: {
          kind: "ecs", instanceId: "i-numbers", managedUser: user, credentialType: "password", host: "127.0.0.1", port: "9", hostKeyFingerprint: "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
          rotationPeriodSeconds: String(7 * 86_400), lastRotatedAt: last.toISOString(), nextRotationAt: new Date(last.getTime() + 7 * DAY_MS).toISOString(),
        },
        versionId: "v1",
        value: JSON.stringify({ UserName: user, Password: `${user}-Initial-Pass-1` }),
      });
    }
    // Both due, so a flag that slipped through would rotate (and fail on the unreachable host) instead of doing nothing.
    t.clock.advance(8 * DAY_MS);
  });
  afterEach(async () => t?.[Symbol.asyncDispose]());

  const cli = (args: string[]) => inProcessCli(() => t.context("cli"))(args);

  const refused: Array<[string[], string]> = [
    [["run", "--rate", "0.00001/min"], "--rate"],
    [["run", "--rate", "1e1/min"], "--rate"],
    [["run", "--rate", "0x10/min"], "--rate"],
    [["run", "--rate", ".5/min"], "--rate"],
    [["run", "--rate", "010/min"], "--rate"],
    [["run", "--rate", "0.0001/min"], "--rate"],
    [["run", "--concurrency", "1e1"], "--concurrency"],
    [["run", "--concurrency", "0x10"], "--concurrency"],
    [["run", "--concurrency", " 8"], "--concurrency"],
    [["run", "--concurrency", "08"], "--concurrency"],
    [["run", "--concurrency", "8.0"], "--concurrency"],
    [["check", "--concurrency", "0x10"], "--concurrency"],
    [["rotate", "--select", "kind:ecs", "--concurrency", "1e1"], "--concurrency"],
    [["run", "--canary", "1e1"], "--canary"],
    [["run", "--canary", "0x10"], "--canary"],
    [["run", "--canary", "01"], "--canary"],
    [["run", "--per-host", "1e1"], "--per-host"],
    [["run", "--max-failures", "1e1"], "--max-failures"],
    [["run", "--max-failures", "0x10"], "--max-failures"],
    [["run", "--max-failures", "1e1%"], "--max-failures"],
    [["run", "--max-failures", "100.5%"], "--max-failures"],
    [["run", "--max-failures", "0.001%"], "--max-failures"],
    [["run", "--max-failures", "05"], "--max-failures"],
    [["run", "--at", "2026-02-30T00:00:00Z"], "--at"],
    [["run", "--at", "2025-02-29T00:00:00Z"], "--at"],
    [["run", "--at", "2026-13-01T00:00:00Z"], "--at"],
    [["run", "--at", "2026-04-31T00:00:00Z"], "--at"],
    [["run", "--at", "2026-01-01T24:00:00Z"], "--at"],
    [["run", "--at", "2026-01-01T00:00:60Z"], "--at"],
    [["run", "--at", "2026-01-01T00:00:00"], "--at"],
    [["run", "--at", "2026-01-01T00:00:00+25:00"], "--at"],
    [["run", "--at", "2026-1-01T00:00:00Z"], "--at"],
    [["check", "--at", "2026-02-30T00:00:00Z"], "--at"],
    [["report", "--at", "2026-02-30T00:00:00Z"], "--at"],
    [["run", "--every", "30d"], "--every"],
    [["run", "--every", "1e1m"], "--every"],
    [["check", "--tolerance", "0x10h"], "--tolerance"],
    [["check", "--tolerance", "400d"], "--tolerance"],
    [["delete", "num/n1", "--recovery-window-days", "1e1"], "--recovery-window-days"],
    [["delete", "num/n1", "--recovery-window-days", "0x10"], "--recovery-window-days"],
  ];
  for (const [args, flag] of refused) {
    it(`${args.join(" ")}: usage error naming ${flag} and what it allows, exit 2, nothing touched`, async () => {
      const run = await cli(args);
      assert.equal(run.code, 2, `${args.join(" ")}: ${run.out}${run.err}`);
      assert.ok(run.err.includes(flag), run.err);
      assert.match(run.err, /must be/, run.err);
      for (const user of ["n1", "n2"]) {
        const meta = (await t.store.describeSecret(`num/${user}`))!;
        assert.deepEqual(meta.versions.map((v) => v.versionId), ["v1"]);
        assert.equal(meta.plannedDeleteAt, undefined);
        assert.equal(meta.metadata.lastRotationError, undefined, "no rotation was attempted");
      }
    });
  }

  it("the documented forms are taken: a leap day, an offset, fractions of a rate and a percentage", async () => {
    for (const args of [
      ["run", "--dry-run", "--at", "2028-02-29T00:00:00Z"],
      ["run", "--dry-run", "--at", "2028-03-01T08:00:00+08:00"],
      ["run", "--dry-run", "--at", "2028-03-01T08:00:00.123Z"],
      ["run", "--dry-run", "--rate", "0.001/min", "--max-failures", "12.5%", "--concurrency", "64", "--canary", "1", "--per-host", "2"],
      ["check", "--no-probe", "--at", "2026-01-01T00:00:00Z", "--tolerance", "30d", "--concurrency", "1"],
      ["report", "--format", "json", "--at", "2028-02-29T12:30:00-05:30"],
    ]) {
      const run = await cli(args);
      assert.ok(run.code === 0 || (args[0] === "check" && run.code === 1), `${args.join(" ")}: ${run.code} ${run.err}`);
      assert.equal(run.err, "", args.join(" "));
    }
  });
});
