import { strict as assert } from "node:assert";
import { startSshHost, requireRootForHosts, type StartedSshHost } from "../../testkit/sshd/ssh-host";
import { createTestStore, type TestStore } from "../../testkit/store/test-store";
import { startRamEmulator, type RamEmulator } from "../support/ram-fixtures";
import * as ecs from "../../provider/resources/ecs-secret/ecs-secret-handler";
import * as ramSecret from "../../provider/resources/ram-secret/ram-secret-handler";
import { rotateSecret } from "../../provider/rotation/rotate-secret";
import type { RuntimeContext } from "../../provider/context/runtime-context";
import { targetFromMetadata } from "../../provider/context/runtime-context";
import { isManagedSecretsError } from "../../provider/core/errors";
import { generateKeyPair } from "../../provider/credentials/generate-key-pair";

/**
 * Whoever can change a secret's stored metadata (KMS tags: kms:TagResource)
 * must not choose what runs on a host. Each attack writes hostile target
 * metadata straight into the store, as a tag writer would (the local store
 * stands in for a kms store whose binding the attacker got past), then does
 * what an operator's routine command does with it: `check` probes, `rotate`
 * rotates. The store must refuse the metadata before anything is sent, and
 * the host must show that no command of the attacker's ran.
 */
const HOSTILE_USERS = [
  "nobody$(touch /root/x)",
  "alice;touch /root/y;#",
  "alice`touch /root/z`",
  "alice\nroot",
  "alice' ; touch /root/q ; '",
  "-alice",
];
const MARKERS = ["/root/x", "/root/y", "/root/z", "/root/q"];

describe("attack: hostile target metadata read back from the store", function () {
  let host: StartedSshHost;
  let ram: RamEmulator;
  let t: TestStore;
  let ctx: RuntimeContext;
  const instanceId = "i-hostilemeta1";
  let aliceKey: { privateKey: string; publicKey: string };
  const savedPoll = process.env.MANAGED_SECRETS_CLOUD_ASSISTANT_POLL_MS;

  before(async function () {
    requireRootForHosts();
    process.env.MANAGED_SECRETS_CLOUD_ASSISTANT_POLL_MS = "50";
    aliceKey = await generateKeyPair("ed25519");
    host = await startSshHost({ users: [{ name: "alice", password: "alice-Initial-1", authorizedKeys: [aliceKey.publicKey] }] });
    ram = await startRamEmulator();
    ram.emu.control.registerInstance({ instanceId, privateIp: host.host, nsPid: host.nsPid });
  });
  after(async () => {
    if (savedPoll === undefined) delete process.env.MANAGED_SECRETS_CLOUD_ASSISTANT_POLL_MS;
    else process.env.MANAGED_SECRETS_CLOUD_ASSISTANT_POLL_MS = savedPoll;
    await ram?.stop();
    await host?.stop();
  });
  beforeEach(async () => {
    t = await createTestStore();
    ctx = { ...t.context(), cloud: () => ram.settings };
  });
  afterEach(async () => {
    await t[Symbol.asyncDispose]();
  });

  async function markersLeft(): Promise<string[]> {
    const found = await host.exec(`for f in ${MARKERS.join(" ")}; do [ -e "$f" ] && echo "$f"; done; true`);
    return found.stdout.split("\n").filter(Boolean);
  }

  async function expectRefused(work: () => Promise<unknown>, key: string): Promise<void> {
    await assert.rejects(work, (e: unknown) => {
      assert.ok(isManagedSecretsError(e, "StoreUnreadable"), `expected StoreUnreadable, got ${String(e)}`);
      assert.match((e as Error).message, new RegExp(key));
      return true;
    });
  }

  for (const credentialType of ["password", "keyPair"] as const) {
    for (const hostile of HOSTILE_USERS) {
      it(`Cloud Assistant ${credentialType}: managedUser ${JSON.stringify(hostile)} is refused before anything runs`, async function () {
        const initialValue = credentialType === "password" ? "alice-Initial-1" : aliceKey.privateKey;
        const { id } = await ecs.create(
          { instanceId, managedUser: "alice", credentialType, initialValue, connection: { transport: "cloudAssistant", region: ram.emu.regionId } },
          ctx,
        );
        await t.store.updateSecret(id, { metadata: { managedUser: hostile } });
        const meta = (await t.store.describeSecret(id))!;
        const before = ram.emu.control.invocationRecords().length;
        // What `managed-secrets check` does: a probe with the current value.
        await expectRefused(async () => targetFromMetadata(meta, ctx).accepts((await t.store.getValue(id)).value), "managedUser");
        // What `managed-secrets rotate` and the runner do.
        
        await expectRefused(async () => rotateSecret({ store: t.store, name: id, target: targetFromMetadata(meta, ctx), owner: "attack", clock: () => new Date() }), "managedUser");
        assert.equal(ram.emu.control.invocationRecords().length, before, "no Cloud Assistant command may be sent for hostile metadata");
        assert.deepEqual(await markersLeft(), []);
        assert.equal((await t.store.describeSecret(id))!.versions.length, 1, "nothing is written for hostile metadata");
      });
    }
  }

  it("SSH: a hostile managedUser, host or port is refused before any connection", async function () {
    const { id } = await ecs.create(
      { instanceId, managedUser: "alice", credentialType: "password", initialValue: "alice-Initial-1", connection: { host: host.host, port: host.port, hostKeyFingerprint: host.hostKeyFingerprint } },
      ctx,
    );
    const cases: [string, Record<string, string>][] = [
      ["managedUser", { managedUser: "alice;touch /root/y;#" }],
      ["host", { host: "127.0.0.1 -oProxyCommand=touch /root/x" }],
      ["port", { port: "22; touch /root/x" }],
      ["hostKeyFingerprint", { hostKeyFingerprint: "SHA256:short" }],
      ["instanceId", { instanceId: "i-$(touch /root/x)" }],
      ["credentialType", { credentialType: "token" }],
      ["bastionUser", { bastionHost: "127.0.0.1", bastionPort: "22", bastionHostKeyFingerprint: host.hostKeyFingerprint, bastionUser: "ops$(id)" }],
    ];
    for (const [key, patch] of cases) {
      const original = (await t.store.describeSecret(id))!.metadata;
      await t.store.updateSecret(id, { metadata: patch });
      const meta = (await t.store.describeSecret(id))!;
      await expectRefused(async () => targetFromMetadata(meta, ctx).accepts((await t.store.getValue(id)).value), key);
      await t.store.updateSecret(id, { metadata: Object.fromEntries(Object.keys(patch).map((k) => [k, original[k] ?? null])) });
    }
    assert.deepEqual(await markersLeft(), []);
  });

  it("RAM: a hostile userName or previousKeyAction is refused before any cloud call", async function () {
    
    const userName = `victim-${process.pid}`;
    ram.emu.control.createUser({ name: userName });
    const key = ram.emu.control.createAccessKey(userName);
    const { id } = await ramSecret.create({ userName, initialAccessKeyId: key.accessKeyId, initialAccessKeySecret: key.accessKeySecret }, ctx);
    for (const [k, v] of [["userName", "victim/../admin"], ["previousKeyAction", "purge"], ["previousKeyGracePeriodSeconds", "1e9"]] as const) {
      const original = (await t.store.describeSecret(id))!.metadata;
      await t.store.updateSecret(id, { metadata: { [k]: v } });
      const meta = (await t.store.describeSecret(id))!;
      const mark = ram.log.length;
      await expectRefused(async () => targetFromMetadata(meta, ctx).accepts((await t.store.getValue(id)).value), k);
      assert.deepEqual(ram.countSince(mark), {}, `no cloud call for a hostile ${k}`);
      await t.store.updateSecret(id, { metadata: { [k]: original[k] ?? null } });
    }
  });
});
