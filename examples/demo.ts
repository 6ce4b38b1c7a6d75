/**
 * `npm run demo`: the product's main job on the embedded default store, with
 * nothing to set up. Starts a real OpenSSH host on a loopback address (in its
 * own mount namespace, so this machine's passwords are untouched), declares
 * its root password and a key pair as managed secrets through the provider,
 * rotates both, proves the new credentials log in and the old ones do not,
 * schedules a deletion, restores it, and tears everything down.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { startSshHost, requireRootForHosts, type StartedSshHost } from "../tests/support/ssh-host";
import { tryLogin } from "../tests/support/ssh-client";
import { LocalSecretStore } from "../provider/store/local-store";
import * as ecs from "../provider/ecs/ecs-secret-handler";
import { generateKeyPair } from "../provider/credentials/generate-key-pair";
import type { RuntimeContext } from "../provider/runtime-context";
import { describeError } from "../provider/errors";

const step = (text: string) => console.log(`\n== ${text}`);
const say = (text: string) => console.log(`   ${text}`);
const mark = (ok: boolean) => (ok ? "yes" : "no");

async function login(host: StartedSshHost, user: string, secret: { password: string } | { privateKey: string }) {
  return tryLogin({ host: host.host, port: host.port, hostKeyFingerprint: host.hostKeyFingerprint, username: user, ...secret });
}

async function main(): Promise<void> {
  try {
    requireRootForHosts();
  } catch (e) {
    console.error(`The demo starts a real sshd in its own mount namespace, which needs root.\n${describeError(e)}\nRun it as root (for example: sudo npm run demo).`);
    process.exitCode = 2;
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), "ms-demo-"));
  const store = new LocalSecretStore({ path: join(dir, "store.enc"), passphrase: randomBytes(18).toString("base64") });
  const ctx: RuntimeContext = {
    store,
    clock: () => new Date(),
    owner: "demo",
    cloud: () => {
      throw new Error("the demo makes no cloud calls");
    },
  };
  step("Starting an \"ECS instance\": a real sshd on a loopback address");
  const seed = await generateKeyPair("ed25519");
  const host = await startSshHost({ rootAuthorizedKeys: [`${seed.publicKey} operator@laptop`] });
  try {
    say(`${host.host}:${host.port}, host key ${host.hostKeyFingerprint}`);
    const connection = { host: host.host, port: host.port, hostKeyFingerprint: host.hostKeyFingerprint };

    step("Declaring root's password as a managed secret (rotation every 30 days)");
    const pwInputs = { instanceId: "i-demo0001", managedUser: "root", credentialType: "password", initialValue: host.rootPassword, connection, rotationPeriod: "30d" };
    const pw = await ecs.create(pwInputs, ctx);
    say(`secret ${pw.id}: version ${pw.outs.versionId}, next rotation ${pw.outs.nextRotationAt}`);

    step("Declaring root's SSH key pair as a managed secret");
    const keyInputs = { instanceId: "i-demo0001", managedUser: "root", credentialType: "keyPair", secretName: "ecs/i-demo0001/root-key", initialValue: seed.privateKey, connection };
    const key = await ecs.create(keyInputs, ctx);
    say(`secret ${key.id}: version ${key.outs.versionId}, public key ${key.outs.publicKey!.slice(0, 40)}...`);

    step("Changing rotationTrigger, as `pulumi up` would: both rotate now");
    const pw2 = (await ecs.update(pw.id, pw.outs, { ...pwInputs, rotationTrigger: "demo" }, ctx)).outs;
    const key2 = (await ecs.update(key.id, key.outs, { ...keyInputs, rotationTrigger: "demo" }, ctx)).outs;
    console.table([
      { secret: pw.id, from: pw.outs.versionId, to: pw2.versionId, "new logs in": mark(await login(host, "root", { password: pw2.value })), "old logs in": mark(await login(host, "root", { password: pw.outs.value })) },
      { secret: key.id, from: key.outs.versionId, to: key2.versionId, "new logs in": mark(await login(host, "root", { privateKey: key2.value })), "old logs in": mark(await login(host, "root", { privateKey: seed.privateKey })) },
    ]);
    say("authorized_keys now holds:");
    for (const line of (await host.readFile("/root/.ssh/authorized_keys")).trim().split("\n")) say(`  ${line.slice(0, 24)}...${line.slice(-40)}`);

    step("Deleting the password secret: scheduled with a 7-day recovery window, the host is left alone");
    await ecs.remove(pw.id, { ...pw2, recoveryWindowDays: 7 }, ctx);
    say(`planned delete time: ${(await store.describeSecret(pw.id))?.plannedDeleteAt}`);
    say(`the current password still logs in: ${mark(await login(host, "root", { password: pw2.value }))}`);

    step("Restoring it within the window");
    await store.restoreSecret(pw.id);
    say(`${pw.id} is back at version ${(await store.getValue(pw.id)).versionId}`);
  } finally {
    step("Tearing down");
    await host.stop();
    await rm(dir, { recursive: true, force: true });
    say("host stopped, store removed");
  }
}

main().catch((e) => {
  console.error(`demo failed: ${describeError(e)}`);
  process.exitCode = 1;
});
