/**
 * `npm run bench -- --transports` (also part of the default run): the same
 * rotation over the three ways EcsSecret reaches an instance, in one run on
 * the same sshd host, interleaved so the machine's load hits each alike:
 * direct SSH beside SSH through a bastion (a second local sshd forwarding),
 * and direct SSH beside Cloud Assistant (the emulator, whose agent runs the
 * scripts in that very host). Prints p50/p95 and the p50 ratio; asserts
 * nothing about time.
 *
 * Cloud Assistant's figure is the emulator's: a real agent adds its own
 * dispatch latency, and polling DescribeInvocationResults every
 * BENCH_CA_POLL_MS (default 50 ms) here stands for the service's.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { startSshHost } from "../testkit/sshd/ssh-host";
import { reconfigureSshd } from "../testkit/sshd/sshd-reconfigure";
import { startEmulator } from "../emulator";
import { LocalSecretStore } from "../provider/store/local/local-store";
import { EcsSshTarget } from "../provider/targets/ecs-ssh/ecs-ssh-target";
import { ecsValueFrom } from "../provider/targets/ecs-host/ecs-value";
import { EcsCloudAssistantTarget } from "../provider/targets/ecs-cloud-assistant/cloud-assistant-target";
import { cloudAssistantClientFor } from "../provider/alicloud/cloud-assistant-client";
import { rotateSecret } from "../provider/rotation/rotate-secret";
import { generateKeyPair } from "../provider/credentials/generate-key-pair";
import type { RotationTarget } from "../provider/rotation/rotation-target";
import type { SshEndpoint } from "../provider/ssh/ssh-session";

const RUNS = Number(process.env.BENCH_TRANSPORT_RUNS ?? 8);
const WARMUP = 1;
const POLL_MS = Number(process.env.BENCH_CA_POLL_MS ?? 50);

type Way = "direct" | "bastion" | "cloudAssistant";

function p(samples: readonly number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((q / 100) * sorted.length) - 1)]!;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export async function runTransportBench(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "ms-bench-transports-"));
  const store = new LocalSecretStore({ path: join(dir, "store.enc"), passphrase: randomBytes(18).toString("base64") });
  const jumpPassword = randomBytes(18).toString("base64url");
  const keys = await Promise.all([generateKeyPair("ed25519"), generateKeyPair("ed25519"), generateKeyPair("ed25519")]);
  const [host, bastion] = await Promise.all([
    startSshHost({ users: [{ name: "bob", password: null, authorizedKeys: keys.map((k) => `${k.publicKey} bench`) }] }),
    startSshHost({ users: [{ name: "jump", password: jumpPassword }] }),
  ]);
  const emu = await startEmulator();
  try {
    await reconfigureSshd(bastion, { set: { AllowTcpForwarding: "yes" } });
    emu.control.registerInstance({ instanceId: "i-bench1", privateIp: host.host, nsPid: host.nsPid });
    const cloud = { regionId: emu.regionId, endpoint: emu.endpoint, protocol: "http" as const, accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret };
    const direct: SshEndpoint = { host: host.host, port: host.port, hostKeyFingerprint: host.hostKeyFingerprint };
    const endpoints: Record<Exclude<Way, "cloudAssistant">, SshEndpoint> = {
      direct,
      bastion: {
        ...direct,
        bastion: { host: bastion.host, port: bastion.port, hostKeyFingerprint: bastion.hostKeyFingerprint, user: "jump", credential: { password: jumpPassword } },
      },
    };
    const targetFor = (way: Way, secretName: string, managedUser: string, credentialType: "password" | "keyPair"): RotationTarget =>
      way === "cloudAssistant"
        ? new EcsCloudAssistantTarget({
            secretName,
            managedUser,
            credentialType,
            keyAlgorithm: "ed25519",
            regionId: emu.regionId,
            instanceId: "i-bench1",
            pollMs: POLL_MS,
            client: () => cloudAssistantClientFor(cloud, emu.regionId),
          })
        : new EcsSshTarget({ secretName, managedUser, credentialType, keyAlgorithm: "ed25519", endpoint: endpoints[way] });

    const ways: Way[] = ["direct", "bastion", "cloudAssistant"];
    const samples: Record<string, number[]> = {};
    // Passwords: every way rotates root's one password, so each secret is told the latest before its turn.
    let rootPassword = host.rootPassword;
    for (const way of ways) {
      await store.createSecret({ name: `pw/${way}`, description: "", metadata: { kind: "ecs" }, versionId: "v1", value: ecsValueFrom("root", "password", rootPassword) });
      await store.createSecret({ name: `key/${way}`, description: "", metadata: { kind: "ecs" }, versionId: "v1", value: ecsValueFrom("bob", "keyPair", keys[ways.indexOf(way)]!.privateKey) });
    }
    for (let i = 0; i < RUNS + WARMUP; i++) {
      for (const way of ways) {
        await store.putValue(`pw/${way}`, { versionId: `sync-${i}`, value: ecsValueFrom("root", "password", rootPassword), stages: ["ACSCurrent"] });
        const pwMs = await timed(() => rotateSecret({ store, name: `pw/${way}`, target: targetFor(way, `pw/${way}`, "root", "password"), owner: "bench", clock: () => new Date() }));
        rootPassword = JSON.parse((await store.getValue(`pw/${way}`)).value).Password;
        // Each way rotates its own key line of bob's: the secrets never step on each other's lines.
        const keyMs = await timed(() => rotateSecret({ store, name: `key/${way}`, target: targetFor(way, `key/${way}`, "bob", "keyPair"), owner: "bench", clock: () => new Date() }));
        if (i >= WARMUP) {
          (samples[`password/${way}`] ??= []).push(pwMs);
          (samples[`keyPair/${way}`] ??= []).push(keyMs);
        }
      }
    }

    const fmt = (n: number) => `${n.toFixed(0)} ms`.padStart(8);
    console.log(`\n${"rotation".padEnd(44)} ${"base p50".padStart(9)} ${"base p95".padStart(9)} ${"this p50".padStart(9)} ${"this p95".padStart(9)}  p50 ratio`);
    for (const kind of ["password", "keyPair"]) {
      for (const [way, label] of [
        ["bastion", "through a bastion vs direct SSH"],
        ["cloudAssistant", "Cloud Assistant vs direct SSH"],
      ] as const) {
        const base = samples[`${kind}/direct`]!;
        const other = samples[`${kind}/${way}`]!;
        console.log(
          `${`${kind}: ${label}`.padEnd(44)} ${fmt(p(base, 50))}  ${fmt(p(base, 95))}  ${fmt(p(other, 50))}  ${fmt(p(other, 95))}  ${(p(other, 50) / p(base, 50)).toFixed(2)}x  (n=${other.length})`,
        );
      }
    }
    console.log(`(Cloud Assistant on the emulator, polling every ${POLL_MS} ms)`);
  } finally {
    await emu.stop();
    await Promise.all([host.stop(), bastion.stop()]);
    await rm(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runTransportBench().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
