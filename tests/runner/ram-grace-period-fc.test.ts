import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import * as ram from "../../provider/resources/ram-secret/ram-secret-handler";
import { bundleFcHandler } from "../../provider/runner/deploy/bundle";
import { PENDING_RETIREMENTS } from "../../provider/schedule/pending-retirements";
import { createTestStore, type TestStore } from "../../testkit/store/test-store";
import { arnOf, keysOf, pairOf, ramContext, ramInputs, signsAs, startRamEmulator, userWithKey, type RamEmulator } from "../support/ram-fixtures";

const run = promisify(execFile);
const HOUR_MS = 3_600_000;

/** As FC's Node.js runtime invokes it: require the bundle, call handler(event, context). */
const INVOKE = `require(process.argv[1]).handler({}, { region: process.env.ALIBABA_CLOUD_REGION_ID, requestId: "req-grace" })
  .then((r) => process.stdout.write(r), (e) => { process.stderr.write(e.message); process.exitCode = 7; })`;

describe("previousKeyGracePeriod through the bundled Function Compute handler: its timer pass retires a previous key whose grace has ended (emulator)", () => {
  let cloud: RamEmulator;
  let t: TestStore;
  let dir: string;
  let bundle: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "ms-fc-grace-"));
    bundle = (await bundleFcHandler(join(dir, "index.js"))).path;
    cloud = await startRamEmulator();
    t = await createTestStore();
  });
  after(async () => {
    await cloud?.stop();
    await t?.[Symbol.asyncDispose]();
    await rm(dir, { recursive: true, force: true });
  });

  it("one timer pass deletes the previous key whose grace ended and leaves the one still inside its grace Active; no failure in the summary", async () => {
    const hooks = { sleep: async () => undefined };
    // The bundle runs on the real clock: rotate one secret 2 h ago (grace over) and one 30 min ago (30 min left).
    const rotatedAgo = async (ms: number) => {
      const { userName, key: k0 } = userWithKey(cloud, "grace-fc");
      const inputs = ramInputs(userName, k0, { previousKeyAction: "delete", previousKeyGracePeriod: "1h", rotationPeriod: "30d" });
      t.clock.advance(-ms);
      try {
        const { id, outs } = await ram.create(inputs, ramContext(t, cloud), hooks);
        await ram.update(id, outs, { ...inputs, rotationTrigger: "1" }, ramContext(t, cloud), hooks);
        return { id, userName, k0, k1: pairOf((await t.store.getValue(id)).value) };
      } finally {
        t.clock.advance(ms);
      }
    };
    const over = await rotatedAgo(2 * HOUR_MS);
    const inside = await rotatedAgo(HOUR_MS / 2);
    const env = {
      ...t.env(),
      MANAGED_SECRETS_LOG_LEVEL: "error",
      ALIBABA_CLOUD_REGION_ID: cloud.settings.regionId,
      MANAGED_SECRETS_ENDPOINT: cloud.settings.endpoint,
      ALIBABA_CLOUD_ACCESS_KEY_ID: cloud.settings.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: cloud.settings.accessKeySecret,
    };

    const out = await run(process.execPath, ["-e", INVOKE, bundle], { env, cwd: dir });
    const { judgedAt: _at, ...summary } = JSON.parse(out.stdout);
    assert.deepEqual([summary.rotated, summary.failed, summary.failedSecrets], [0, 0, []], out.stderr);
    assert.deepEqual(await keysOf(cloud, over.userName), [{ id: over.k1.accessKeyId, status: "Active" }]);
    assert.match(await signsAs(cloud, over.k0), /^rejected:/);
    assert.equal((await t.store.describeSecret(over.id))!.metadata[PENDING_RETIREMENTS], undefined);
    assert.equal(await signsAs(cloud, inside.k0), arnOf(cloud, inside.userName), "30 minutes of grace left: untouched");
    assert.ok((await t.store.describeSecret(inside.id))!.metadata[PENDING_RETIREMENTS]?.startsWith(`${inside.k0.accessKeyId}@`));
  });
});
