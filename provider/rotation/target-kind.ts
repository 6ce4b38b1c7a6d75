import type { RotationTarget } from "./rotation-target";
import type { TargetContext } from "./target-context";
import type { StoredTargetFields } from "./stored-target-fields";
import type { ManagedSecretType } from "../store/secret-store";

/**
 * A kind of target: where a credential goes and how it is changed (an ECS
 * instance user over SSH or Cloud Assistant, a RAM user's AccessKeys). A kind
 * owns its metadata: it writes it (encode) and reads it back (decode) under
 * the rules check() applies to a program's input, so what a store hands back
 * cannot choose a user, host or command that a declaration could not; and it
 * answers what callers would otherwise read raw metadata keys for (facts).
 */
export interface TargetKind<Spec = unknown> {
  /** As `check`, `report` and events name it, e.g. "ecs over ssh". */
  readonly name: string;
  /** Every metadata key the kind writes: each decides where a credential goes, so a store authenticates them all. */
  readonly keys: readonly string[];
  /**
   * Set for a kind whose secrets KMS rotates itself: the KMS secret type it
   * reads (its target is KMS's own record, SecretMeta.managed). Only such a
   * kind reads a secret of that type, and never a generic one.
   */
  readonly kmsSecretType?: ManagedSecretType;
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
  /** What callers ask of a target without knowing its kind. */
  facts(spec: Spec): TargetFacts;
  /** The target for a decoded (or declared) spec. */
  build(spec: Spec, secretName: string, ctx: TargetContext): RotationTarget;
  /**
   * Optional: the stored value for a credential given as text (`rotate
   * --value-file`), held to the rules a declared custom value is, or
   * InvalidInput naming `property`. Absent: the kind takes no chosen value.
   */
  valueFromText?(text: string, spec: Spec, property: string): string;
}

/** What the CLI, the runner, events and the report say of a secret's target, whatever its kind. */
export interface TargetFacts {
  /** "ecs" or "ram": what events call the kind and `--select kind:` matches. */
  readonly family: string;
  /** Whose credential it is: `<instance>/<user>` for ECS, `ram-user/<name>` for RAM (events' `target`). */
  readonly subject: string;
  /** One line for lists and reports, e.g. "password of root on i-bp1... over ssh 10.0.0.5:22". */
  readonly description: string;
  /** What `--per-host` groups by, and the report's timeline rows: the ECS instance, or `ram:<user>`. */
  readonly failureDomain: string;
  /** The ECS instance, for `--select instance:`. */
  readonly instanceId?: string;
  /** "kms": KMS rotates it itself; the runner leaves it alone and `rotate` asks KMS (RotateSecret). Absent: the product rotates it. */
  readonly rotatedBy?: "kms";
}
