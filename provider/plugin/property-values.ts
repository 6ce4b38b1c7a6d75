/**
 * Pulumi's property values as they cross the provider protocol, read into the
 * plain JSON the runtime's handlers take, and written back.
 *
 * The engine marks a secret as an object carrying the signature key (the
 * provider accepts secrets in Configure), and a value not known yet (a preview
 * of another resource's output) as a sentinel string. The handlers must never
 * see either: a secret is unwrapped, and where it was is remembered so it goes
 * back out as a secret; an unknown is reported so the caller can skip what
 * depends on it. Signatures: @pulumi/pulumi runtime/rpc.ts (specialSigKey,
 * specialSecretSig, unknownValue).
 */

export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export type Plain = null | boolean | number | string | Plain[] | { [key: string]: Plain };

/** Inputs or outputs as the handlers see them, plus where the engine had secrets and unknowns. */
export interface Decoded {
  readonly value: Record<string, Plain>;
  /** Dotted paths ("initialValue", "connection.admin.password") that arrived as secrets. */
  readonly secrets: ReadonlySet<string>;
  /** Dotted paths whose value is not known yet (preview). */
  readonly unknowns: ReadonlySet<string>;
}

export function decodeProperties(raw: Record<string, unknown> | undefined): Decoded {
  const secrets = new Set<string>();
  const unknowns = new Set<string>();
  const walk = (v: unknown, path: string): Plain => {
    if (v === UNKNOWN) {
      unknowns.add(path);
      return null;
    }
    if (Array.isArray(v)) return v.map((e, i) => walk(e, `${path}[${i}]`));
    if (v !== null && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if (o[SIG_KEY] === SECRET_SIG) {
        secrets.add(path);
        return walk(o.value, path);
      }
      if (SIG_KEY in o) {
        // Assets, archives and resource references: no input of ours takes one.
        throw new TypeError(`${path || "(inputs)"} is a Pulumi asset, archive or resource reference; a plain value is expected`);
      }
      return Object.fromEntries(Object.entries(o).filter(([, e]) => e !== undefined).map(([k, e]) => [k, walk(e, path ? `${path}.${k}` : k)]));
    }
    return v as Plain;
  };
  const value = walk(raw ?? {}, "") as Record<string, Plain>;
  return { value, secrets, unknowns };
}

/** A value wrapped as a Pulumi secret. */
export function secretValue(value: unknown): Record<string, unknown> {
  return { [SIG_KEY]: SECRET_SIG, value };
}

/**
 * Plain values back to the engine, each dotted path in `secretPaths` wrapped
 * as a secret. Undefined members are dropped: a protobuf Struct has no undefined.
 */
export function encodeProperties(value: Record<string, unknown>, secretPaths: ReadonlySet<string>): Record<string, unknown> {
  const walk = (v: unknown, path: string): unknown => {
    let out: unknown = v;
    if (Array.isArray(v)) out = v.map((e, i) => walk(e, `${path}[${i}]`));
    else if (v !== null && typeof v === "object") {
      out = Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, e]) => e !== undefined).map(([k, e]) => [k, walk(e, path ? `${path}.${k}` : k)]));
    }
    return secretPaths.has(path) ? secretValue(out) : out;
  };
  return walk(value, "") as Record<string, unknown>;
}

/** Whether `path` or anything above it is in `paths` ("connection" covers "connection.admin.password"). */
export function coveredBy(paths: ReadonlySet<string>, path: string): boolean {
  for (const p of paths) if (path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`)) return true;
  return false;
}
