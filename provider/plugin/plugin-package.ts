/**
 * `npm run plugin`: the plugin tarball `pulumi plugin install resource
 * alicloud-managed-secrets <version> --file <tgz>` installs offline. The
 * executable is one esbuild bundle with a node shebang: the CLI refuses a
 * tarball with symlinks (npm's node_modules links) or hard links, and a
 * bundle needs no node_modules at all. Prints the tarball's path last.
 */
import { build } from "esbuild";
import { execFile } from "node:child_process";
import { chmod, mkdir, rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { PACKAGE_NAME } from "./package-schema";
import { PLUGIN_VERSION } from "./plugin-main";

const execFileP = promisify(execFile);
export const PLUGIN_BINARY = `pulumi-resource-${PACKAGE_NAME}`;
const OUT_DIR = resolve(__dirname, "..", "..", "dist", "plugin");

export interface PluginPackage {
  readonly version: string;
  /** The bundled executable. */
  readonly binary: string;
  readonly tarball: string;
  readonly tarballBytes: number;
}

export async function packagePlugin(outDir = OUT_DIR): Promise<PluginPackage> {
  const stage = join(outDir, "stage");
  await rm(stage, { recursive: true, force: true });
  await mkdir(stage, { recursive: true });
  const binary = join(stage, PLUGIN_BINARY);
  await build({
    entryPoints: [join(__dirname, "plugin-main.ts")],
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    minify: true,
    legalComments: "none",
    banner: { js: "#!/usr/bin/env node" },
    outfile: binary,
    // ssh2's optional native accelerators: it falls back to pure JS.
    external: ["cpu-features", "*.node"],
    logLevel: "warning",
  });
  await chmod(binary, 0o755);
  // Pulumi's naming (pulumi-resource-<name>-v<version>-<os>-<arch>.tar.gz); the bundle itself runs on any Node.js 22+.
  const tarball = join(outDir, `${PLUGIN_BINARY}-v${PLUGIN_VERSION}-${process.platform}-${process.arch === "x64" ? "amd64" : process.arch}.tar.gz`);
  await execFileP("tar", ["-czf", tarball, "--owner=0", "--group=0", "-C", stage, PLUGIN_BINARY]);
  return { version: PLUGIN_VERSION, binary, tarball, tarballBytes: (await stat(tarball)).size };
}

if (require.main === module) {
  packagePlugin().then(
    (p) => {
      console.log(`plugin ${PACKAGE_NAME} v${p.version}: ${(p.tarballBytes / 1024).toFixed(0)} KiB; install with:`);
      console.log(`  pulumi plugin install resource ${PACKAGE_NAME} ${p.version} --file ${p.tarball}`);
      console.log(p.tarball);
    },
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
