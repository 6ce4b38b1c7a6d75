/**
 * `npm run bundle`: the Function Compute handler as one small file. Native
 * optional accelerators of ssh2 stay out (it falls back to pure JS), so the
 * bundle runs on FC's stock Node.js runtime with no node_modules.
 */
import { build } from "esbuild";
import { statSync } from "node:fs";
import { join, resolve } from "node:path";

const FC_BUNDLE_PATH = resolve(__dirname, "..", "..", "..", "dist", "fc", "index.js");

export async function bundleFcHandler(outfile = FC_BUNDLE_PATH): Promise<{ path: string; bytes: number }> {
  await build({
    entryPoints: [join(__dirname, "..", "fc-handler.ts")],
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    minify: true,
    legalComments: "external",
    outfile,
    external: ["cpu-features", "*.node"],
    logLevel: "warning",
  });
  return { path: outfile, bytes: statSync(outfile).size };
}

if (require.main === module) {
  bundleFcHandler().then(({ path, bytes }) => console.log(`${path}: ${(bytes / 1024).toFixed(0)} KiB`));
}
