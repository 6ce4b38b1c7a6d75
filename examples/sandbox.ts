/**
 * `npm run sandbox [-- --port 8790] [-- --quiet]`: the demo's sandbox, kept
 * up until Ctrl-C (or SIGTERM / SIGHUP), with everything needed to point the
 * CLI, the runner or `pulumi up` on examples/managed-secrets at it:
 *
 *  - the Alibaba Cloud API emulator (RAM, STS, ECS, KMS) on 127.0.0.1;
 *  - two "ECS instances" (real sshd on 127.x addresses, registered with the
 *    emulator), a RAM user with one AccessKey;
 *  - a private temp dir with the local store's file, a known_hosts file, an
 *    env file and one file per credential (all 0600), so no secret has to go
 *    on a command line.
 *
 * The banner prints the credentials once (as the emulator's own CLI prints
 * its admin key): they are throwaway values that exist only in this sandbox.
 * On a signal it stops every process it started and removes the temp dir.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { describeError } from "../provider/core/errors";
import { sandboxCliEnv, sandboxPrerequisiteProblem, sandboxStackConfig, startSandbox, stopOnSignals, type Sandbox } from "../testkit/sandbox/sandbox";

/** What the sandbox wrote for the user, all inside sandbox.dir. */
export interface SandboxFiles {
  readonly envFile: string;
  readonly knownHosts: string;
  /** config key -> file holding its secret value */
  readonly secrets: Readonly<Record<string, string>>;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("a port number from 0 to 65535");
  return n;
}

const opts = new Command()
  .name("npm run sandbox --")
  .description("Start the local sandbox (emulator, sshd instances, RAM user, local store) and keep it up until Ctrl-C")
  .option("--port <port>", "emulator port on 127.0.0.1 (0 picks a free one)", port, 0)
  .option("--quiet", "do not print one line per emulator API call")
  .parse()
  .opts<{ port: number; quiet?: boolean }>();

/** POSIX shell single quotes, for the env file. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Arguments of `pulumi config set` that a shell passes through unchanged without quotes. */
function shellWord(value: string): string {
  return /^[A-Za-z0-9_./:@+=,-]+$/.test(value) ? value : shellQuote(value);
}

async function writeFiles(sandbox: Sandbox): Promise<SandboxFiles> {
  const secretsDir = join(sandbox.dir, "secrets");
  await mkdir(secretsDir, { mode: 0o700 });
  const secrets: Record<string, string> = {};
  for (const entry of sandboxStackConfig(sandbox).filter((e) => e.secret)) {
    secrets[entry.key] = join(secretsDir, entry.key.replace(/:/g, "."));
    // No trailing newline: `pulumi config set --secret KEY < FILE` stores the file as it is.
    await writeFile(secrets[entry.key]!, entry.value, { mode: 0o600 });
  }

  const knownHosts = join(sandbox.dir, "known_hosts");
  await writeFile(knownHosts, sandbox.instances.map((i) => `[${i.connection.host}]:${i.connection.port} ${i.host.hostPublicKey}\n`).join(""), { mode: 0o600 });

  const envFile = join(sandbox.dir, "sandbox.env");
  const env = sandboxCliEnv(sandbox);
  await writeFile(
    envFile,
    [
      "# managed-secrets sandbox: the local store and the emulator, for the CLI, the runner and `pulumi up`.",
      "# Load it with:  set -a; . THIS_FILE; set +a",
      ...Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)}`),
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  return { envFile, knownHosts, secrets };
}

function banner(sandbox: Sandbox, files: SandboxFiles): string {
  const { cloud, emulator, instances, ramUser, store } = sandbox;
  const configLines = sandboxStackConfig(sandbox).map((e) =>
    e.secret ? `  pulumi config set --secret ${e.key} < ${files.secrets[e.key]}` : `  pulumi config set ${e.key} ${shellWord(e.value)}`,
  );
  return [
    "",
    "The managed-secrets sandbox is up. It lives until Ctrl-C (or SIGTERM), then everything below is stopped and removed.",
    "The credentials are printed this once; each is also in a 0600 file under secrets/.",
    "",
    "Alibaba Cloud API emulator (RAM, STS, ECS DescribeInstances + Cloud Assistant, KMS secrets)",
    `  endpoint:              ${cloud.endpoint}   (plain http; SDK Config: { endpoint, protocol: "http" })`,
    `  region:                ${cloud.regionId}`,
    `  account id:            ${emulator.accountId}`,
    `  admin AccessKeyId:     ${cloud.accessKeyId}`,
    `  admin AccessKeySecret: ${cloud.accessKeySecret}`,
    "",
    "ECS instances (real sshd, each in its own namespaces; registered with the emulator)",
    ...instances.flatMap((i) => [
      `  ${i.instanceId} (${i.name})`,
      `    ssh:            ${i.connection.host} port ${i.connection.port}`,
      `    host key:       ${i.connection.hostKeyFingerprint}`,
      `    root password:  ${i.rootPassword}`,
      ...(i.rootPrivateKey ? [`    root key pair:  private key in ${files.secrets[`${i.name}RootPrivateKey`]} (its public key is in root's authorized_keys)`] : []),
      `    try:            ssh -o UserKnownHostsFile=${files.knownHosts} -p ${i.connection.port} root@${i.connection.host}`,
    ]),
    "",
    "RAM user (its initial AccessKey, to adopt as a RamSecret)",
    `  user name:        ${ramUser.userName}`,
    `  AccessKeyId:      ${ramUser.accessKeyId}`,
    `  AccessKeySecret:  ${ramUser.accessKeySecret}`,
    "",
    "Local store (the embedded default; the file appears on the first write)",
    `  path:        ${store.path}`,
    `  passphrase:  ${store.passphrase}`,
    "",
    `Files (0600) in ${sandbox.dir}: sandbox.env, known_hosts, secrets/`,
    "",
    "The CLI and the runner without Pulumi (from the repository root): adopt the credentials, then rotate as of 31 days on:",
    `  set -a; . ${files.envFile}; set +a`,
    ...instances.map(
      (i) =>
        `  npx tsx provider/cli/main.ts adopt ecs --instance-id ${i.instanceId} --user root --type password --host ${i.connection.host} --port ${i.connection.port}` +
        ` --host-key-fingerprint ${i.connection.hostKeyFingerprint} --value-file ${files.secrets[`${i.name}RootPassword`]} --rotation-period 30d`,
    ),
    `  npx tsx provider/cli/main.ts adopt ram --user-name ${ramUser.userName} --access-key-id ${ramUser.accessKeyId} --access-key-secret-file ${files.secrets.ramAccessKeySecret} --rotation-period 30d`,
    "  npx tsx provider/cli/main.ts list",
    "  npx tsx provider/cli/main.ts run --dry-run --at \"$(date -u -d '+31 days' +%Y-%m-%dT%H:%M:%SZ)\"",
    "  npx tsx provider/cli/main.ts run --at \"$(date -u -d '+31 days' +%Y-%m-%dT%H:%M:%SZ)\"",
    "  npx tsx provider/cli/main.ts check",
    `  npx tsx provider/cli/main.ts get-value ecs/${instances[0]!.instanceId}/root --field Password`,
    "(Adopt here or `pulumi up` below, not both on one store: each declares the same secrets.)",
    "",
    "Stack config for examples/managed-secrets (run these there, after the setup in its README.md):",
    ...configLines,
    "  pulumi up",
    "",
    `Sandbox ready. Stop it with Ctrl-C, or from another shell: kill -TERM ${process.pid}`,
  ].join("\n");
}

async function main(): Promise<void> {
  const problem = sandboxPrerequisiteProblem("npm run sandbox");
  if (problem) {
    console.error(problem);
    process.exitCode = 2;
    return;
  }
  console.log("Starting the managed-secrets sandbox...");
  let sandbox: Sandbox | undefined;
  let stopped = false;
  const stop = async () => {
    if (stopped || !sandbox) return;
    stopped = true;
    const { dir, instances } = sandbox;
    await sandbox.stop();
    console.log(`Stopped the emulator and ${instances.length} instances; removed ${dir}.`);
  };
  const starting = startSandbox({
    port: opts.port,
    onStarted: (what) => console.log(`  started ${what}`),
    ...(opts.quiet ? {} : { log: (line: string) => console.log(`[emulator] ${line}`) }),
  });
  // A signal during start-up waits for the start to finish (or fail and clean up), then stops it.
  stopOnSignals(
    async () => {
      sandbox ??= await starting.catch(() => undefined);
      await stop();
    },
    { onSignal: (signal) => console.log(`\n${signal}: stopping the sandbox...`), exitCode: () => 0 },
  );
  sandbox = await starting;
  try {
    console.log(banner(sandbox, await writeFiles(sandbox)));
  } catch (e) {
    await stop();
    throw e;
  }
}

main().catch((e: unknown) => {
  console.error(`sandbox failed: ${describeError(e)}`);
  process.exitCode = 1;
});
