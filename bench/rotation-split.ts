/**
 * `npm run bench -- --profile`: where one rotation's wall time goes. The
 * store and the target the bench hands rotateSecret are wrapped so every call
 * is a span on a timeline; each instant of a rotation is shared equally
 * among the parts busy at that instant (store, SSH, crypto), and what no
 * call covers is "other" (the protocol's own work, event-loop turns). So the
 * parts add up to the rotation's wall time even where calls overlap (the
 * login prepareApply opens runs beside generating the new value and storing
 * it). Also counts the fsync/fdatasync calls this process makes, by wrapping
 * the FileHandle methods for the profiled rows only.
 */
import { open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type Part = "store" | "ssh" | "crypto";
export const PARTS = ["store", "ssh", "crypto", "other"] as const;
export type SplitPart = (typeof PARTS)[number];

interface Span {
  readonly part: Part;
  readonly call: string;
  readonly start: number;
  readonly end: number;
}

const now = () => Number(process.hrtime.bigint()) / 1e6;

/** The target's calls by part: a new value is crypto (an RSA key is most of it), anything that logs in is SSH. */
export function targetPart(method: string): Part | undefined {
  if (method === "generate") return "crypto";
  if (["accepts", "prepareApply", "apply", "test", "retire"].includes(method)) return "ssh";
  return undefined;
}

export class RotationTimeline {
  readonly #spans: Span[] = [];
  readonly #rotations: Array<{ start: number; end: number }> = [];
  #syncs = 0;
  #syncMs = 0;

  /** Every method call of `object` whose part `partOf` names becomes a span. */
  wrap<T extends object>(object: T, prefix: string, partOf: (method: string) => Part | undefined): T {
    return new Proxy(object, {
      get: (target, prop, receiver) => {
        const value = Reflect.get(target, prop, receiver) as unknown;
        const part = typeof prop === "string" ? partOf(prop) : undefined;
        if (typeof value !== "function" || part === undefined) return typeof value === "function" ? value.bind(target) : value;
        return async (...args: unknown[]) => {
          const start = now();
          try {
            return await (value as (...a: unknown[]) => unknown).apply(target, args);
          } finally {
            this.#spans.push({ part, call: `${prefix}${String(prop)}`, start, end: now() });
          }
        };
      },
    });
  }

  /** Forgets what was recorded (the warm-up rotations). */
  clear(): void {
    this.#spans.length = 0;
    this.#rotations.length = 0;
    this.#syncs = 0;
    this.#syncMs = 0;
  }

  /** Times one rotation, counting its syncs. */
  rotation<T>(fn: () => Promise<T>): Promise<T> {
    return this.#countingSyncs(async () => {
      const start = now();
      try {
        return await fn();
      } finally {
        this.#rotations.push({ start, end: now() });
      }
    });
  }

  /** Counts this process's fsync and fdatasync calls while `fn` runs. */
  async #countingSyncs<T>(fn: () => Promise<T>): Promise<T> {
    const probePath = join(tmpdir(), `.ms-bench-sync-probe-${process.pid}`);
    const probe = await open(probePath, "w");
    const proto = Object.getPrototypeOf(probe) as { sync: () => Promise<void>; datasync: () => Promise<void> };
    await probe.close();
    await rm(probePath, { force: true });
    const original = { sync: proto.sync, datasync: proto.datasync };
    const counted = (inner: () => Promise<void>, add: (ms: number) => void) =>
      async function (this: unknown) {
        const start = now();
        try {
          return await inner.call(this);
        } finally {
          add(now() - start);
        }
      };
    const add = (ms: number) => {
      this.#syncs++;
      this.#syncMs += ms;
    };
    proto.sync = counted(original.sync, add);
    proto.datasync = counted(original.datasync, add);
    try {
      return await fn();
    } finally {
      proto.sync = original.sync;
      proto.datasync = original.datasync;
    }
  }

  /** Per rotation, averaged: each part's share of the wall time, the calls by name, and the syncs. */
  report(): { rotations: number; wallMs: number; parts: Record<SplitPart, number>; calls: Map<string, { count: number; ms: number }>; syncs: number; syncMs: number } {
    const parts: Record<SplitPart, number> = { store: 0, ssh: 0, crypto: 0, other: 0 };
    const calls = new Map<string, { count: number; ms: number }>();
    let wallMs = 0;
    for (const r of this.#rotations) {
      const spans = this.#spans.filter((s) => s.start >= r.start && s.end <= r.end);
      for (const s of spans) {
        const c = calls.get(s.call) ?? { count: 0, ms: 0 };
        c.count++;
        c.ms += s.end - s.start;
        calls.set(s.call, c);
      }
      wallMs += r.end - r.start;
      // Sweep the rotation's instants: each elementary interval goes in equal shares to the parts busy in it.
      const edges = [...new Set([r.start, r.end, ...spans.flatMap((s) => [s.start, s.end])])].sort((a, b) => a - b);
      for (let i = 0; i + 1 < edges.length; i++) {
        const [from, to] = [edges[i]!, edges[i + 1]!];
        const busy = new Set(spans.filter((s) => s.start <= from && s.end >= to).map((s) => s.part));
        if (busy.size === 0) parts.other += to - from;
        for (const part of busy) parts[part] += (to - from) / busy.size;
      }
    }
    const n = Math.max(1, this.#rotations.length);
    for (const p of PARTS) parts[p] /= n;
    for (const c of calls.values()) {
      c.count /= n;
      c.ms /= n;
    }
    return { rotations: this.#rotations.length, wallMs: wallMs / n, parts, calls, syncs: this.#syncs / n, syncMs: this.#syncMs / n };
  }
}

/** The split as the bench prints it, one block per row. */
export function printSplit(what: string, timeline: RotationTimeline, floorP50: number): void {
  const r = timeline.report();
  const share = (ms: number) => `${ms.toFixed(0).padStart(5)} ms ${((100 * ms) / r.wallMs).toFixed(0).padStart(3)}%`;
  console.log(`\n${what}: product's time per rotation, mean of ${r.rotations} (the floor's p50 in the same run: ${floorP50.toFixed(0)} ms)`);
  console.log(`  wall ${r.wallMs.toFixed(0)} ms = ${PARTS.map((p) => `${p} ${share(r.parts[p]).trim()}`).join(", ")}`);
  console.log(`  fsync/fdatasync calls: ${r.syncs.toFixed(1)} per rotation, ${r.syncMs.toFixed(1)} ms in them`);
  for (const [call, c] of [...r.calls.entries()].sort((a, b) => b[1].ms - a[1].ms)) {
    console.log(`  ${call.padEnd(28)} ${c.count.toFixed(1).padStart(4)} calls ${c.ms.toFixed(1).padStart(7)} ms`);
  }
}
