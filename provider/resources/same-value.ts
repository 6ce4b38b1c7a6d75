/**
 * Whether two output values are the same, whatever the order of object keys.
 * Outputs come back from the Pulumi engine through protobuf Structs, whose
 * keys arrive sorted: comparing with JSON.stringify made every diff of an
 * object output with keys not already in alphabetical order a change, so
 * `pulumi up --expect-no-changes` failed on a healthy stack.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    return `{${entries
      .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
      .map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`)
      .join(",")}}`;
  }
  return JSON.stringify(v) ?? "undefined";
}
