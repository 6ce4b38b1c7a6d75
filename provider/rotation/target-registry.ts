import { ManagedSecretsError } from "../core/errors";
import type { SecretMeta } from "../store/secret-store";
import type { PreparedApply, RotationTarget, TestedSession } from "./rotation-target";
import type { TargetContext } from "./target-context";
import type { TargetFacts, TargetKind } from "./target-kind";
import { StoredTargetFields } from "./stored-target-fields";

export type { TargetFacts, TargetKind } from "./target-kind";

/** The metadata key every kind writes, whose value says which kind reads the rest. */
export const KIND_KEY = "kind";

/**
 * The kinds of target this process can rebuild from what a store keeps, as a
 * value: the runtime context builds it (context/) and hands it to whoever
 * needs it, so the protocol, the runner and the CLI ask it and never name a
 * concrete target, and nothing depends on which module was loaded first.
 */
export class TargetRegistry {
  readonly kinds: readonly TargetKind[];

  constructor(kinds: readonly TargetKind[]) {
    const names = kinds.map((k) => k.name);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice !== undefined) throw new Error(`target kind "${twice}" is listed twice`);
    this.kinds = [...kinds];
  }

  /**
   * Every metadata key any kind writes: where a credential goes and what is
   * done to whom. A store that keeps metadata where it is easier to change
   * than values are to read (KMS tags) authenticates exactly these.
   */
  get boundKeys(): readonly string[] {
    // The kind first (it alone names no target: the kms store's contract, kms-binding.ts namesTarget), then the rest
    // sorted: a binding signs the entries in this order, which must not depend on the order kinds are listed in.
    const rest = new Set(this.kinds.flatMap((k) => k.keys).filter((k) => k !== KIND_KEY));
    return [KIND_KEY, ...[...rest].sort()];
  }

  /** The secret's kind and its target's fields, decoded (and so validated) from what the store keeps. Sends nothing. */
  decode(meta: SecretMeta): { kind: TargetKind; spec: unknown } {
    // KMS's own type decides which kinds may read a secret: tags cannot make a generic secret one KMS rotates, or the reverse.
    const kind = this.kinds.find((k) => k.kmsSecretType === meta.managed?.secretType && k.matches(meta.metadata));
    if (kind === undefined) {
      if (meta.managed && meta.metadata[KIND_KEY] === undefined) {
        throw new ManagedSecretsError("InvalidInput", `secret ${meta.name} is a KMS ${meta.managed.secretType} secret that managed-secrets does not manage yet: adopt it with managed-secrets adopt kms ${meta.name}`, { secretName: meta.name });
      }
      throw new ManagedSecretsError("InvalidInput", `secret ${meta.name} is of kind ${meta.metadata[KIND_KEY] ?? "(none)"}, which this version cannot rotate`, { secretName: meta.name });
    }
    return { kind, spec: kind.decode(new StoredTargetFields(meta)) };
  }

  /**
   * Rebuilds a secret's target from what the store keeps, so the CLI and the
   * runner rotate without the Pulumi program. No admin connection is stored:
   * out-of-band rotation uses the current credential, which the protocol keeps
   * working at every step.
   */
  targetFor(meta: SecretMeta, ctx: TargetContext): RotationTarget {
    const { kind, spec } = this.decode(meta);
    return authenticated(kind.build(spec, meta.name, ctx), () => ctx.store.authenticateTarget(meta.name, meta.metadata));
  }

  /** What to say of the secret's target; undefined for one this version cannot read (its metadata is damaged, or of a later kind). */
  factsOf(meta: SecretMeta): TargetFacts | undefined {
    try {
      const { kind, spec } = this.decode(meta);
      return kind.facts(spec);
    } catch {
      return undefined;
    }
  }
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
  const canProbe = target.canProbe?.bind(target);
  const finishMetadata = target.finishMetadata?.bind(target);
  const retireDue = target.retireDue?.bind(target);
  return {
    ready,
    accepts: async (value) => (await ready(), target.accepts(value)),
    ...(canProbe ? { canProbe: async () => (await ready(), canProbe()) } : {}),
    apply: async (current, pending, versionId, prepared) => (await ready(), target.apply(current, pending, versionId, prepared)),
    ...(prepareApply ? { prepareApply: async (current: string) => (await ready(), prepareApply(current)) } : {}),
    test: async (value) => (await ready(), target.test(value)),
    retire: async (current, versionId, older, tested) => (await ready(), target.retire(current, versionId, older, tested)),
    generate: () => target.generate(),
    ...(finishMetadata ? { finishMetadata: async (current: string, at: Date) => (await ready(), finishMetadata(current, at)) } : {}),
    ...(retireDue ? { retireDue: async (now: Date) => (await ready(), retireDue(now)) } : {}),
  };
}
