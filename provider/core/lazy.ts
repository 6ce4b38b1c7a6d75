/**
 * A module loaded on its first use instead of with the file that names it.
 *
 * The project's own modules are imported statically: all of them together
 * add about 25 ms and 0.5 MB, once per process, to the runtime entry
 * (provider/runtime.ts, what the serialized provider requires inside Pulumi's
 * host: 70 -> 94 ms), and create, read, update and delete load them anyway.
 * This is only for modules measured to cost a path that never uses them
 * (Node 22, medians of 25 fresh processes with @pulumi/pulumi already
 * loaded, as it is in a program and in the host):
 *
 * - the Alibaba Cloud SDKs (@alicloud/*: 0.5 s and 59 MB of RSS), ssh2
 *   (19 ms) and pino (7 ms), on top of the runtime entry's 94 ms: a preview
 *   (configure, check, diff) reaches no cloud API and no host, and logs nothing;
 * - the runner's deployment description (zod and 37 more files, 69 ms),
 *   fflate (5 ms) and @pulumi/alicloud (81 ms, and an optional peer that may
 *   be absent), on top of `require("alicloud-managed-secrets")`'s 2.6 ms in
 *   every program that declares no RotationRunner.
 *
 * The require stays at the call site with its literal name, so the Function
 * Compute bundle (esbuild) and the package test that reads dist/ for
 * require("...") still see it:
 * `const ssh2 = lazy(() => require("ssh2") as typeof import("ssh2"));`
 * A load that throws is not remembered: the next call tries again.
 */
export function lazy<T>(load: () => T): () => T {
  let loaded: { readonly value: T } | undefined;
  return () => (loaded ??= { value: load() }).value;
}
