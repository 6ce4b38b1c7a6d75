import { Command, InvalidArgumentError } from "commander";
import { DEFAULT_REGION_ID, startEmulator } from "./start-emulator";

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("a port number from 0 to 65535");
  return n;
}

const program = new Command()
  .name("emulator")
  .description("Local Alibaba Cloud API emulator: RAM, STS, ECS Cloud Assistant and KMS secrets on 127.0.0.1")
  .option("--port <port>", "port to listen on (0 picks a free one)", port, 0)
  .option("--region <regionId>", "home region", DEFAULT_REGION_ID)
  .option("--state-file <path>", "persist the sandbox in this JSON file so it survives restarts")
  .option("--quiet", "do not print one line per API call")
  .option(
    "--kms-instance <kst-id[:key-id,...]>",
    "act as a KMS 3.0 account with this KMS instance (and keys): CreateSecret must name one; repeatable",
    (value: string, all: string[]) => [...all, value],
    [] as string[],
  )
  .option("--kms-qps", "enforce KMS's documented per-account QPS quotas (429 Rejected.Throttling past them)")
  .parse();

const opts = program.opts<{ port: number; region: string; stateFile?: string; quiet?: boolean; kmsInstance: string[]; kmsQps?: boolean }>();

async function main(): Promise<void> {
  const emulator = await startEmulator({
    port: opts.port,
    regionId: opts.region,
    stateFile: opts.stateFile,
    log: opts.quiet ? undefined : (line) => console.log(`[emulator] ${line}`),
    kmsInstances: opts.kmsInstance.map((spec) => {
      const [instanceId = "", keys] = spec.split(":", 2);
      return { instanceId, keyIds: keys ? keys.split(",") : [] };
    }),
    ...(opts.kmsQps ? { kmsQps: "documented" as const } : {}),
  });
  // The banner is the one place the admin secret is printed: the operator asked for it.
  console.log(
    [
      `Alibaba Cloud API emulator listening on http://${emulator.endpoint}`,
      `  endpoint:        ${emulator.endpoint}   (Config: { endpoint, protocol: "http" })`,
      `  region:          ${emulator.regionId}`,
      `  account id:      ${emulator.accountId}`,
      `  AccessKeyId:     ${emulator.accessKeyId}`,
      `  AccessKeySecret: ${emulator.accessKeySecret}`,
      `  control:         http://${emulator.endpoint}/__emulator/health`,
      opts.stateFile ? `  state file:      ${opts.stateFile}` : "  state:           in memory (use --state-file to keep it)",
    ].join("\n"),
  );
  const shutdown = () => {
    void emulator.stop().then(() => process.exit(0));
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}

main().catch((e: unknown) => {
  console.error(`emulator: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
