import type { ApiError } from "./api-error";

/**
 * Parameter readers shared by the product modules. Each takes the error to
 * throw, because every product words "invalid parameter" its own way.
 */

export function optional(params: Record<string, string>, name: string): string | undefined {
  const v = params[name];
  return v === undefined || v === "" ? undefined : v;
}

/** RPC lists arrive flattened: Name.1, Name.2, ... in index order. */
export function flatList(params: Record<string, string>, name: string): string[] {
  const prefix = `${name}.`;
  return Object.keys(params)
    .filter((k) => k.startsWith(prefix) && /^\d+$/.test(k.slice(prefix.length)))
    .sort((a, b) => Number(a.slice(prefix.length)) - Number(b.slice(prefix.length)))
    .map((k) => params[k])
    .filter((v): v is string => v !== undefined && v !== "");
}

/** The N of every `Name.N.Field` parameter (RPC lists of objects), ascending; numbers only, unvalidated. */
export function flatIndexes(params: Record<string, string>, name: string): number[] {
  const pattern = new RegExp(`^${name.replace(/\./g, "\\.")}\\.(\\d+)\\.`);
  const found = new Set<number>();
  for (const key of Object.keys(params)) {
    const m = pattern.exec(key);
    if (m) found.add(Number(m[1]));
  }
  return [...found].sort((a, b) => a - b);
}

export function integer(
  params: Record<string, string>,
  name: string,
  range: { min: number; max: number; default: number },
  invalid: () => ApiError,
): number {
  const raw = optional(params, name);
  if (raw === undefined) return range.default;
  if (!/^-?\d+$/.test(raw)) throw invalid();
  const n = Number(raw);
  if (n < range.min || n > range.max) throw invalid();
  return n;
}

export function boolean(params: Record<string, string>, name: string, invalid: () => ApiError): boolean {
  const raw = optional(params, name);
  if (raw === undefined) return false;
  // The services read booleans as Java's Boolean.parseBoolean does, whatever the case: Alibaba's Python
  // clients send str(True), "True" (the Secrets Manager client's FetchExtendedConfig).
  if (raw.toLowerCase() === "true") return true;
  if (raw.toLowerCase() === "false") return false;
  throw invalid();
}

export function json(params: Record<string, string>, name: string, invalid: () => ApiError): unknown {
  const raw = optional(params, name);
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw invalid();
  }
}

/** PageNumber (from 1) and PageSize as every listing reads them; `invalid` words the error naming the parameter. */
export function pageParams(
  params: Record<string, string>,
  size: { min: number; max: number; default: number },
  invalid: (name: string) => ApiError,
): { pageNumber: number; pageSize: number } {
  const pageNumber = integer(params, "PageNumber", { min: 1, max: 1e9, default: 1 }, () => invalid("PageNumber"));
  const pageSize = integer(params, "PageSize", size, () => invalid("PageSize"));
  return { pageNumber, pageSize };
}

export function paginate<T>(items: T[], pageNumber: number, pageSize: number): T[] {
  return items.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
}
