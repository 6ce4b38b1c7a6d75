/**
 * A local stand-in for an Alibaba Cloud account, shared by `npm run demo` and
 * `npm run sandbox`: the API emulator (RAM, STS, ECS, KMS) on 127.0.0.1, a few
 * "ECS instances" (real OpenSSH servers, each on its own 127.x address in its
 * own mount and pid namespaces, registered with the emulator), a RAM user with
 * one AccessKey, and an encrypted local store in a private temp dir.
 *
 * Nothing here touches this machine's own passwords, keys or network
 * interfaces; stop() ends every process it started and removes the temp dir.
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { generateKeyPair } from "../../provider/credentials/generate-key-pair";
import type { CloudSettings } from "../../provider/alicloud/cloud-settings";
import { startSshHost, type StartedSshHost } from "../sshd/ssh-host";
import { requireRootForHosts } from "../sshd/require-root";

export interface SandboxInstanceSpec {
  /** Short name used in config keys and resource names, e.g. "web1". */
  readonly name: string;
  readonly instanceId: string;
  /** Also give root an SSH key pair (its public key in /root/.ssh/authorized_keys) to manage. */
  readonly keyPair?: boolean;
}

export interface SandboxInstance {
  readonly name: string;
  readonly instanceId: string;
  readonly host: StartedSshHost;
  /** What EcsSecret's `connection` takes. */
  readonly connection: { readonly host: string; readonly port: number; readonly hostKeyFingerprint: string };
  readonly rootPassword: string;
  /** The root key pair that works today (OpenSSH private key), when the spec asked for one. */
  readonly rootPrivateKey?: string;
  /**
   * The operator's own root key (a line no secret manages): what a team keeps
   * for break-glass access and gives EcsSecret as `connection.admin`, so drift
   * (a password changed by hand, a key line deleted) can be repaired.
   */
  readonly adminPrivateKey: string;
}

export interface SandboxRamUser {
  readonly userName: string;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
}

export interface Sandbox {
  /** Private (0700) temp dir: the store file lives here; removed by stop(). */
  readonly dir: string;
  readonly emulator: EmulatorHandle;
  /** Endpoint, region and admin key, as the provider resolves them from stack config. */
  readonly cloud: CloudSettings & { readonly endpoint: string; readonly accessKeyId: string; readonly accessKeySecret: string };
  readonly instances: readonly SandboxInstance[];
  readonly ramUser: SandboxRamUser;
  /** The local store (the embedded default) the provider, the runner and the CLI share. */
  readonly store: { readonly path: string; readonly passphrase: string };
  /**
   * The emulator's EC_P256 key for the kms store's target bindings: set it as
   * managed-secrets:bindingKeyId (MANAGED_SECRETS_BINDING_KEY_ID) wherever the
   * kms store is configured instead of the local one.
   */
  readonly bindingKeyId: string;
  /** Every credential the sandbox made, so callers can prove none of them leaked. */
  credentials(): string[];
  /** Stops every process the sandbox started and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
}

export interface SandboxOptions {
  /** Emulator port on 127.0.0.1; 0 (default) picks a free one. */
  readonly port?: number;
  readonly instances?: readonly SandboxInstanceSpec[];
  readonly ramUserName?: string;
  /** Receives the emulator's one line per API call (never a secret). */
  readonly log?: (line: string) => void;
  /** Told about each part as it starts (for progress output). */
  readonly onStarted?: (what: string) => void;
}

export const DEFAULT_INSTANCES: readonly SandboxInstanceSpec[] = [
  { name: "web1", instanceId: "i-sandboxweb1", keyPair: true },
  { name: "web2", instanceId: "i-sandboxweb2" },
];
export const DEFAULT_RAM_USER = "app-ci";

/**
 * Why the sandbox cannot start on this machine, as a message that says what to
 * do, or undefined when it can. Checked before anything is started.
 */
export function sandboxPrerequisiteProblem(command: string): string | undefined {
  const uid = typeof process.getuid === "function" ? process.getuid() : undefined;
  if (uid !== 0) {
    return [
      `${command} needs root, and this process runs as uid ${uid ?? "unknown"}.`,
      "It starts real OpenSSH servers as stand-in ECS instances, each in its own mount and pid",
      "namespaces on a 127.x loopback address (so this machine's own passwords and keys are never",
      "touched), and creating namespaces and overlay mounts takes root.",
      `Run it as root, for example:  sudo npm run ${command.replace(/^npm run /, "")}`,
      "(Debian/Ubuntu also need: apt-get update && apt-get install -y openssh-server)",
    ].join("\n");
  }
  try {
    requireRootForHosts();
  } catch (e) {
    return `${command} cannot start its stand-in ECS instances: ${(e as Error).message}`;
  }
  return undefined;
}

/** A public key line's type and blob, so the sandbox's own comment is the only one. */
const keyOnly = (line: string) => line.split(" ").slice(0, 2).join(" ");

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const specs = options.instances ?? DEFAULT_INSTANCES;
  const dir = await mkdtemp(join(tmpdir(), "ms-sandbox-"));
  await chmod(dir, 0o700);
  const started: { emulator?: EmulatorHandle; hosts: StartedSshHost[] } = { hosts: [] };
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      const results = await Promise.allSettled([...started.hosts.map((h) => h.stop()), started.emulator?.stop()]);
      await rm(dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 50 });
      const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed) throw failed.reason;
    })());

  try {
    const emulator = await startEmulator({ port: options.port ?? 0, ...(options.log ? { log: options.log } : {}) });
    started.emulator = emulator;
    options.onStarted?.(`emulator on ${emulator.endpoint}`);

    const instances = await Promise.all(
      specs.map(async (spec): Promise<SandboxInstance> => {
        // An operator's own key that no secret manages: rotation must leave its line alone.
        const operator = await generateKeyPair("ed25519");
        const managed = spec.keyPair ? await generateKeyPair("ed25519") : undefined;
        const host = await startSshHost({
          rootAuthorizedKeys: [`${keyOnly(operator.publicKey)} operator@laptop`, ...(managed ? [`${keyOnly(managed.publicKey)} root@${spec.name}`] : [])],
        });
        started.hosts.push(host);
        emulator.control.registerInstance({
          instanceId: spec.instanceId,
          privateIp: host.host,
          nsPid: host.nsPid,
          hostName: spec.name,
          instanceName: spec.name,
        });
        options.onStarted?.(`instance ${spec.instanceId} (${spec.name}) at ${host.host}:${host.port}`);
        return {
          name: spec.name,
          instanceId: spec.instanceId,
          host,
          connection: { host: host.host, port: host.port, hostKeyFingerprint: host.hostKeyFingerprint },
          rootPassword: host.rootPassword,
          ...(managed ? { rootPrivateKey: managed.privateKey } : {}),
          adminPrivateKey: operator.privateKey,
        };
      }),
    );

    const userName = options.ramUserName ?? DEFAULT_RAM_USER;
    emulator.control.createUser({ name: userName });
    const key = emulator.control.createAccessKey(userName);
    options.onStarted?.(`RAM user ${userName} with AccessKey ${key.accessKeyId}`);

    const store = { path: join(dir, "store.enc"), passphrase: randomBytes(24).toString("base64url") };
    const bindingKeyId = emulator.control.createKmsKey({ keySpec: "EC_P256", keyUsage: "SIGN/VERIFY", description: "managed-secrets target bindings" }).keyId;
    const cloud = {
      regionId: emulator.regionId,
      endpoint: emulator.endpoint,
      protocol: "http" as const,
      accessKeyId: emulator.accessKeyId,
      accessKeySecret: emulator.accessKeySecret,
    };
    return {
      dir,
      emulator,
      cloud,
      instances,
      ramUser: { userName, ...key },
      store,
      bindingKeyId,
      credentials: () => [
        emulator.accessKeySecret,
        store.passphrase,
        key.accessKeySecret,
        ...instances.flatMap((i) => [i.rootPassword, i.adminPrivateKey, ...(i.rootPrivateKey ? [i.rootPrivateKey] : [])]),
      ],
      stop,
    };
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
}

/** One `pulumi config set` for examples/managed-secrets against this sandbox. */
export interface StackConfigEntry {
  /** As `pulumi config set` takes it: the program's own keys without a namespace, the provider's as `managed-secrets:*`. */
  readonly key: string;
  readonly value: string;
  /** Set with --secret (and, by the sandbox CLI, from a file rather than the command line). */
  readonly secret: boolean;
}

/**
 * The stack config examples/managed-secrets needs on top of Pulumi.dev.yaml to
 * run against this sandbox: its instances and the credentials that work today,
 * the RAM user, and the provider's settings (local store, emulator). The one
 * source for what `npm run sandbox` prints, what the demo configures its
 * provider host with, and what the example's sandbox test runs.
 */
export function sandboxStackConfig(sandbox: Sandbox): StackConfigEntry[] {
  const plain = (key: string, value: string) => ({ key, value, secret: false });
  const secret = (key: string, value: string) => ({ key, value, secret: true });
  const instances = sandbox.instances.map((i) => ({
    name: i.name,
    instanceId: i.instanceId,
    host: i.connection.host,
    port: i.connection.port,
    hostKeyFingerprint: i.connection.hostKeyFingerprint,
    ...(i.rootPrivateKey ? { keyPair: true } : {}),
  }));
  return [
    plain("instances", JSON.stringify(instances)),
    ...sandbox.instances.flatMap((i) => [
      secret(`${i.name}RootPassword`, i.rootPassword),
      ...(i.rootPrivateKey ? [secret(`${i.name}RootPrivateKey`, i.rootPrivateKey)] : []),
      secret(`${i.name}AdminPrivateKey`, i.adminPrivateKey),
    ]),
    plain("ramUserName", sandbox.ramUser.userName),
    plain("ramAccessKeyId", sandbox.ramUser.accessKeyId),
    secret("ramAccessKeySecret", sandbox.ramUser.accessKeySecret),
    plain("managed-secrets:store", "local"),
    plain("managed-secrets:localPath", sandbox.store.path),
    secret("managed-secrets:passphrase", sandbox.store.passphrase),
    plain("managed-secrets:region", sandbox.cloud.regionId),
    plain("managed-secrets:endpoint", sandbox.cloud.endpoint),
    plain("managed-secrets:accessKeyId", sandbox.cloud.accessKeyId),
    secret("managed-secrets:accessKeySecret", sandbox.cloud.accessKeySecret),
  ];
}

/** The environment the CLI and the runner read the sandbox's store and emulator from. */
export function sandboxCliEnv(sandbox: Sandbox): Record<string, string> {
  return {
    MANAGED_SECRETS_STORE: "local",
    MANAGED_SECRETS_LOCAL_PATH: sandbox.store.path,
    MANAGED_SECRETS_PASSPHRASE: sandbox.store.passphrase,
    MANAGED_SECRETS_ENDPOINT: sandbox.cloud.endpoint,
    ALIBABA_CLOUD_REGION_ID: sandbox.cloud.regionId,
    ALIBABA_CLOUD_ACCESS_KEY_ID: sandbox.cloud.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: sandbox.cloud.accessKeySecret,
  };
}

/** The provider's part of it, as the engine hands stack config to a dynamic provider's configure(). */
export function sandboxProviderConfig(sandbox: Sandbox): Record<string, string> {
  return Object.fromEntries(sandboxStackConfig(sandbox).filter((e) => e.key.startsWith("managed-secrets:")).map((e) => [e.key, e.value]));
}

/**
 * Stops everything once on SIGINT, SIGTERM or SIGHUP, then exits: with
 * `exitCode(signal)` (default 128 + the signal's number, as shells report an
 * interrupted command). Returns a function that removes the handlers.
 */
export function stopOnSignals(
  stopAll: () => Promise<void>,
  options: { onSignal?: (signal: NodeJS.Signals) => void; exitCode?: (signal: NodeJS.Signals) => number } = {},
): () => void {
  const numbers: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };
  const signals = Object.keys(numbers) as NodeJS.Signals[];
  let handled = false;
  const handler = (signal: NodeJS.Signals) => {
    if (handled) return;
    handled = true;
    options.onSignal?.(signal);
    let code = options.exitCode?.(signal) ?? 128 + numbers[signal]!;
    stopAll()
      .catch((e: unknown) => {
        console.error(`cleanup after ${signal} failed: ${(e as Error).message}`);
        code = 1;
      })
      .finally(() => process.exit(code));
  };
  for (const signal of signals) process.on(signal, handler);
  return () => {
    for (const signal of signals) process.off(signal, handler);
  };
}
