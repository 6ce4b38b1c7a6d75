import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFile, mkdtemp, open, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalSecretStore } from "../../provider/store/local/local-store";
import { forgetLogViews } from "../../provider/store/local/store-log-view";
import { expectError } from "../support/expect-error";

const PASSPHRASE = "sparse hole passphrase";
const V1_FIXTURE = join(__dirname, "fixtures", "store-v1-release-0.1.0.enc");

/**
 * Issue 24, item 7: a huge sparse hole appended to the store file (`truncate
 * -s +100G`: no disk space, but a file size no buffer can hold). Every read
 * stays bounded, and what cannot be used is refused with a clear error,
 * never a raw RangeError, and never overwritten.
 */
describe("LocalSecretStore: a store file with a huge sparse hole appended", function () {
  let dir: string;
  let path: string;
  const store = () => new LocalSecretStore({ path, passphrase: PASSPHRASE });
  const appendHole = () => execFileSync("truncate", ["-s", "+100G", path]);

  beforeEach(async function () {
    dir = await mkdtemp(join(tmpdir(), "ms-sparse-"));
    path = join(dir, "store.enc");
  });

  afterEach(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  it("writers fail with StoreWriteFailed naming the file and the stray bytes, readers still read every commit, and the file is left as it is", async function () {
    await store().createSecret({ name: "db", description: "", metadata: {}, versionId: "v1", value: "password 1" });
    await store().putValue("db", { versionId: "v2", value: "password 2", stages: ["ACSCurrent"] });
    const committed = (await stat(path)).size;
    appendHole();
    const holed = (await stat(path)).size;

    for (const fresh of [false, true]) {
      // Also as a process that opens the file now, with nothing of it read before.
      if (fresh) forgetLogViews();
      const writer = store();
      const err = await expectError(writer.putValue("db", { versionId: "v3", value: "password 3", stages: ["ACSCurrent"] }), "StoreWriteFailed");
      assert.ok(err.message.includes(path), err.message);
      assert.match(err.message, new RegExp(`${holed - committed} bytes after its last commit`), err.message);
      assert.match(err.message, new RegExp(`truncate -s ${committed} `), "says how to cut the stray bytes off");
      await expectError(writer.createSecret({ name: "other", description: "", metadata: {}, versionId: "v1", value: "x" }), "StoreWriteFailed");
      assert.equal((await writer.getValue("db")).value, "password 2", "readers read every commit");
      assert.equal((await stat(path)).size, holed, "nothing was written or cut");
    }

    // What the message says to do: cut the file at its last commit. Then writes go on.
    execFileSync("truncate", ["-s", String(committed), path]);
    await store().putValue("db", { versionId: "v3", value: "password 3", stages: ["ACSCurrent"] });
    forgetLogViews();
    assert.equal((await store().getValue("db")).value, "password 3");
  });

  it("a format-1 file with a hole appended is refused with StoreUnreadable saying it is larger than such a file can be, and left as it is", async function () {
    await copyFile(V1_FIXTURE, path);
    appendHole();
    const before = (await stat(path)).size;
    for (const call of [() => store().listSecrets(), () => store().createSecret({ name: "x", description: "", metadata: {}, versionId: "v1", value: "x" })]) {
      const err = await expectError(call(), "StoreUnreadable");
      assert.ok(err.message.includes(path), err.message);
      assert.match(err.message, /larger than a format-1 store file can be/, err.message);
    }
    assert.equal((await stat(path)).size, before);
    const fixture = await readFile(V1_FIXTURE);
    const handle = await open(path, "r");
    try {
      const { buffer } = await handle.read(Buffer.alloc(fixture.length), 0, fixture.length, 0);
      assert.deepEqual(buffer, fixture, "the file is as it was");
    } finally {
      await handle.close();
    }
  });
});
