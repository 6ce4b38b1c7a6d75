import assert from "node:assert/strict";
import type { Clock } from "../../provider/core/clock";
import {
  MAX_VERSIONS,
  type SecretChange,
  type SecretMeta,
  type SecretStore,
  type VersionStage,
} from "../../provider/store/secret-store";
import { updateInOrder } from "../../provider/store/update-in-order";
import { expectError } from "../support/expect-error";
import { createTestClock, type TestClock } from "../../testkit/clock/test-clock";

/**
 * The behaviour every SecretStore backend must show, written only against the
 * interface so the same suite runs unchanged against the local file store and
 * the KMS store (through the emulator). `make` gets the suite's clock and must
 * make the backend use it for every timestamp and for deletion and lease expiry.
 */
export type MakeStore = (clock: Clock) => Promise<{ store: SecretStore; dispose(): Promise<void> }>;

const DAY = 24 * 60 * 60 * 1000;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/** Shaped like the values the product stores, and distinctive enough to spot in a message. */
const value = (n: number | string) => JSON.stringify({ UserName: "root", Password: `Pw-contract-${n}-q7Zx` });

export function describeStoreContract(label: string, make: MakeStore): void {
  describe(`SecretStore contract: ${label}`, function () {
    let clock: TestClock;
    let store: SecretStore;
    let dispose: (() => Promise<void>) | undefined;

    beforeEach(async function () {
      clock = createTestClock();
      ({ store, dispose } = await make(clock));
    });

    afterEach(async function () {
      await dispose?.();
      dispose = undefined;
    });

    const at = (ms: number) => new Date(ms).getTime();
    const sameInstant = (actual: string | undefined, expectedMs: number, what: string) => {
      assert.ok(actual !== undefined, `${what} is missing`);
      assert.match(actual, ISO_UTC, `${what} is not ISO-8601 UTC`);
      assert.equal(Date.parse(actual), at(expectedMs), `${what}`);
    };
    const stagesOf = (meta: SecretMeta | undefined) => Object.fromEntries((meta?.versions ?? []).map((v) => [v.versionId, [...v.stages].sort()]));

    async function create(name: string, versionId = "v1", n: number | string = 1, metadata: Record<string, string> = { target: "i-1/root" }) {
      return store.createSecret({ name, description: `secret ${name}`, metadata, versionId, value: value(n) });
    }

    describe("createSecret", function () {
      it("stores the first version under ACSCurrent and returns the secret's metadata", async function () {
        const meta = await store.createSecret({
          name: "web-1/root",
          description: "root password of web-1",
          metadata: { instanceId: "i-bp1", managedUser: "root" },
          versionId: "v1",
          value: value(1),
        });
        assert.equal(meta.name, "web-1/root");
        assert.equal(meta.description, "root password of web-1");
        assert.deepEqual(meta.metadata, { instanceId: "i-bp1", managedUser: "root" });
        sameInstant(meta.createdAt, clock.ms(), "createdAt");
        sameInstant(meta.updatedAt, clock.ms(), "updatedAt");
        assert.equal(meta.plannedDeleteAt, undefined);
        assert.equal(meta.versions.length, 1);
        assert.equal(meta.versions[0]?.versionId, "v1");
        assert.deepEqual(meta.versions[0]?.stages, ["ACSCurrent"]);
        sameInstant(meta.versions[0]?.createdAt, clock.ms(), "version createdAt");

        const current = await store.getValue("web-1/root");
        assert.equal(current.value, value(1));
        assert.equal(current.versionId, "v1");
        assert.deepEqual(current.stages, ["ACSCurrent"]);
      });

      it("fails with SecretExists for a name in use and leaves that secret unchanged", async function () {
        await create("db");
        const err = await expectError(create("db", "v9", 9), "SecretExists");
        assert.ok(err.message.includes("db"), "the message names the secret");
        assert.ok(!err.message.includes(value(9)), "the message never carries the value");
        assert.equal((await store.getValue("db")).value, value(1));
        assert.deepEqual(stagesOf(await store.describeSecret("db")), { v1: ["ACSCurrent"] });
      });

      it("fails with SecretPendingDeletion while the name is inside its recovery window", async function () {
        await create("db");
        await store.deleteSecret("db", { recoveryWindowDays: 7 });
        clock.advance(7 * DAY - 1000);
        await expectError(create("db", "v2", 2), "SecretPendingDeletion");
      });

      it("accepts the name again once the recovery window has passed, with none of the old versions", async function () {
        await create("db");
        await store.deleteSecret("db", { recoveryWindowDays: 7 });
        clock.advance(7 * DAY);
        const meta = await create("db", "v2", 2);
        assert.deepEqual(stagesOf(meta), { v2: ["ACSCurrent"] });
        assert.equal((await store.getValue("db")).value, value(2));
        await expectError(store.getValue("db", { versionId: "v1" }), "VersionNotFound");
      });

      it("rejects a malformed name with InvalidInput naming the property", async function () {
        await expectError(create(""), "InvalidInput", { property: "name" });
        await expectError(create("has space"), "InvalidInput", { property: "name" });
        assert.deepEqual(await store.listSecrets({ includePendingDeletion: true }), []);
      });
    });

    describe("describeSecret", function () {
      it("returns undefined for a name that does not exist", async function () {
        assert.equal(await store.describeSecret("nope"), undefined);
      });

      it("describes versions and stages but never carries a value", async function () {
        await create("db");
        await store.putValue("db", { versionId: "v2", value: value(2), stages: ["ACSPending"] });
        const meta = await store.describeSecret("db");
        assert.deepEqual(stagesOf(meta), { v1: ["ACSCurrent"], v2: ["ACSPending"] });
        for (const v of meta?.versions ?? []) assert.ok(!("value" in v), "version info holds no value");
        const text = JSON.stringify(meta);
        assert.ok(!text.includes(value(1)) && !text.includes(value(2)));
      });

      it("shows a secret inside its recovery window with plannedDeleteAt", async function () {
        await create("db");
        await store.deleteSecret("db", { recoveryWindowDays: 10 });
        const meta = await store.describeSecret("db");
        sameInstant(meta?.plannedDeleteAt, clock.ms() + 10 * DAY, "plannedDeleteAt");
        assert.deepEqual(stagesOf(meta), { v1: ["ACSCurrent"] });
      });

      it("returns undefined once the recovery window has passed, purged or not", async function () {
        await create("db");
        await store.deleteSecret("db", { recoveryWindowDays: 7 });
        clock.advance(7 * DAY + 1);
        assert.equal(await store.describeSecret("db"), undefined);
      });
    });

    describe("listSecrets", function () {
      it("lists secrets sorted by name and filters by prefix", async function () {
        await create("b");
        await create("a/2");
        await create("a/1");
        assert.deepEqual((await store.listSecrets()).map((m) => m.name), ["a/1", "a/2", "b"]);
        assert.deepEqual((await store.listSecrets({ prefix: "a/" })).map((m) => m.name), ["a/1", "a/2"]);
        assert.deepEqual(await store.listSecrets({ prefix: "zzz" }), []);
      });

      it("includes secrets pending deletion only when asked, and never purged ones", async function () {
        await create("live");
        await create("pending");
        await create("expiring");
        await store.deleteSecret("pending", { recoveryWindowDays: 30 });
        await store.deleteSecret("expiring", { recoveryWindowDays: 7 });
        assert.deepEqual((await store.listSecrets()).map((m) => m.name), ["live"]);
        const all = await store.listSecrets({ includePendingDeletion: true });
        assert.deepEqual(all.map((m) => m.name), ["expiring", "live", "pending"]);
        sameInstant(all.find((m) => m.name === "pending")?.plannedDeleteAt, clock.ms() + 30 * DAY, "plannedDeleteAt");
        assert.equal(all.find((m) => m.name === "live")?.plannedDeleteAt, undefined);

        clock.advance(7 * DAY);
        assert.deepEqual((await store.listSecrets({ includePendingDeletion: true })).map((m) => m.name), ["live", "pending"]);
      });
    });

    describe("updateSecret", function () {
      it("replaces the description, merges metadata (null removes a key) and moves updatedAt", async function () {
        const created = await create("db", "v1", 1, { a: "1", b: "2" });
        clock.advance(60_000);
        const updated = await store.updateSecret("db", { description: "new words", metadata: { b: null, c: "3", a: "1b" } });
        assert.equal(updated.description, "new words");
        assert.deepEqual(updated.metadata, { a: "1b", c: "3" });
        assert.equal(Date.parse(updated.createdAt), Date.parse(created.createdAt));
        sameInstant(updated.updatedAt, clock.ms(), "updatedAt");
        assert.deepEqual(await store.describeSecret("db"), updated);
        assert.equal((await store.getValue("db")).value, value(1));
      });

      it("keeps the description when only metadata changes", async function () {
        await create("db", "v1", 1, { a: "1" });
        const updated = await store.updateSecret("db", { metadata: { z: "26" } });
        assert.equal(updated.description, "secret db");
        assert.deepEqual(updated.metadata, { a: "1", z: "26" });
      });

      it("fails with SecretNotFound for an unknown name and SecretPendingDeletion inside the window", async function () {
        await expectError(store.updateSecret("nope", { description: "x" }), "SecretNotFound");
        await create("db", "v1", 1, { a: "1" });
        await store.deleteSecret("db", { recoveryWindowDays: 7 });
        await expectError(store.updateSecret("db", { metadata: { a: "2" } }), "SecretPendingDeletion");
        assert.deepEqual((await store.describeSecret("db"))?.metadata, { a: "1" });
      });
    });

    describe("getValue", function () {
      beforeEach(async function () {
        await create("db");
        await store.putValue("db", { versionId: "v2", value: value(2), stages: ["ACSPending"] });
      });

      it("reads ACSCurrent by default, or the version a stage or a versionId selects", async function () {
        assert.equal((await store.getValue("db")).versionId, "v1");
        const pending = await store.getValue("db", { stage: "ACSPending" });
        assert.equal(pending.versionId, "v2");
        assert.equal(pending.value, value(2));
        assert.deepEqual(pending.stages, ["ACSPending"]);
        sameInstant(pending.createdAt, clock.ms(), "createdAt");
        assert.equal((await store.getValue("db", { versionId: "v1" })).value, value(1));
        assert.equal((await store.getValue("db", { versionId: "v2", stage: "ACSPending" })).value, value(2));
      });

      it("fails with VersionNotFound for an absent stage, an unknown version, or a version without the stage", async function () {
        await expectError(store.getValue("db", { stage: "ACSPrevious" }), "VersionNotFound");
        await expectError(store.getValue("db", { versionId: "v404" }), "VersionNotFound");
        await expectError(store.getValue("db", { versionId: "v1", stage: "ACSPending" }), "VersionNotFound");
      });

      it("fails with SecretNotFound for an unknown name", async function () {
        await expectError(store.getValue("nope"), "SecretNotFound");
      });

      it("is refused inside the recovery window and gone after it", async function () {
        await store.deleteSecret("db", { recoveryWindowDays: 7 });
        await expectError(store.getValue("db"), "SecretPendingDeletion");
        await expectError(store.getValue("db", { versionId: "v2" }), "SecretPendingDeletion");
        clock.advance(7 * DAY);
        await expectError(store.getValue("db"), "SecretNotFound");
      });
    });

    describe("putValue", function () {
      it("stores a version under the named stages, moving each stage off the version that held it", async function () {
        await create("db");
        clock.advance(1000);
        await store.putValue("db", { versionId: "v2", value: value(2), stages: ["ACSPending"] });
        assert.deepEqual(stagesOf(await store.describeSecret("db")), { v1: ["ACSCurrent"], v2: ["ACSPending"] });
        sameInstant((await store.describeSecret("db"))?.updatedAt, clock.ms(), "updatedAt");

        await store.putValue("db", { versionId: "v3", value: value(3), stages: ["ACSPending"] });
        assert.deepEqual(stagesOf(await store.describeSecret("db")), { v1: ["ACSCurrent"], v2: [], v3: ["ACSPending"] });

        await store.putValue("db", { versionId: "v4", value: value(4), stages: ["ACSCurrent", "ACSPrevious"] });
        assert.deepEqual(stagesOf(await store.describeSecret("db")), { v1: [], v2: [], v3: ["ACSPending"], v4: ["ACSCurrent", "ACSPrevious"] });
        assert.equal((await store.getValue("db")).value, value(4));
      });

      it("is a no-op for the same versionId and value, leaving stages and updatedAt as they are", async function () {
        await create("db");
        await store.putValue("db", { versionId: "v2", value: value(2), stages: ["ACSPending"] });
        const before = await store.describeSecret("db");
        clock.advance(60_000);
        await store.putValue("db", { versionId: "v2", value: value(2), stages: ["ACSCurrent"] });
        await store.putValue("db", { versionId: "v1", value: value(1), stages: ["ACSPending"] });
        assert.deepEqual(await store.describeSecret("db"), before);
        assert.equal((await store.getValue("db")).versionId, "v1");
      });

      it("fails with InvalidInput naming versionId for the same versionId with another value, and never echoes a value", async function () {
        await create("db");
        const err = await expectError(store.putValue("db", { versionId: "v1", value: value("other"), stages: ["ACSCurrent"] }), "InvalidInput", {
          property: "versionId",
        });
        assert.ok(err.message.includes("v1"), "the message names the version");
        assert.ok(!err.message.includes(value("other")) && !err.message.includes(value(1)), "no value in the message");
        assert.ok(!err.message.includes("Pw-contract"), "no value fragment in the message");
        assert.equal((await store.getValue("db")).value, value(1));
      });

      it(`prunes the oldest unstaged versions to stay within ${MAX_VERSIONS}, never a staged one`, async function () {
        await create("db", "v0", 0);
        if (store.kind === "kms") {
          // KMS rolls out the earliest version whatever its stages: the store refuses the put that would take ACSCurrent.
          for (let i = 1; i < MAX_VERSIONS; i++) await store.putValue("db", { versionId: `v${i}`, value: value(i), stages: ["ACSPending"] });
          await expectError(store.putValue("db", { versionId: `v${MAX_VERSIONS}`, value: value(MAX_VERSIONS), stages: ["ACSPending"] }), "StoreRejected", {
            message: /the earliest, "v0" \(ACSCurrent\), would be rolled out by another put; nothing was written/,
          });
          assert.equal((await store.getValue("db")).versionId, "v0");
          assert.equal((await store.getValue("db", { stage: "ACSPending" })).versionId, `v${MAX_VERSIONS - 1}`);
          await store.putValue("db", { versionId: `v${MAX_VERSIONS - 1}`, value: value(MAX_VERSIONS - 1), stages: ["ACSPending"] });
          return;
        }
        for (let i = 1; i <= MAX_VERSIONS + 2; i++) {
          // Each new version takes ACSPending, leaving the one before it unstaged; v5 keeps ACSPrevious instead.
          await store.putValue("db", { versionId: `v${i}`, value: value(i), stages: i === 5 ? ["ACSPrevious"] : ["ACSPending"] });
        }
        const meta = await store.describeSecret("db");
        const ids = meta?.versions.map((v) => v.versionId).sort() ?? [];
        assert.equal(ids.length, MAX_VERSIONS);
        // v0 is the oldest but holds ACSCurrent, v5 holds ACSPrevious: v1, v2 and v3 go instead.
        assert.deepEqual(ids, ["v0", "v10", "v11", "v12", "v4", "v5", "v6", "v7", "v8", "v9"]);
        assert.equal((await store.getValue("db")).versionId, "v0");
        assert.equal((await store.getValue("db", { stage: "ACSPrevious" })).versionId, "v5");
        assert.equal((await store.getValue("db", { stage: "ACSPending" })).versionId, `v${MAX_VERSIONS + 2}`);
        await expectError(store.getValue("db", { versionId: "v1" }), "VersionNotFound");
      });

      it("rejects an unknown stage with InvalidInput naming stages", async function () {
        await create("db");
        await expectError(
          store.putValue("db", { versionId: "v2", value: value(2), stages: ["ACSLatest" as VersionStage] }),
          "InvalidInput",
          { property: "stages" },
        );
        await expectError(store.getValue("db", { versionId: "v2" }), "VersionNotFound");
      });

      it("fails with SecretNotFound for an unknown name and SecretPendingDeletion inside the window", async function () {
        await expectError(store.putValue("nope", { versionId: "v1", value: value(1), stages: ["ACSCurrent"] }), "SecretNotFound");
        await create("db");
        await store.deleteSecret("db", { recoveryWindowDays: 7 });
        await expectError(store.putValue("db", { versionId: "v2", value: value(2), stages: ["ACSPending"] }), "SecretPendingDeletion");
        await store.restoreSecret("db");
        assert.deepEqual(stagesOf(await store.describeSecret("db")), { v1: ["ACSCurrent"] });
      });
    });

    describe("updateVersionStage", function () {
      beforeEach(async function () {
        await create("db");
        await store.putValue("db", { versionId: "v2", value: value(2), stages: ["ACSPending"] });
      });

      it("runs the rotation's finish step: ACSCurrent to the new version, ACSPrevious to the old, ACSPending dropped", async function () {
        clock.advance(1000);
        await store.updateVersionStage("db", { stage: "ACSCurrent", moveToVersionId: "v2", removeFromVersionId: "v1" });
        await store.updateVersionStage("db", { stage: "ACSPrevious", moveToVersionId: "v1" });
        await store.updateVersionStage("db", { stage: "ACSPending", removeFromVersionId: "v2" });
        const meta = await store.describeSecret("db");
        assert.deepEqual(stagesOf(meta), { v1: ["ACSPrevious"], v2: ["ACSCurrent"] });
        sameInstant(meta?.updatedAt, clock.ms(), "updatedAt");
        assert.equal((await store.getValue("db")).value, value(2));
        assert.equal((await store.getValue("db", { stage: "ACSPrevious" })).value, value(1));

        // The next rotation moves ACSPrevious along; it is never on two versions.
        await store.putValue("db", { versionId: "v3", value: value(3), stages: ["ACSPending"] });
        await store.updateVersionStage("db", { stage: "ACSCurrent", moveToVersionId: "v3", removeFromVersionId: "v2" });
        await store.updateVersionStage("db", { stage: "ACSPrevious", moveToVersionId: "v2", removeFromVersionId: "v1" });
        await store.updateVersionStage("db", { stage: "ACSPending", removeFromVersionId: "v3" });
        assert.deepEqual(stagesOf(await store.describeSecret("db")), { v1: [], v2: ["ACSPrevious"], v3: ["ACSCurrent"] });
      });

      it("refuses to move an attached stage without removeFromVersionId (InvalidInput) and changes nothing", async function () {
        await expectError(store.updateVersionStage("db", { stage: "ACSCurrent", moveToVersionId: "v2" }), "InvalidInput", {
          property: "removeFromVersionId",
        });
        assert.deepEqual(stagesOf(await store.describeSecret("db")), { v1: ["ACSCurrent"], v2: ["ACSPending"] });
      });

      it("refuses a removeFromVersionId that does not hold the stage (InvalidInput) and changes nothing", async function () {
        await expectError(
          store.updateVersionStage("db", { stage: "ACSCurrent", moveToVersionId: "v2", removeFromVersionId: "v2" }),
          "InvalidInput",
          { property: "removeFromVersionId" },
        );
        await expectError(store.updateVersionStage("db", { stage: "ACSPrevious", moveToVersionId: "v2", removeFromVersionId: "v1" }), "InvalidInput", {
          property: "removeFromVersionId",
        });
        assert.deepEqual(stagesOf(await store.describeSecret("db")), { v1: ["ACSCurrent"], v2: ["ACSPending"] });
      });

      it("treats moving a stage to the version that already holds it as a no-op", async function () {
        await store.updateVersionStage("db", { stage: "ACSCurrent", moveToVersionId: "v1" });
        await store.updateVersionStage("db", { stage: "ACSCurrent", moveToVersionId: "v1", removeFromVersionId: "v1" });
        assert.deepEqual(stagesOf(await store.describeSecret("db")), { v1: ["ACSCurrent"], v2: ["ACSPending"] });
      });

      it("removes ACSPending, but ACSCurrent and ACSPrevious can only be moved (InvalidInput)", async function () {
        await store.updateVersionStage("db", { stage: "ACSPrevious", moveToVersionId: "v2" });
        await expectError(store.updateVersionStage("db", { stage: "ACSCurrent", removeFromVersionId: "v1" }), "InvalidInput", {
          property: "moveToVersionId",
        });
        await expectError(store.updateVersionStage("db", { stage: "ACSPrevious", removeFromVersionId: "v2" }), "InvalidInput", {
          property: "moveToVersionId",
        });
        await store.updateVersionStage("db", { stage: "ACSPending", removeFromVersionId: "v2" });
        assert.deepEqual(stagesOf(await store.describeSecret("db")), { v1: ["ACSCurrent"], v2: ["ACSPrevious"] });
      });

      it("fails with VersionNotFound for an unknown version and InvalidInput when no version is named", async function () {
        await expectError(store.updateVersionStage("db", { stage: "ACSPending", moveToVersionId: "v404", removeFromVersionId: "v2" }), "VersionNotFound");
        await expectError(store.updateVersionStage("db", { stage: "ACSPending", removeFromVersionId: "v404" }), "VersionNotFound");
        await expectError(store.updateVersionStage("db", { stage: "ACSPending" }), "InvalidInput");
        await expectError(store.updateVersionStage("db", { stage: "Bogus" as VersionStage, moveToVersionId: "v1" }), "InvalidInput", {
          property: "stage",
        });
        assert.deepEqual(stagesOf(await store.describeSecret("db")), { v1: ["ACSCurrent"], v2: ["ACSPending"] });
      });

      it("fails with SecretNotFound for an unknown name and SecretPendingDeletion inside the window", async function () {
        await expectError(store.updateVersionStage("nope", { stage: "ACSPending", moveToVersionId: "v1" }), "SecretNotFound");
        await store.deleteSecret("db", { recoveryWindowDays: 7 });
        await expectError(
          store.updateVersionStage("db", { stage: "ACSCurrent", moveToVersionId: "v2", removeFromVersionId: "v1" }),
          "SecretPendingDeletion",
        );
        assert.deepEqual(stagesOf(await store.describeSecret("db")), { v1: ["ACSCurrent"], v2: ["ACSPending"] });
      });
    });

    describe("updateInOrder (updateAtOnce where the store has it)", function () {
      beforeEach(async function () {
        await create("db");
        await store.putValue("db", { versionId: "v2", value: value(2), stages: ["ACSPending"] });
      });

      const finishV2: SecretChange[] = [
        { stage: { stage: "ACSPrevious", moveToVersionId: "v1" } },
        { stage: { stage: "ACSCurrent", moveToVersionId: "v2", removeFromVersionId: "v1" } },
        { metadata: { lastRotatedAt: "2026-12-07T00:00:00.000Z", target: null } },
        { stage: { stage: "ACSPending", removeFromVersionId: "v2" } },
      ];

      it("makes the changes in order, each as its own call would", async function () {
        clock.advance(1000);
        await updateInOrder(store, "db", finishV2);
        const meta = await store.describeSecret("db");
        assert.deepEqual(stagesOf(meta), { v1: ["ACSPrevious"], v2: ["ACSCurrent"] });
        assert.deepEqual(meta?.metadata, { lastRotatedAt: "2026-12-07T00:00:00.000Z" });
        sameInstant(meta?.updatedAt, clock.ms(), "updatedAt");
        assert.equal((await store.getValue("db")).value, value(2));
      });

      it("refuses a bad change before any is made (InvalidInput naming the property)", async function () {
        await expectError(updateInOrder(store, "db", [finishV2[0]!, { stage: { stage: "ACSCurrent" } }]), "InvalidInput", { property: "moveToVersionId" });
        await expectError(updateInOrder(store, "db", [finishV2[0]!, { metadata: { target: 42 as unknown as string } }]), "InvalidInput", { property: "metadata.target" });
        assert.deepEqual(stagesOf(await store.describeSecret("db")), { v1: ["ACSCurrent"], v2: ["ACSPending"] });
      });

      it("a change the secret refuses stops the rest; in one write (updateAtOnce) none of them lands", async function () {
        const changes: SecretChange[] = [finishV2[0]!, { stage: { stage: "ACSCurrent", moveToVersionId: "v404", removeFromVersionId: "v1" } }, finishV2[3]!];
        await expectError(updateInOrder(store, "db", changes), "VersionNotFound");
        const expected = store.updateAtOnce !== undefined ? { v1: ["ACSCurrent"], v2: ["ACSPending"] } : { v1: ["ACSCurrent", "ACSPrevious"], v2: ["ACSPending"] };
        assert.deepEqual(stagesOf(await store.describeSecret("db")), expected);
      });
    });

    describe("deleteSecret", function () {
      it("schedules deletion at now + recoveryWindowDays, for any whole day count from 7 to 30", async function () {
        await create("short");
        await create("long");
        const short = await store.deleteSecret("short", { recoveryWindowDays: 7 });
        const long = await store.deleteSecret("long", { recoveryWindowDays: 30 });
        sameInstant(short.plannedDeleteAt, clock.ms() + 7 * DAY, "plannedDeleteAt (7 days)");
        sameInstant(long.plannedDeleteAt, clock.ms() + 30 * DAY, "plannedDeleteAt (30 days)");
        sameInstant((await store.describeSecret("short"))?.plannedDeleteAt, clock.ms() + 7 * DAY, "described plannedDeleteAt");
      });

      it("rejects a window outside 7..30 days with InvalidInput naming recoveryWindowDays and the range", async function () {
        await create("db");
        for (const days of [6, 31, 0, -7, 7.5, Number.NaN]) {
          const err = await expectError(store.deleteSecret("db", { recoveryWindowDays: days }), "InvalidInput", { property: "recoveryWindowDays" });
          assert.match(err.message, /recoveryWindowDays/);
          assert.match(err.message, /\b7\b.*\b30\b/);
        }
        assert.equal((await store.describeSecret("db"))?.plannedDeleteAt, undefined);
        assert.equal((await store.getValue("db")).value, value(1));
      });

      it("with force removes the secret at once: no window, no restore, the name is free", async function () {
        await create("db");
        const result = await store.deleteSecret("db", { force: true });
        assert.equal(result.plannedDeleteAt, undefined);
        assert.equal(await store.describeSecret("db"), undefined);
        await expectError(store.getValue("db"), "SecretNotFound");
        await expectError(store.restoreSecret("db"), "SecretNotFound");
        await create("db", "v2", 2);
        assert.equal((await store.getValue("db")).versionId, "v2");
      });

      it("with force also removes a secret inside its recovery window", async function () {
        await create("db");
        await store.deleteSecret("db", { recoveryWindowDays: 7 });
        await store.deleteSecret("db", { force: true });
        assert.equal(await store.describeSecret("db"), undefined);
        assert.deepEqual(await store.listSecrets({ includePendingDeletion: true }), []);
      });

      it("fails with SecretNotFound for an unknown name and SecretPendingDeletion when already scheduled", async function () {
        await expectError(store.deleteSecret("nope", { recoveryWindowDays: 7 }), "SecretNotFound");
        await expectError(store.deleteSecret("nope", { force: true }), "SecretNotFound");
        await create("db");
        const first = await store.deleteSecret("db", { recoveryWindowDays: 7 });
        clock.advance(DAY);
        await expectError(store.deleteSecret("db", { recoveryWindowDays: 30 }), "SecretPendingDeletion");
        assert.equal((await store.describeSecret("db"))?.plannedDeleteAt, first.plannedDeleteAt);
      });
    });

    describe("restoreSecret", function () {
      it("inside the window clears plannedDeleteAt and makes every version usable again", async function () {
        await create("db");
        await store.putValue("db", { versionId: "v2", value: value(2), stages: ["ACSPending"] });
        await store.deleteSecret("db", { recoveryWindowDays: 7 });
        clock.advance(7 * DAY - 1000);
        const restored = await store.restoreSecret("db");
        assert.equal(restored.plannedDeleteAt, undefined);
        assert.deepEqual(stagesOf(restored), { v1: ["ACSCurrent"], v2: ["ACSPending"] });
        assert.equal((await store.getValue("db")).value, value(1));
        clock.advance(30 * DAY);
        assert.equal((await store.getValue("db", { stage: "ACSPending" })).value, value(2));
      });

      it("fails with SecretNotFound once the window has passed", async function () {
        await create("db");
        await store.deleteSecret("db", { recoveryWindowDays: 7 });
        clock.advance(7 * DAY);
        await expectError(store.restoreSecret("db"), "SecretNotFound");
        assert.equal(await store.describeSecret("db"), undefined);
      });

      it("leaves a secret that is not scheduled for deletion as it is, and fails with SecretNotFound for an unknown name", async function () {
        const created = await create("db");
        const restored = await store.restoreSecret("db");
        assert.deepEqual(restored, created);
        await expectError(store.restoreSecret("nope"), "SecretNotFound");
      });
    });

    describe("purgeExpired", function () {
      it("removes exactly the secrets whose window has passed and reports only those", async function () {
        await create("gone");
        await create("waiting");
        await create("live");
        await store.deleteSecret("gone", { recoveryWindowDays: 7 });
        await store.deleteSecret("waiting", { recoveryWindowDays: 30 });
        clock.advance(8 * DAY);
        const purged = await store.purgeExpired();
        // A backend whose service purges on its own may already have removed it: then it reports nothing.
        for (const name of purged) assert.equal(name, "gone");
        assert.deepEqual(await store.purgeExpired(), []);
        assert.equal(await store.describeSecret("gone"), undefined);
        sameInstant((await store.describeSecret("waiting"))?.plannedDeleteAt, clock.ms() - 8 * DAY + 30 * DAY, "plannedDeleteAt");
        assert.equal((await store.getValue("live")).value, value(1));
        assert.deepEqual((await store.listSecrets({ includePendingDeletion: true })).map((m) => m.name), ["live", "waiting"]);
      });

      it("returns an empty list when nothing has expired", async function () {
        await create("db");
        await store.deleteSecret("db", { recoveryWindowDays: 7 });
        assert.deepEqual(await store.purgeExpired(), []);
        assert.ok((await store.describeSecret("db"))?.plannedDeleteAt);
      });
    });

    describe("leases", function () {
      beforeEach(async function () {
        await create("db");
        await create("other");
      });

      it("grants a free lease, refuses another owner, and lets the holder re-acquire", async function () {
        assert.equal(await store.acquireLease("db", "runner", 60_000), true);
        assert.equal(await store.acquireLease("db", "pulumi-up", 60_000), false);
        assert.equal(await store.acquireLease("db", "runner", 60_000), true);
        assert.equal(await store.acquireLease("other", "pulumi-up", 60_000), true, "leases are per secret");
      });

      it("renewal extends the lease from the time of renewal", async function () {
        assert.equal(await store.acquireLease("db", "runner", 10_000), true);
        clock.advance(8_000);
        assert.equal(await store.acquireLease("db", "runner", 10_000), true);
        clock.advance(8_000);
        assert.equal(await store.acquireLease("db", "pulumi-up", 10_000), false, "still held: renewed 8s ago for 10s");
        clock.advance(2_000);
        assert.equal(await store.acquireLease("db", "pulumi-up", 10_000), true, "expired exactly 10s after renewal");
      });

      it("lets another owner take an expired lease, after which the old owner is refused", async function () {
        assert.equal(await store.acquireLease("db", "runner", 5_000), true);
        clock.advance(5_001);
        assert.equal(await store.acquireLease("db", "pulumi-up", 5_000), true);
        assert.equal(await store.acquireLease("db", "runner", 5_000), false);
      });

      it("releases only the owner's lease", async function () {
        assert.equal(await store.acquireLease("db", "runner", 60_000), true);
        await store.releaseLease("db", "pulumi-up");
        assert.equal(await store.acquireLease("db", "pulumi-up", 60_000), false, "a non-owner's release changes nothing");
        await store.releaseLease("db", "runner");
        assert.equal(await store.acquireLease("db", "pulumi-up", 60_000), true);
      });

      it("releasing never fails, even for a secret that is gone", async function () {
        assert.equal(await store.acquireLease("db", "runner", 60_000), true);
        await store.deleteSecret("db", { force: true });
        await store.releaseLease("db", "runner");
        await store.releaseLease("nope", "runner");
      });

      it("refuses a lease on an unknown secret, a secret pending deletion, or with a bad ttl", async function () {
        await expectError(store.acquireLease("nope", "runner", 60_000), "SecretNotFound");
        await expectError(store.acquireLease("db", "runner", 0), "InvalidInput", { property: "ttlMs" });
        await expectError(store.acquireLease("db", "runner", Number.NaN), "InvalidInput", { property: "ttlMs" });
        await expectError(store.acquireLease("db", "", 60_000), "InvalidInput", { property: "owner" });
        await store.deleteSecret("db", { recoveryWindowDays: 7 });
        await expectError(store.acquireLease("db", "runner", 60_000), "SecretPendingDeletion");
      });

      it("does not touch the secret's metadata or updatedAt", async function () {
        const before = await store.describeSecret("db");
        clock.advance(1000);
        await store.acquireLease("db", "runner", 60_000);
        await store.releaseLease("db", "runner");
        assert.deepEqual(await store.describeSecret("db"), before);
      });
    });
  });
}
