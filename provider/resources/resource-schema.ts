import { z } from "zod";
import { ManagedSecretsError } from "../core/errors";
import { parseRotationPeriod, ROTATION_PERIOD_FORM, type RotationPeriod } from "../validation/rotation-period";
import { SECRET_NAME } from "../store/store-input";
import {
  DEFAULT_RECOVERY_WINDOW_DAYS,
  MAX_RECOVERY_WINDOW_DAYS,
  MIN_RECOVERY_WINDOW_DAYS,
} from "../store/secret-store";

/**
 * The input fields every managed-secret resource has, and how a failed parse
 * becomes check() failures or an InvalidInput error, so EcsSecret and
 * RamSecret accept and word these exactly alike.
 */

export const text = (what: string) => z.string({ error: `must be ${what}` });

/** A name the store takes; the "acs/" prefix, which KMS keeps for the secrets it rotates itself, is each engine's rule (kms-engine.ts). */
function isResourceSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

const windowDays = `must be an integer ${MIN_RECOVERY_WINDOW_DAYS}..${MAX_RECOVERY_WINDOW_DAYS}`;

/** Each resource places these among its own fields, in the order its failures should be listed. */
export const sharedFields = {
  secretName: text("a secret name")
    .refine(isResourceSecretName, { error: "must be 1..192 characters of letters, digits and _/+=.@- (and must not start with acs/, unless KMS rotates the secret)" })
    .optional(),
  // Parsed here, once: the spec carries the text (what state records) and the seconds (what the store and the schedule use).
  rotationPeriod: text(ROTATION_PERIOD_FORM)
    .transform((v, ctx): RotationPeriod => {
      const seconds = parseRotationPeriod(v);
      if (seconds === undefined) ctx.addIssue({ code: "custom", message: `must be ${ROTATION_PERIOD_FORM}` });
      return { text: v, seconds: seconds ?? 0 };
    })
    .optional(),
  rotationTrigger: z.union([z.string(), z.number()], { error: "must be a string or a number" }).optional(),
  description: text("a string").max(1024, { error: "must be at most 1024 characters" }).default(""),
  recoveryWindowDays: z
    .number({ error: windowDays })
    .int({ error: windowDays })
    .min(MIN_RECOVERY_WINDOW_DAYS, { error: windowDays })
    .max(MAX_RECOVERY_WINDOW_DAYS, { error: windowDays })
    .default(DEFAULT_RECOVERY_WINDOW_DAYS),
  forceDeleteWithoutRecovery: z.boolean({ error: "must be true or false" }).default(false),
  // No default here: an undeclared engine is the stack's (managed-secrets:rotatedBy), which check and diff are handed.
  rotatedBy: z.enum(["product", "kms"], { error: 'must be "product" (managed-secrets rotates it) or "kms" (KMS rotates it itself; kms store only)' }).optional(),
};

export interface InputFailure {
  readonly property: string;
  readonly reason: string;
}

/** check()'s view: every failure, each naming its property and what is allowed. */
function validateInputs<S extends z.ZodType>(schema: S, raw: unknown): { spec?: z.output<S>; failures: InputFailure[] } {
  const result = schema.safeParse(stripEngineKeys(raw));
  if (result.success) return { spec: result.data, failures: [] };
  return {
    failures: result.error.issues.flatMap((issue): InputFailure[] =>
      issue.code === "unrecognized_keys"
        ? issue.keys.map((key) => ({ property: [...issue.path, key].join("."), reason: unknownInput(key, knownKeysAt(schema, issue.path)) }))
        : [{ property: issue.path.length > 0 ? issue.path.join(".") : "(inputs)", reason: issue.message }],
    ),
  };
}

/**
 * A misspelled input must not pass silently: `rotationPeriodd: "30d"` would
 * leave automatic rotation off while the program reads as if it were on.
 * (A TypeScript program catches it at compile time; JavaScript, a spread
 * object and the other languages' SDKs do not.)
 */
function unknownInput(key: string, known: readonly string[]): string {
  const nearest = known
    .map((k) => ({ k, d: editDistance(key.toLowerCase(), k.toLowerCase()) }))
    .filter((c) => c.d <= Math.max(2, Math.floor(key.length / 3)))
    .sort((a, b) => a.d - b.d)[0]?.k;
  return `is not an input here${nearest ? `; did you mean "${nearest}"?` : ""} (allowed: ${known.join(", ")})`;
}

/** The field names of the object schema at `path`, through optional, default, refine and transform wrappers. */
function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const unwrap = (node: unknown): { shape: Record<string, unknown> } | undefined => {
    let at = node as { shape?: Record<string, unknown>; _zod?: { def?: { in?: unknown; innerType?: unknown; schema?: unknown } } } | undefined;
    for (let depth = 0; at && depth < 16; depth++) {
      if (at.shape) return at as { shape: Record<string, unknown> };
      const def = at._zod?.def;
      at = (def?.in ?? def?.innerType ?? def?.schema) as typeof at;
    }
    return undefined;
  };
  let object = unwrap(schema);
  for (const p of path) object = unwrap(object?.shape[String(p)]);
  return object ? Object.keys(object.shape) : [];
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/** Like validateInputs, for the methods that must not proceed on bad input. */
function parseInputs<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const { spec, failures } = validateInputs(schema, raw);
  if (spec !== undefined) return spec;
  throw new ManagedSecretsError("InvalidInput", failures.map((f) => `${f.property} ${f.reason}`).join("; "), { property: failures[0]?.property });
}

/** A resource's validate (check) and parse (create, update) for its schema. */
export function inputsOf<S extends z.ZodType>(schema: S): { validate: (raw: unknown) => { spec?: z.output<S>; failures: InputFailure[] }; parse: (raw: unknown) => z.output<S> } {
  return { validate: (raw) => validateInputs(schema, raw), parse: (raw) => parseInputs(schema, raw) };
}

function stripEngineKeys(raw: unknown): unknown {
  if (raw === null || typeof raw !== "object") return raw;
  // The engine adds __provider to every dynamic resource's inputs.
  const { __provider, ...rest } = raw as Record<string, unknown>;
  return rest;
}
