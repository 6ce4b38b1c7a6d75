/**
 * pulumi-resource-alicloud-managed-secrets: the engine starts it (from the
 * plugin cache or PATH) with its own address as the first argument, reads the
 * port it prints as the first line of stdout, and talks gRPC to it. Logs go
 * to stderr, which the engine shows as the plugin's diagnostics.
 */
import { startPluginServer } from "./plugin-server";

/** The plugin's version: the package's, which schema.json and every generated SDK record. */
export const PLUGIN_VERSION: string = (require("../../package.json") as { version: string }).version;

async function main(): Promise<void> {
  if (process.argv.includes("--version")) {
    process.stdout.write(`${PLUGIN_VERSION}\n`);
    return;
  }
  const { port, server } = await startPluginServer(PLUGIN_VERSION);
  process.stdout.write(`${port}\n`);
  // The engine ends a plugin with SIGINT/SIGTERM (or by killing it) once the operation is done.
  const stop = () => server.tryShutdown(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`pulumi-resource-alicloud-managed-secrets: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
