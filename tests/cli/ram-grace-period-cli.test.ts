import { strict as assert } from "node:assert";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { useRamCli } from "../support/ram-cli";
import { arnOf, keysOf, pairOf, signsAs, userWithKey } from "../support/ram-fixtures";

/**
 * The grace period through the CLI a team without Pulumi uses: `adopt ram
 * --previous-key-grace-period`, then `run --at` passes as the runner's timer
 * would make them, each judging as of its --at time (test clock, emulator).
 */

const HOUR_MS = 3_600_000;

describe("managed-secrets adopt ram --previous-key-grace-period, then run --at: rotation, wait, retirement (emulator)", () => {
  const h = useRamCli();
  const cli = (args: string[], stdin?: string) => h.cli(args, stdin);

  it("the run that rotates leaves the old key working; a run inside the grace retires nothing; the first run after it deletes the old key and says so", async () => {
    const { userName, key: k0 } = userWithKey(h.emu, "grace-cli");
    const file = join(h.t.dir, "secret");
    await writeFile(file, `${k0.accessKeySecret}\n`, { mode: 0o600 });
    const adopted = await cli(["adopt", "ram", "--user-name", userName, "--access-key-id", k0.accessKeyId, "--access-key-secret-file", file,
      "--rotation-period", "6h", "--previous-key-action", "delete", "--previous-key-grace-period", "1h"]);
    assert.equal(adopted.code, 0, adopted.err);
    const name = `ram/${userName}`;
    const t0 = h.t.clock().getTime();
    const at = (ms: number) => new Date(t0 + ms).toISOString();

    const rotation = await cli(["run", "--at", at(7 * HOUR_MS)]);
    assert.equal(rotation.code, 0, rotation.err);
    assert.match(rotation.out, /1 rotated/);
    const k1 = pairOf((await h.t.store.getValue(name)).value);
    assert.equal(await signsAs(h.emu, k0), arnOf(h.emu, userName), "the old key outlives the rotation");

    const inside = await cli(["run", "--at", at(7.5 * HOUR_MS)]);
    assert.equal(inside.code, 0, inside.err);
    assert.doesNotMatch(inside.out, /retire/);
    assert.equal((await keysOf(h.emu, userName)).length, 2);

    const dry = await cli(["run", "--dry-run", "--at", at(8 * HOUR_MS + 60_000)]);
    assert.match(dry.out, new RegExp(`retire ${name} ${k0.accessKeyId} would-retire: grace period ended at `));
    assert.equal(await signsAs(h.emu, k0), arnOf(h.emu, userName), "a dry run retires nothing");

    const after = await cli(["run", "--at", at(8 * HOUR_MS + 60_000)]);
    assert.equal(after.code, 0, after.err);
    assert.match(after.out, new RegExp(`retire ${name} ${k0.accessKeyId} deleted: grace period ended at `));
    assert.deepEqual(await keysOf(h.emu, userName), [{ id: k1.accessKeyId, status: "Active" }]);
    assert.equal(await signsAs(h.emu, k1), arnOf(h.emu, userName));
    assert.ok(!`${rotation.out}${inside.out}${after.out}${rotation.err}${after.err}`.includes(k1.accessKeySecret), "no credential printed");
  });

  it("a bad --previous-key-grace-period is refused naming the flag, before anything is called or stored", async () => {
    const { userName, key } = userWithKey(h.emu, "grace-cli");
    const mark = h.emu.log.length;
    const r = await cli(["adopt", "ram", "--user-name", userName, "--access-key-id", key.accessKeyId, "--access-key-secret-file", "-",
      "--previous-key-action", "delete", "--previous-key-grace-period", "2d"], `${key.accessKeySecret}\n`);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /InvalidInput: --previous-key-grace-period \(previousKeyGracePeriod\) must be a duration in h, m and s such as "30m", "1h", "1h30m" or "24h", from 1m to 168h/);
    assert.deepEqual(h.emu.countSince(mark), {});
    assert.deepEqual(await h.t.store.listSecrets({}), []);
  });
});
