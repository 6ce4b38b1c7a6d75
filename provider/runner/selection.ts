import { ManagedSecretsError } from "../core/errors";
import type { SecretMeta } from "../store/secret-store";
import type { TargetFacts, TargetRegistry } from "../rotation/target-registry";

/**
 * `--select`, shared by `run`, `rotate` and `check`, so the secrets a check
 * reports are exactly the ones a run with the same flags would touch.
 *
 * A term is `name:<prefix>`, `instance:<id>`, `kind:<ecs|ram>` or
 * `tag:<key>=<value>`. Terms of one field widen (any of them), terms of
 * different fields narrow (all fields): `--select instance:i-a --select
 * instance:i-b --select kind:ecs` is "ECS secrets on i-a or i-b".
 */

const SELECT_FIELDS = ["name", "instance", "kind", "tag"] as const;
export type SelectField = (typeof SELECT_FIELDS)[number];
const SELECT_KINDS = ["ecs", "ram"] as const;

export interface SelectTerm {
  readonly field: SelectField;
  readonly value: string;
  /** Only for `tag`: the metadata key. */
  readonly key?: string;
}

const SELECT_RULE = "must be name:<prefix>, instance:<instance id>, kind:ecs|ram or tag:<key>=<value>";
/** Metadata keys are KMS tag keys too (letters, digits and a few marks). */
const TAG_KEY = /^[A-Za-z0-9_./:+=@-]{1,128}$/;

/** Parses one `--select` term; the error names the flag and says what is allowed. */
function parseSelectTerm(text: string): SelectTerm {
  const colon = text.indexOf(":");
  const field = colon > 0 ? text.slice(0, colon) : "";
  const value = colon > 0 ? text.slice(colon + 1) : "";
  const bad = (why: string) => new ManagedSecretsError("InvalidInput", `--select ${JSON.stringify(text)}: ${why}`, { property: "--select" });
  if (!(SELECT_FIELDS as readonly string[]).includes(field)) throw bad(SELECT_RULE);
  if (value === "") throw bad(`${field}: needs a value; ${SELECT_RULE}`);
  if (field === "kind" && !(SELECT_KINDS as readonly string[]).includes(value)) throw bad(`kind must be one of ${SELECT_KINDS.join(", ")}`);
  if (field === "instance" && !/^i-[A-Za-z0-9]{1,40}$/.test(value)) throw bad("instance must be an ECS instance id like i-bp1abc");
  if (field === "tag") {
    const eq = value.indexOf("=");
    const key = eq > 0 ? value.slice(0, eq) : "";
    if (!TAG_KEY.test(key)) throw bad("tag must be <key>=<value> with a key of letters, digits and _ . / : + = @ -");
    return { field: "tag", key, value: value.slice(eq + 1) };
  }
  return { field: field as SelectField, value };
}

/** Commander's collector for a repeatable `--select`. */
export function collectSelect(text: string, previous: readonly SelectTerm[] = []): SelectTerm[] {
  return [...previous, parseSelectTerm(text)];
}

function matchesTerm(meta: SecretMeta, facts: TargetFacts | undefined, term: SelectTerm): boolean {
  switch (term.field) {
    case "name":
      return meta.name.startsWith(term.value);
    case "instance":
      return facts?.instanceId === term.value;
    case "kind":
      return facts?.family === term.value;
    case "tag":
      return meta.metadata[term.key!] === term.value;
  }
}

/**
 * The secrets these terms pick (no terms: every one), judged by what each
 * secret's target kind says it is (a target this version cannot read matches
 * only name and tag terms). Terms on one field are alternatives; different
 * fields must all match.
 */
export function selection(terms: readonly SelectTerm[] | undefined, targets: TargetRegistry): (meta: SecretMeta) => boolean {
  if (!terms || terms.length === 0) return () => true;
  const fields = new Set(terms.map((t) => t.field));
  return (meta) => {
    const facts = targets.factsOf(meta);
    return [...fields].every((field) => terms.some((t) => t.field === field && matchesTerm(meta, facts, t)));
  };
}
