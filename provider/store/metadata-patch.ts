/**
 * A metadata patch as updateSecret takes it: a null value removes the key,
 * a string sets it, keys not named stay. Built through a Map and
 * Object.fromEntries, so a "__proto__" key is plain data.
 */
export function patchMetadata(
  metadata: Readonly<Record<string, string>>,
  patch: Readonly<Record<string, string | null>> | undefined,
): Record<string, string> {
  const next = new Map(Object.entries(metadata));
  for (const [key, value] of Object.entries(patch ?? {})) {
    if (value === null) next.delete(key);
    else next.set(key, value);
  }
  return Object.fromEntries(next);
}

/** The same keys with the same values (order aside). */
export function sameRecord(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ak = Object.keys(a);
  return ak.length === Object.keys(b).length && ak.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}
