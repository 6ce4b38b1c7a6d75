import { targetRegistry } from "../../provider/context/runtime-context";
import { strict as assert } from "node:assert";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../provider/cli/program";
import { LocalSecretStore } from "../../provider/store/local/local-store";
import { createLogger } from "../../provider/core/log";
import { Writable } from "node:stream";

/** A wrong store path must not pass CI as "all 0 secrets healthy". */
describe("CLI check and run against a local store file that does not exist", function () {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "ms-missing-store-"));
    path = join(dir, "no-such-dir", "store.enc");
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  function cli(args: string[]) {
    let out = "";
    let err = "";
    const store = new LocalSecretStore({ path, passphrase: "a passphrase" });
    const quiet = createLogger({ destination: new Writable({ write: (_c, _e, cb) => cb() }) });
    const io = {
      out: { write: (s: string) => void (out += s) },
      err: { write: (s: string) => void (err += s) },
      context: () => ({ store, clock: () => new Date(), targets: targetRegistry(), owner: "t", cloud: () => { throw new Error("no cloud in this test"); } }),
      runner: { logger: quiet },
    };
    return runCli(args, io).then((code) => ({ code, out, err }));
  }

  for (const args of [["check"], ["check", "--no-probe", "--json"], ["run", "--once"], ["run", "--dry-run"]]) {
    it(`${args.join(" ")} fails with StoreConfig naming the path and the flag, and creates nothing`, async () => {
      const { code, out, err } = await cli(args);
      assert.notEqual(code, 0, out);
      assert.doesNotMatch(out, /healthy/);
      assert.match(err, /StoreConfig: .*does not exist/);
      assert.ok(err.includes(path), err);
      assert.match(err, /--allow-missing-store/);
      await assert.rejects(stat(path), { code: "ENOENT" });
    });
  }

  it("--allow-missing-store says the store is empty and exits 0 (a first run before anything was declared)", async () => {
    const checked = await cli(["check", "--allow-missing-store"]);
    assert.equal(checked.code, 0, checked.err);
    assert.match(checked.out, /all 0 secrets healthy/);
    const ran = await cli(["run", "--once", "--allow-missing-store"]);
    assert.equal(ran.code, 0, ran.err);
    await assert.rejects(stat(path), { code: "ENOENT" });
  });
});
