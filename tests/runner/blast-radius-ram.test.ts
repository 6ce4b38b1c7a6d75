import { strict as assert } from "node:assert";
import { Writable } from "node:stream";
import * as $Ram from "@alicloud/ram20150501";
import { createTestStore, type TestStore } from "../../testkit/store/test-store";
import * as ram from "../../provider/resources/ram-secret/ram-secret-handler";
import { runCli } from "../../provider/cli/program";
import { createLogger } from "../../provider/core/log";
import { MAX_JITTER_MS } from "../../provider/schedule/due";
import { ramClient } from "../../testkit/emulator/sdk-clients";
import type { EmulatorHandle } from "../../emulator";

const DAY_MS = 86_400_000;
const USERS = ["app-a", "app-b", "app-c"] as const;

/** RAM secrets on the emulator's KMS, rotated through the CLI: a failing canary leaves every other RAM user's keys as they were. */
describe("Blast radius on the emulator (RAM secrets, kms store, real SDK clients)", function () {
  let t: TestStore;
  let emu: EmulatorHandle;

  before(async () => {
    t = await createTestStore({ backend: "kms" });
    const cloud = t.cloud!;
    emu = { endpoint: cloud.endpoint!, regionId: cloud.regionId, accessKeyId: cloud.accessKeyId!, accessKeySecret: cloud.accessKeySecret! } as EmulatorHandle;
    const control = (path: string, body: unknown) =>
      fetch(`http://${cloud.endpoint}/__emulator${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<Record<string, string>>);
    for (const user of USERS) {
      await control("/users", { name: user });
      const key = await control("/access-keys", { userName: user });
      await ram.create({ userName: user, secretName: `ram/${user}`, initialAccessKeyId: key.accessKeyId, initialAccessKeySecret: key.accessKeySecret, rotationPeriod: "7d" }, t.context());
    }
  });
  after(async () => t?.[Symbol.asyncDispose]());

  const keysOf = async (userName: string) =>
    ((await ramClient(emu).listAccessKeys(new $Ram.ListAccessKeysRequest({ userName }))).body?.accessKeys?.accessKey ?? []).map((k) => `${k.accessKeyId}:${k.status}`).sort();

  it("--canary 1: the first RAM secret fails (its target no longer authenticates), and no other user's keys change", async () => {
    t.clock.advance(8 * DAY_MS + MAX_JITTER_MS);
    // A tag changed outside the product: the kms store refuses to rotate toward it (TargetUnverified), before any RAM call.
    await t.store.updateSecret("ram/app-a", { metadata: { userName: "app-z" } });
    const before = { b: await keysOf("app-b"), c: await keysOf("app-c") };
    let out = "";
    const quiet = createLogger({ destination: new Writable({ write: (_c, _e, cb) => cb() }) });
    const code = await runCli(["run", "--canary", "1", "--json"], { out: { write: (s) => void (out += s) }, err: { write: () => {} }, context: () => t.context("cli"), runner: { logger: quiet } });
    assert.equal(code, 3, out);
    const report = JSON.parse(out) as { stoppedEarly: string; outcomes: { name: string; status: string; errorCode?: string }[] };
    assert.equal(report.outcomes[0]!.errorCode, "TargetUnverified");
    assert.deepEqual(report.outcomes.map((o) => [o.name, o.status]), [["ram/app-a", "failed"], ["ram/app-b", "not-attempted"], ["ram/app-c", "not-attempted"]]);
    assert.match(report.stoppedEarly, /canary ram\/app-a failed/);
    assert.deepEqual({ b: await keysOf("app-b"), c: await keysOf("app-c") }, before, "the service shows no change for the others");
    for (const user of ["app-b", "app-c"]) assert.equal((await t.store.describeSecret(`ram/${user}`))!.versions.length, 1);
  });
});
