/**
 * The subset of RAM's policy language the emulator evaluates, as RAM's
 * "Policy elements" and "Policy evaluation" pages describe it: Version "1",
 * Statement[] of Effect Allow|Deny, Action and Resource as a string or list
 * with `*` / `?` wildcards. An explicit Deny anywhere wins over any Allow;
 * with no matching Allow the answer is an implicit deny. Conditions,
 * NotAction and NotResource are refused at CreatePolicy rather than ignored:
 * ignoring a condition would grant more than the real service does and make
 * a too-wide policy look right.
 */

const POLICY_VERSION = "1";
/** CreatePolicy: PolicyDocument at most 6144 characters (RAM limits page). */
const POLICY_DOCUMENT_MAX_LENGTH = 6144;

export type Effect = "Allow" | "Deny";

export interface Statement {
  readonly effect: Effect;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

export interface ParsedPolicy {
  readonly statements: readonly Statement[];
}

/** Why a document was refused; the RAM product turns it into its own error. */
export class PolicyGrammarError extends Error {
  override readonly name = "PolicyGrammarError";
}

const STATEMENT_KEYS = new Set(["Sid", "Effect", "Action", "Resource"]);

function stringList(value: unknown, element: string): string[] {
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((v) => typeof v === "string" && v !== "")) {
    throw new PolicyGrammarError(`${element} must be a non-empty string or list of strings`);
  }
  return list as string[];
}

export function parsePolicy(document: string): ParsedPolicy {
  if (document.length > POLICY_DOCUMENT_MAX_LENGTH) throw new PolicyGrammarError("the document is too long");
  let raw: unknown;
  try {
    raw = JSON.parse(document);
  } catch {
    throw new PolicyGrammarError("the document is not JSON");
  }
  const doc = raw as { Version?: unknown; Statement?: unknown };
  if (typeof raw !== "object" || raw === null || doc.Version !== POLICY_VERSION) {
    throw new PolicyGrammarError('Version must be "1"');
  }
  if (!Array.isArray(doc.Statement) || doc.Statement.length === 0) throw new PolicyGrammarError("Statement must be a non-empty list");
  const statements = doc.Statement.map((s: unknown): Statement => {
    if (typeof s !== "object" || s === null) throw new PolicyGrammarError("a statement must be an object");
    const st = s as Record<string, unknown>;
    for (const key of Object.keys(st)) {
      if (!STATEMENT_KEYS.has(key)) throw new PolicyGrammarError(`the emulator does not evaluate ${key}`);
    }
    if (st.Effect !== "Allow" && st.Effect !== "Deny") throw new PolicyGrammarError("Effect must be Allow or Deny");
    return { effect: st.Effect, actions: stringList(st.Action, "Action"), resources: stringList(st.Resource, "Resource") };
  });
  return { statements };
}

function globToRegExp(pattern: string, flags: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${body}$`, flags);
}

/** Action names are matched without regard to case, as RAM documents for the Action element; ARNs are matched as written. */
export function actionMatches(pattern: string, action: string): boolean {
  return globToRegExp(pattern, "i").test(action);
}

function resourceMatches(pattern: string, resource: string): boolean {
  return globToRegExp(pattern, "").test(resource);
}

export type Decision = "Allow" | "ExplicitDeny" | "ImplicitDeny";

/** One authorization question: an action on a resource ARN ("*" for actions without resource-level authorization). */
export interface AuthRequest {
  readonly action: string;
  readonly resource: string;
}

export function evaluate(policies: readonly ParsedPolicy[], request: AuthRequest): Decision {
  let allowed = false;
  for (const policy of policies) {
    for (const s of policy.statements) {
      if (!s.actions.some((a) => actionMatches(a, request.action))) continue;
      if (!s.resources.some((r) => resourceMatches(r, request.resource))) continue;
      if (s.effect === "Deny") return "ExplicitDeny";
      allowed = true;
    }
  }
  return allowed ? "Allow" : "ImplicitDeny";
}
