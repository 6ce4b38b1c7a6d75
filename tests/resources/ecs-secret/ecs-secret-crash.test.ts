import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { join } from "node:path";
import type { StartedSshHost } from "../../../testkit/sshd/ssh-host";
import { BACKENDS, type TestStore } from "../../../testkit/store/test-store";
import * as ecs from "../../../provider/resources/ecs-secret/ecs-secret-handler";
import { rotateSecret, ROTATION_LEASE_TTL_MS, holderOf, type RotationStep } from "../../../provider/rotation/rotate-secret";
import { targetFromMetadata } from "../../../provider/context/runtime-context";
import { generateKeyPair } from "../../../provider/credentials/generate-key-pair";
import { decodeEcsValue, credentialOf } from "../../../provider/targets/ecs-host/ecs-value";
import { tryLogin } from "../../../testkit/ssh-client/ssh-client";
import { ecsInputs } from "../../support/ecs-fixtures";
import { sshHostPerSuite, storePerTest } from "../../support/suite-hooks";

const FIXTURE = join(__dirname, "fixtures", "crash-rotation.ts");

function killedRotation(t: TestStore, secretName: string, step: RotationStep): Promise<NodeJS.Signals | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--conditions=ms-source", FIXTURE], {
      env: { ...t.env(), SECRET_NAME: secretName, CRASH_AFTER: step },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("exit", (code, signal) => (signal ? resolve(signal) : reject(new Error(`rotator exited ${code} without crashing: ${stderr}`))));
  });
}

async function accepts(host: StartedSshHost, user: string, stored: string): Promise<boolean> {
  const credential = credentialOf(decodeEcsValue(stored));
  return tryLogin({ host: host.host, port: host.port, hostKeyFingerprint: host.hostKeyFingerprint, username: user, ...credential });
}

for (const backend of BACKENDS) {
  describe(`A rotation killed between steps is repaired by re-running (real sshd, real SIGKILL) [${backend} store]`, function () {
    let host: StartedSshHost;
    let t: TestStore;

    sshHostPerSuite((h) => (host = h));
    storePerTest((s) => (t = s), backend);

    for (const step of ["createPending", "apply"] as const) {
      it(`password: killed after ${step}, the store still holds a working credential, and a re-run completes the same version`, async () => {
        const { id } = await ecs.create(ecsInputs(host), t.context());
        assert.equal(await killedRotation(t, id, step), "SIGKILL");

        const meta = (await t.store.describeSecret(id))!;
        const pending = holderOf(meta, "ACSPending");
        assert.equal(pending?.versionId, "v2", "the pending version was stored before the host was touched");
        const current = (await t.store.getValue(id)).value;
        const pendingValue = (await t.store.getValue(id, { stage: "ACSPending" })).value;
        // The invariant: one of ACSCurrent / ACSPending works on the host at this instant.
        assert.equal(await accepts(host, "root", step === "apply" ? pendingValue : current), true);

        // The dead rotator's lease runs out; a re-run resumes rather than generating again.
        await assert.rejects(rotateSecret({ store: t.store, name: id, target: targetFromMetadata(meta, t.context()), owner: "rerun", clock: t.clock }), /being rotated by another process/);
        t.clock.advance(ROTATION_LEASE_TTL_MS + 1000);
        const outcome = await rotateSecret({ store: t.store, name: id, target: targetFromMetadata(meta, t.context()), owner: "rerun", clock: t.clock });
        assert.deepEqual([outcome.versionId, outcome.resumed, outcome.skipped], ["v2", true, step === "apply" ? ["createPending", "apply"] : ["createPending"]]);
        const final = await t.store.getValue(id);
        assert.equal(final.value, pendingValue);
        assert.equal(await accepts(host, "root", final.value), true);
        host = Object.assign(host, { rootPassword: JSON.parse(final.value).Password });
      });
    }

    for (const step of ["apply", "finish"] as const) {
      it(`key pair: killed after ${step}, a re-run leaves exactly the current key line of this secret`, async () => {
        const seed = await generateKeyPair("ed25519");
        await host.exec("cat >> /root/.ssh/authorized_keys", { stdin: `${seed.publicKey} operator-added\n` });
        const name = `crash-key-${step}`;
        const { id } = await ecs.create(ecsInputs(host, { secretName: name, credentialType: "keyPair", keyAlgorithm: "ed25519", initialValue: seed.privateKey }), t.context());
        assert.equal(await killedRotation(t, id, step), "SIGKILL");
        t.clock.advance(ROTATION_LEASE_TTL_MS + 1000);

        const meta = (await t.store.describeSecret(id))!;
        await rotateSecret({ store: t.store, name: id, target: targetFromMetadata(meta, t.context()), owner: "rerun", clock: t.clock });
        const current = decodeEcsValue((await t.store.getValue(id)).value);
        assert.equal(await accepts(host, "root", (await t.store.getValue(id)).value), true);
        assert.equal(await accepts(host, "root", JSON.stringify({ UserName: "root", PublicKey: seed.publicKey, PrivateKey: seed.privateKey })), false);
        const ours = (await host.readFile("/root/.ssh/authorized_keys")).split("\n").filter((l) => l.includes(`managed-secrets:${name}:`) || l.includes(seed.publicKey.split(" ")[1]!));
        assert.deepEqual(ours, [`${"PublicKey" in current ? current.PublicKey : ""} managed-secrets:${name}:${holderOf((await t.store.describeSecret(id))!, "ACSCurrent")!.versionId}`]);
      });
    }
  });
}
