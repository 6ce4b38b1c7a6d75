import { ManagedSecretsError } from "../core/errors";
import type { SecretMeta } from "../store/secret-store";
import { META } from "../schedule/rotation-metadata";
import type { PreparedApply, RotationTarget, TestedSession } from "./rotation-target";
import type { TargetContext } from "./target-context";
import { StoredTargetFields } from "./stored-target-fields";

/**
 * A kind of target the runner and the CLI can rebuild from what the store
 * keeps. Each target registers itself (targets/all-targets.ts), so the
 * protocol and the runner ask the registry and never name a concrete target.
 *
 * A kind owns its metadata: it writes it (encode), and reads it back (decode)
 * under the rules check() applies to a program's input, so what a store hands
 * back cannot choose a user, host or command that a declaration could not.
 */
export interface TargetKind<Spec = unknown> {
  /** As `check`, `report` and events name it, e.g. "ecs over ssh". */
  readonly name: string;
  /** Every metadata key the kind writes: each decides where a credential goes, so a store authenticates them all. */
  readonly keys: readonly string[];
  /** Whether a secret with this metadata is one of this kind. */
  matches(metadata: Readonly<Record<string, string>>): boolean;
  /** The target's fields from stored metadata, each held to check()'s rules; StoreUnreadable naming the key otherwise. */
  decode(fields: StoredTargetFields): Spec;
  /** The metadata that records `spec` (only this kind's keys). */
  encode(spec: Spec): Record<string, string>;
  /**
   * Names the credential a secret of this spec rotates (an instance user's
   * password, a RAM user's AccessKeys), the same across kinds that reach it
   * differently: two secrets with one key would rotate one credential and lock
   * each other out, so a store holds at most one live secret per key.
   */
  credentialKey(spec: Spec): string;
  /** The target for a decoded (or declared) spec. */
  build(spec: Spec, secretName: string, ctx: TargetContext): RotationTarget;
  /**
   * Optional: the stored value for a credential given as text (`rotate
   * --value-file`), held to the rules a declared custom value is, or
   * InvalidInput naming `property`. Absent: the kind takes no chosen value.
   */
  valueFromText?(text: string, spec: Spec, property: string): string;
}

const kinds: TargetKind[] = [];

/** Idempotent: a module loaded twice (tests, bundles) registers its kind once. */
export function registerTargetKind(kind: TargetKind): void {
  if (!kinds.some((k) => k.name === kind.name)) kinds.push(kind);
}

export function registeredTargetKinds(): readonly string[] {
  return kinds.map((k) => k.name);
}

/**
 * Rebuilds a secret's target from what the store keeps, so the CLI and the
 * runner rotate without the Pulumi program. No admin connection is stored:
 * out-of-band rotation uses the current credential, which the protocol keeps
 * working at every step.
 */
export function targetFromMetadata(meta: SecretMeta, ctx: TargetContext): RotationTarget {
  const { kind, spec } = decodeTarget(meta);
  return authenticated(kind.build(spec, meta.name, ctx), () => ctx.store.authenticateTarget(meta.name, meta.metadata));
}

/** The secret's kind and its target's fields, decoded (and so validated) from what the store keeps. Sends nothing. */
export function decodeTarget(meta: SecretMeta): { kind: TargetKind; spec: unknown } {
  const kind = kinds.find((k) => k.matches(meta.metadata));
  if (kind === undefined) {
    throw new ManagedSecretsError("InvalidInput", `secret ${meta.name} is of kind ${meta.metadata[META.kind] ?? "(none)"}, which this version cannot rotate`, { secretName: meta.name });
  }
  return { kind, spec: kind.decode(new StoredTargetFields(meta)) };
}

/**
 * Metadata can be easier to change than values are to read (KMS tags), and
 * the target built from it is where the credential goes: nothing reaches the
 * target until the store has vouched for that metadata. Asked once per target.
 */
function authenticated<Prepared extends PreparedApply, Tested extends TestedSession>(
  target: RotationTarget<Prepared, Tested>,
  authenticate: () => Promise<void>,
): RotationTarget<Prepared, Tested> {
  let checked: Promise<void> | undefined;
  const ready = () => (checked ??= authenticate());
  const prepareApply = target.prepareApply?.bind(target);
  const finishMetadata = target.finishMetadata?.bind(target);
  const retireDue = target.retireDue?.bind(target);
  return {
    ready,
    accepts: async (value) => (await ready(), target.accepts(value)),
    apply: async (current, pending, versionId, prepared) => (await ready(), target.apply(current, pending, versionId, prepared)),
    ...(prepareApply ? { prepareApply: async (current: string) => (await ready(), prepareApply(current)) } : {}),
    test: async (value) => (await ready(), target.test(value)),
    retire: async (current, versionId, older, tested) => (await ready(), target.retire(current, versionId, older, tested)),
    generate: () => target.generate(),
    ...(finishMetadata ? { finishMetadata: async (current: string, at: Date) => (await ready(), finishMetadata(current, at)) } : {}),
    ...(retireDue ? { retireDue: async (now: Date) => (await ready(), retireDue(now)) } : {}),
  };
}
