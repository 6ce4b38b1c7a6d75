import { strict as assert } from "node:assert";
import { createTestStore } from "../../testkit/store/test-store";
import { LocalSecretStore } from "../../provider/store/local/local-store";
import type { ManagedSecretsError } from "../../provider/core/errors";

describe("LocalSecretStore group commit (concurrent changes in one process)", () => {
  it("commits every change that succeeds, rejects only the one that fails, and leaves no trace of it", async () => {
    await using t = await createTestStore();
    const store = t.store as LocalSecretStore;
    await store.createSecret({ name: "s", description: "", metadata: {}, versionId: "v1", value: "one" });
    await store.putValue("s", { versionId: "v2", value: "two", stages: [] });

    const writes = Array.from({ length: 20 }, (_, i) => store.updateSecret("s", { metadata: { [`k${i}`]: String(i) } }));
    const conflicting = store.putValue("s", { versionId: "v2", value: "not two", stages: ["ACSCurrent"] });
    const staged = store.updateVersionStage("s", { stage: "ACSPending", moveToVersionId: "v2" });
    const results = await Promise.allSettled([...writes, conflicting, staged]);

    assert.equal(results.filter((r) => r.status === "fulfilled").length, 21);
    const failed = results[20]!;
    assert.equal(failed.status, "rejected");
    assert.equal(((failed as PromiseRejectedResult).reason as ManagedSecretsError).code, "InvalidInput");

    // A second store object on the same file reads from disk, not from the first one's cache.
    const other = new LocalSecretStore({ path: t.path, passphrase: t.passphrase });
    const meta = (await other.describeSecret("s"))!;
    assert.deepEqual(Object.keys(meta.metadata).sort(), Array.from({ length: 20 }, (_, i) => `k${i}`).sort());
    assert.deepEqual((await other.getValue("s")).value, "one", "the failed put moved no stage");
    assert.deepEqual((await other.getValue("s", { stage: "ACSPending" })).versionId, "v2");
    assert.equal((await other.getValue("s", { versionId: "v2" })).value, "two");
  });

  it("sees another process's (another store object's) write even when its own cache is warm", async () => {
    await using t = await createTestStore();
    const a = t.store as LocalSecretStore;
    const b = new LocalSecretStore({ path: t.path, passphrase: t.passphrase });
    await a.createSecret({ name: "x", description: "", metadata: {}, versionId: "v1", value: "a" });
    assert.equal((await a.getValue("x")).value, "a");
    await b.putValue("x", { versionId: "v2", value: "b", stages: ["ACSCurrent"] });
    assert.equal((await a.getValue("x")).value, "b");
    await a.updateSecret("x", { description: "from a" });
    assert.equal((await b.describeSecret("x"))!.description, "from a");
    assert.equal((await b.getValue("x")).value, "b", "a's write was made on top of b's, not on its stale cache");
  });
});
