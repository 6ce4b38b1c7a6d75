/**
 * Where a CPU profile's time went, by part: `npx tsx bench/cpu-profile-summary.ts
 * <file.cpuprofile> [rotations]`. Each sample goes to the innermost frame of
 * ours or of a package (so node's internals count for whoever called them):
 * the local store, SSH (provider/ssh and ssh2), the rest of the provider, the
 * bench's floor, Pulumi, gRPC/protobuf, other packages; idle and garbage
 * collection apart. With `rotations`, also per rotation.
 *
 * A profile of the single-rotation rows (floor and product interleaved):
 *   BENCH_ONLY=single node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/index.ts
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const PARTS: ReadonlyArray<[string, RegExp]> = [
  ["store (provider/store)", /\/provider\/store\//],
  ["SSH (provider/ssh, ssh2)", /\/provider\/ssh\/|node_modules\/ssh2\//],
  ["credentials (key generation)", /\/provider\/credentials\//],
  ["rest of the provider", /\/provider\//],
  ["floor (testkit/ssh-client)", /\/testkit\/ssh-client\//],
  ["bench and testkit", /\/bench\/|\/testkit\//],
  ["Pulumi (@pulumi/pulumi)", /node_modules\/@pulumi\//],
  ["gRPC, protobuf", /node_modules\/(@grpc|google-protobuf)\//],
  ["other packages", /node_modules\//],
];

function partOf(chain: readonly ProfileNode[]): string {
  const leaf = chain[0]!.callFrame.functionName;
  if (leaf === "(idle)" || leaf === "(garbage collector)" || leaf === "(program)") return leaf;
  for (const node of chain) {
    const url = node.callFrame.url;
    if (url === "" || url.startsWith("node:")) continue;
    return PARTS.find(([, pattern]) => pattern.test(url))?.[0] ?? "other code";
  }
  return "node internals";
}

function summarize(profile: CpuProfile, rotations: number): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const ms = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const chain: ProfileNode[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) chain.push(byId.get(at)!);
    const part = partOf(chain);
    const dt = profile.timeDeltas[i]! / 1000;
    ms.set(part, (ms.get(part) ?? 0) + dt);
    total += dt;
  });
  const busy = total - (ms.get("(idle)") ?? 0);
  console.log(`${(total / 1000).toFixed(1)} s profiled, ${(busy / 1000).toFixed(2)} s of it busy (${((100 * busy) / total).toFixed(1)}%)`);
  for (const [part, t] of [...ms.entries()].sort((a, b) => b[1] - a[1])) {
    const per = rotations > 0 ? `  ${(t / rotations).toFixed(1).padStart(7)} ms per rotation` : "";
    console.log(`  ${part.padEnd(32)} ${t.toFixed(0).padStart(8)} ms ${((100 * t) / total).toFixed(1).padStart(5)}%${per}`);
  }
}

const [file, rotations] = process.argv.slice(2);
if (!file) {
  console.error("usage: npx tsx bench/cpu-profile-summary.ts <file.cpuprofile> [rotations]");
  process.exitCode = 2;
} else {
  summarize(JSON.parse(readFileSync(file, "utf8")) as CpuProfile, Number(rotations ?? 0));
}
