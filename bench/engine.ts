/**
 * Engine bench (`npm run bench -- --engine`, or BENCH_ONLY=engine): what the
 * real Pulumi CLI adds to a rotation. For 1 and for 20 EcsSecrets (passwords of
 * non-root users spread over 4 real sshd hosts), in one run:
 *
 *   pulumi up   the stack is up; `rotateNow` changes in stack config; the timed
 *               `pulumi up --yes --skip-preview` rotates every secret (engine,
 *               language host, program, dynamic-provider plugin, provider);
 *   direct      the same rotations through the provider's own update(), as many
 *               at once as the engine runs, on a store of the same size.
 *
 * Each contender is checked after its run (every current password logs in), so
 * a fast wrong run cannot look good. Prints figures; asserts nothing about time.
 * Env: BENCH_ENGINE_RUNS (3).
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ecs from "../provider/resources/ecs-secret/ecs-secret-handler";
import { LocalSecretStore } from "../provider/store/local/local-store";
import { targetRegistry, type RuntimeContext } from "../provider/context/runtime-context";
import { createPulumiProject, packPackage, type PulumiProject } from "../testkit/pulumi/pulumi-cli";
import { tryLogin } from "../testkit/ssh-client/ssh-client";
import { startSshHost, type StartedSshHost } from "../testkit/sshd/ssh-host";

export const HOSTS = 4;
export const SIZES = [1, 20] as const;
export const RUNS = Number(process.env.BENCH_ENGINE_RUNS ?? 3);
const USERS_PER_HOST = Math.max(...SIZES) / HOSTS;

export interface Declared {
  readonly host: StartedSshHost;
  readonly user: string;
  readonly password: string;
}

/** The program the engine runs: one EcsSecret per entry of targets.json (credentials read from the 0600 file). */
const PROGRAM = `import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { EcsSecret } from "alicloud-managed-secrets";
const cfg = new pulumi.Config();
const targets = JSON.parse(fs.readFileSync("targets.json", "utf8")) as Array<{ id: string; user: string; host: string; port: number; fp: string; password: string }>;
for (const t of targets.slice(0, cfg.requireNumber("count"))) {
  new EcsSecret(t.id, {
    instanceId: t.id.split("-u")[0]!, managedUser: t.user, credentialType: "password",
    initialValue: pulumi.secret(t.password),
    connection: { host: t.host, port: t.port, hostKeyFingerprint: t.fp },
    rotationPeriod: "30d", rotationTrigger: cfg.get("rotateNow"),
  });
}
`;

export const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export async function allLogIn(store: LocalSecretStore, declared: readonly Declared[], names: readonly string[]): Promise<void> {
  for (let i = 0; i < names.length; i++) {
    const d = declared[i]!;
    const password = (JSON.parse((await store.getValue(names[i]!)).value) as { Password: string }).Password;
    if (!(await tryLogin({ host: d.host.host, port: d.host.port, hostKeyFingerprint: d.host.hostKeyFingerprint, username: d.user, password }))) {
      throw new Error(`after the run, ${d.user}@${d.host.host} refuses the password its secret holds`);
    }
  }
}

/** Engine side: a stack of `count` secrets, rotated RUNS times by changing rotateNow. */
export async function enginePath(dir: string, declared: readonly Declared[], count: number): Promise<number[]> {
  const storePath = join(dir, `engine-${count}.enc`);
  const passphrase = randomBytes(18).toString("base64url");
  const targets = declared.map((d, i) => ({ id: `i-bench${i % HOSTS}-u${i}`, user: d.user, host: d.host.host, port: d.host.port, fp: d.host.hostKeyFingerprint, password: d.password }));
  const project: PulumiProject = await createPulumiProject({ name: `engine-bench-${count}`, files: { "index.ts": PROGRAM }, tarball: await packPackage() });
  try {
    await writeFile(join(project.dir, "targets.json"), JSON.stringify(targets), { mode: 0o600 });
    await project.pulumiOk(["stack", "init", "bench"]);
    await project.setConfig("bench", { count: String(count), "managed-secrets:localPath": storePath });
    await project.setSecret("bench", "managed-secrets:passphrase", passphrase);
    await project.pulumiOk(["up", "--yes", "--skip-preview"], { stack: "bench" });
    const samples: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      await project.setConfig("bench", { rotateNow: `run-${run}` });
      samples.push(await timed(() => project.pulumiOk(["up", "--yes", "--skip-preview"], { stack: "bench" })));
    }
    const store = new LocalSecretStore({ path: storePath, passphrase });
    await allLogIn(store, declared, targets.slice(0, count).map((t) => `ecs/${t.id.split("-u")[0]}/${t.user}`));
    // Hand the hosts back as the direct path expects them: each user's current password.
    return samples;
  } finally {
    await project.stop();
  }
}

/** Direct side: the provider's update() on every secret at once, RUNS times. */
async function directPath(dir: string, declared: Declared[], count: number): Promise<number[]> {
  const store = new LocalSecretStore({ path: join(dir, `direct-${count}.enc`), passphrase: randomBytes(18).toString("base64") });
  const ctx: RuntimeContext = {
    store,
    clock: () => new Date(),
    targets: targetRegistry(),
    owner: "engine-bench",
    cloud: () => {
      throw new Error("the engine bench uses no cloud API");
    },
  };
  const inputs = declared.slice(0, count).map((d, i) => ({
    instanceId: `i-direct${i % HOSTS}`,
    managedUser: d.user,
    credentialType: "password",
    initialValue: d.password,
    connection: { host: d.host.host, port: d.host.port, hostKeyFingerprint: d.host.hostKeyFingerprint },
    rotationPeriod: "30d",
  }));
  const created = await Promise.all(inputs.map((i) => ecs.create(i, ctx)));
  let olds = created.map((c) => c.outs);
  const samples: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    samples.push(
      await timed(async () => {
        const done = await Promise.all(created.map((c, i) => ecs.update(c.id, olds[i]!, { ...inputs[i]!, rotationTrigger: `run-${run}` }, ctx)));
        olds = done.map((d) => d.outs);
      }),
    );
  }
  await allLogIn(store, declared, created.map((c) => c.id));
  return samples;
}

export async function runEngineBench(): Promise<void> {
  await withBenchFleet(async (dir, fleet, reset) => {
    console.log(`\nengine bench: pulumi up (real CLI) beside the provider's update(), ${RUNS} rotations each, ${HOSTS} hosts`);
    console.log(`${"secrets".padEnd(8)} ${"pulumi up p50".padStart(14)} ${"direct p50".padStart(11)} ${"ratio".padStart(7)}`);
    for (const count of SIZES) {
      // The engine path leaves each user on a password only its store knows; give every user a
      // fresh known one before each contender so both start from the same state.
      await reset();
      const engine = await enginePath(dir, fleet, count);
      await reset();
      const direct = await directPath(dir, fleet, count);
      const e = median(engine);
      const d = median(direct);
      console.log(`${String(count).padEnd(8)} ${`${(e / 1000).toFixed(2)} s`.padStart(14)} ${`${(d / 1000).toFixed(2)} s`.padStart(11)} ${`${(e / d).toFixed(2)}x`.padStart(7)}`);
    }
  });
}

/**
 * HOSTS real sshd hosts with enough non-root users for the largest size;
 * secrets alternate over the hosts, so 20 secrets are 5 users on each of 4.
 * `reset` gives every user its known password again, so each contender
 * starts from the same state.
 */
export async function withBenchFleet(body: (dir: string, fleet: Declared[], reset: () => Promise<void>) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "ms-engine-bench-"));
  await chmod(dir, 0o700);
  const hosts: StartedSshHost[] = [];
  try {
    for (let h = 0; h < HOSTS; h++) {
      hosts.push(await startSshHost({ users: Array.from({ length: USERS_PER_HOST }, (_, u) => ({ name: `bench${u}`, password: `Bench-${randomBytes(9).toString("base64url")}-1a` })) }));
    }
    const fleet: Declared[] = [];
    for (let u = 0; u < USERS_PER_HOST; u++) for (const host of hosts) fleet.push({ host, user: `bench${u}`, password: host.users[`bench${u}`]! });
    const reset = async () => {
      for (const d of fleet) {
        const r = await d.host.exec("chpasswd", { stdin: `${d.user}:${d.password}\n` });
        if (r.code !== 0) throw new Error(`chpasswd failed on ${d.host.host}: ${r.stderr}`);
      }
    };
    await body(dir, fleet, reset);
  } finally {
    await Promise.allSettled(hosts.map((h) => h.stop()));
    await rm(dir, { recursive: true, force: true });
  }
}
