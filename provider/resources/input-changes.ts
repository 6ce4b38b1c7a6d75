/**
 * What a change of each input does, declared next to the input's schema, so
 * diff() is derived from one table per resource and a new input cannot be
 * left out of a hand-written comparison: the table's type requires every
 * input the schema has.
 *
 * - replace: a different secret (a new target or name); the old one is deleted.
 * - rotate: the credential changes at once during `pulumi up`.
 * - update: the store's record changes; nothing is rotated.
 * - none: read only when the secret is created (the credential that works today).
 */
export type InputChange = "replace" | "rotate" | "update" | "none";

export interface InputRule<Olds, Spec> {
  readonly change: InputChange;
  /** Whether the declared value differs from what state records; default: strict equality of the same key. */
  readonly differs?: (olds: Olds, spec: Spec) => boolean;
}

/** One entry per input of the schema, optional ones included. */
export type InputRules<Inputs, Olds, Spec> = { readonly [K in keyof Required<Inputs>]: InputChange | InputRule<Olds, Spec> };

export interface InputChanges {
  readonly replaces: readonly string[];
  readonly rotates: readonly string[];
  readonly updates: readonly string[];
}

export function inputChanges<Inputs, Olds, Spec>(rules: InputRules<Inputs, Olds, Spec>, olds: Olds, spec: Spec): InputChanges {
  const found: Record<InputChange, string[]> = { replace: [], rotate: [], update: [], none: [] };
  for (const [key, rule] of Object.entries(rules) as [string, InputChange | InputRule<Olds, Spec>][]) {
    const { change, differs } = typeof rule === "string" ? { change: rule, differs: undefined } : rule;
    if (change === "none") continue;
    const changed = differs ? differs(olds, spec) : (olds as Record<string, unknown>)[key] !== (spec as Record<string, unknown>)[key];
    if (changed) found[change].push(key);
  }
  return { replaces: found.replace, rotates: found.rotate, updates: found.update };
}

/** Every input whose change replaces the resource: Pulumi's replaceOnChanges, and the plugin schema's. */
export function replacingInputs<Inputs, Olds, Spec>(rules: InputRules<Inputs, Olds, Spec>): string[] {
  return Object.entries(rules)
    .filter(([, rule]) => (typeof rule === "string" ? rule : (rule as InputRule<Olds, Spec>).change) === "replace")
    .map(([key]) => key);
}
