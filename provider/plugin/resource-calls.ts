/**
 * The engine's resource calls (Check, Diff, Create, Read, Update, Delete)
 * answered by the runtime's entry points, the very ones the dynamic
 * resources' serialized provider calls: the plugin adds only what the
 * protocol needs around them (secrets in and out, unknowns in previews, and
 * refusing a credential that arrives as plain text).
 */
import type { ResourceEntry } from "../resources/resource-entry";
import { ecsSecret, ramSecret } from "../runtime";
import { credentialInputPaths, ECS_SECRET_TOKEN, RAM_SECRET_TOKEN, secretOutputNames } from "./package-schema";
import { coveredBy, decodeProperties, encodeProperties, type Decoded, type Plain } from "./property-values";

type Props = Record<string, unknown>;

interface ResourceKind {
  readonly entry: ResourceEntry<never>;
  /** Input paths that hold a credential: they must arrive as secrets. */
  readonly credentials: readonly string[];
  /** Outputs that hold a credential: always secret. */
  readonly secretOutputs: readonly string[];
}

const KINDS: Record<string, ResourceKind> = {
  [ECS_SECRET_TOKEN]: { entry: ecsSecret as unknown as ResourceEntry<never>, credentials: credentialInputPaths(ECS_SECRET_TOKEN), secretOutputs: secretOutputNames(ECS_SECRET_TOKEN) },
  [RAM_SECRET_TOKEN]: { entry: ramSecret as unknown as ResourceEntry<never>, credentials: credentialInputPaths(RAM_SECRET_TOKEN), secretOutputs: secretOutputNames(RAM_SECRET_TOKEN) },
};

/** The resource kind of a URN's type token, or an error naming the types this plugin has. */
export function kindOf(type: string): ResourceKind {
  const kind = KINDS[type];
  if (!kind) throw new Error(`unknown resource type ${type}; this plugin provides ${Object.keys(KINDS).join(", ")}`);
  return kind;
}

/** The type token of a URN (urn:pulumi:stack::project::[parent$]type::name). */
export function typeOfUrn(urn: string): string {
  const parts = urn.split("::");
  const qualified = parts[2] ?? "";
  return qualified.slice(qualified.lastIndexOf("$") + 1);
}

export interface Failure {
  readonly property: string;
  readonly reason: string;
}

/** Whether a dotted path is present (not null) in a plain value. */
function present(value: Record<string, Plain>, path: string): boolean {
  let v: Plain | undefined = value;
  for (const part of path.split(".")) {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
    v = v[part];
  }
  return v !== undefined && v !== null;
}

const PLAIN_TEXT =
  "is a credential and arrived as plain text, which Pulumi would keep readable in the program and its state: pass it as a secret (a `pulumi config set --secret` value; YAML fn::secret, Python pulumi.Output.secret, Go pulumi.ToSecret, C# Output.CreateSecret, Java Output.ofSecret)";

export async function check(type: string, olds: Props | undefined, news: Props | undefined): Promise<{ inputs: Props; failures: Failure[] }> {
  const kind = kindOf(type);
  const n = decodeProperties(news);
  const plain = kind.credentials.filter((p) => present(n.value, p) && !coveredBy(n.secrets, p) && !coveredBy(n.unknowns, p));
  // A failure naming a top-level property makes the engine print that property's value: for a plain credential, say its name in the reason instead.
  const failures: Failure[] = plain.map((p) => ({ property: "", reason: `${p} ${PLAIN_TEXT}` }));
  const result = await kind.entry.check(decodeProperties(olds).value, n.value);
  for (const f of result.failures ?? []) {
    // What is not known yet (a preview of another resource's output) is checked when it is.
    if (coveredBy(n.unknowns, f.property)) continue;
    failures.push(plain.some((p) => f.property === p || p.startsWith(`${f.property}.`)) ? { property: "", reason: `${f.property} ${f.reason}` } : { property: f.property, reason: f.reason });
  }
  // Defaults are applied where they are used, as on the dynamic path: the inputs go back as they came, secrets and all.
  return { inputs: news ?? {}, failures };
}

export type DiffVerdict = { readonly changes: "none" | "some" | "unknown"; readonly replaces: string[]; readonly deleteBeforeReplace: boolean };

export async function diff(type: string, id: string, olds: Props | undefined, news: Props | undefined): Promise<DiffVerdict> {
  const n = decodeProperties(news);
  if (n.unknowns.size > 0) return { changes: "unknown", replaces: [], deleteBeforeReplace: false };
  const d = await kindOf(type).entry.diff(id, decodeProperties(olds).value as never, n.value);
  return { changes: d.changes === false ? "none" : "some", replaces: [...(d.replaces ?? [])], deleteBeforeReplace: d.deleteBeforeReplace ?? false };
}

/** Outputs back to the engine: credentials always secret, and whatever was secret in the inputs of the same name. */
function outputs(kind: ResourceKind, outs: object, secretInputs: Decoded["secrets"]): Props {
  const secret = new Set<string>(kind.secretOutputs);
  for (const key of Object.keys(outs)) if (secretInputs.has(key)) secret.add(key);
  return encodeProperties(outs as Props, secret);
}

export async function create(type: string, properties: Props | undefined, preview: boolean): Promise<{ id: string; properties: Props }> {
  const kind = kindOf(type);
  // A preview acts on nothing: what is not an input is not known yet.
  if (preview) return { id: "", properties: properties ?? {} };
  const inputs = decodeProperties(properties);
  const { id, outs } = await kind.entry.create(inputs.value);
  return { id, properties: outputs(kind, outs, inputs.secrets) };
}

export async function read(type: string, id: string, properties: Props | undefined): Promise<{ id: string; properties: Props; inputs?: Props }> {
  const kind = kindOf(type);
  const olds = decodeProperties(properties);
  if (Object.keys(olds.value).length === 0) {
    // `pulumi import`: no recorded outputs; the store says what the secret is, and the inputs a program would declare for it.
    const imported = await kind.entry.import(id);
    if (!imported.id || !imported.props || !imported.inputs) return { id: "", properties: {} };
    return { id: imported.id, properties: outputs(kind, imported.props, new Set()), inputs: encodeProperties(imported.inputs, new Set(kind.credentials.filter((p) => !p.includes(".")))) };
  }
  const r = await kind.entry.read(id, olds.value as never);
  if (!r.id || !r.props) return { id: "", properties: {} };
  return { id: r.id, properties: outputs(kind, r.props, olds.secrets) };
}

export async function update(type: string, id: string, olds: Props | undefined, news: Props | undefined, preview: boolean): Promise<Props> {
  const kind = kindOf(type);
  const o = decodeProperties(olds);
  if (preview) return outputs(kind, o.value, o.secrets);
  const n = decodeProperties(news);
  const { outs } = await kind.entry.update(id, o.value as never, n.value);
  return outputs(kind, outs, n.secrets);
}

export async function remove(type: string, id: string, properties: Props | undefined): Promise<void> {
  await kindOf(type).entry.delete(id, decodeProperties(properties).value as never);
}
