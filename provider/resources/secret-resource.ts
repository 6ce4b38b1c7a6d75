import { ManagedSecretsError, secretNotFound } from "../core/errors";
import type { RuntimeContext } from "../context/runtime-context";
import { DEFAULT_RECOVERY_WINDOW_DAYS, type SecretMeta } from "../store/secret-store";

/**
 * The parts of a managed-secret resource's lifecycle that do not depend on
 * what the secret manages (an instance user, a RAM user): name conflicts,
 * liveness, refresh of a gone secret, and deletion with a recovery window.
 * EcsSecret and RamSecret share them so both behave exactly alike.
 */

/** What a resource keeps in state about how it is deleted. */
export interface DeletionSettings {
  readonly recoveryWindowDays?: number;
  readonly forceDeleteWithoutRecovery?: boolean;
}

/**
 * A stored secret of the same name that manages something else: creating over
 * it would hijack it. Inside its recovery window the error says how to free the name.
 */
export function nameConflict(name: string, existing: SecretMeta, managed: string): ManagedSecretsError {
  return existing.plannedDeleteAt
    ? new ManagedSecretsError(
        "SecretPendingDeletion",
        `secret ${name} is scheduled for deletion (at ${existing.plannedDeleteAt}) and manages ${managed}; choose another secretName, or delete it for good with: managed-secrets delete ${name} --force`,
        { secretName: name, property: "secretName" },
      )
    : new ManagedSecretsError("SecretExists", `secret ${name} already exists and manages ${managed}; choose another secretName`, {
        secretName: name,
        property: "secretName",
      });
}

/** The secret as it must be for create/update to act on it: present and not scheduled for deletion. */
export async function requireLive(ctx: RuntimeContext, id: string): Promise<SecretMeta> {
  const meta = await ctx.store.describeSecret(id);
  if (!meta) throw secretNotFound(id, " in the store any more");
  if (meta.plannedDeleteAt) {
    throw new ManagedSecretsError("SecretPendingDeletion", `secret ${id} is scheduled for deletion at ${meta.plannedDeleteAt}; restore it with: managed-secrets restore ${id}`, { secretName: id });
  }
  return meta;
}

/**
 * The start of every refresh: a secret gone from the store (purged after its
 * window, or force-deleted) reads as a deleted resource; one scheduled for
 * deletion reads as its last outputs plus the planned time, which diff reports.
 */
export async function readPrelude<P extends object>(
  id: string,
  props: P | undefined,
  ctx: RuntimeContext,
): Promise<{ done: { id?: string; props?: P & { plannedDeleteAt?: string } } } | { meta: SecretMeta; props: P }> {
  const meta = await ctx.store.describeSecret(id);
  if (!meta) return { done: {} };
  if (!props) {
    throw new ManagedSecretsError("InvalidInput", `secret ${id} cannot be read without its recorded outputs: import is not supported for dynamic resources`, { secretName: id });
  }
  if (meta.plannedDeleteAt) return { done: { id, props: { ...props, plannedDeleteAt: meta.plannedDeleteAt } } };
  return { meta, props };
}

/** Delete schedules deletion (or deletes at once when forced) and never touches what the secret manages. */
export async function removeSecret(id: string, props: DeletionSettings, ctx: RuntimeContext): Promise<void> {
  const meta = await ctx.store.describeSecret(id);
  // Deleting a secret that is already gone or already scheduled is done.
  if (!meta || (meta.plannedDeleteAt && !props.forceDeleteWithoutRecovery)) return;
  await ctx.store.deleteSecret(id, props.forceDeleteWithoutRecovery ? { force: true } : { recoveryWindowDays: props.recoveryWindowDays ?? DEFAULT_RECOVERY_WINDOW_DAYS });
}

/** Metadata for a new secret: a null in a patch means "remove", which a new secret has nothing to remove. */
export function definedOnly(record: Record<string, string | null>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).filter((e): e is [string, string] => e[1] !== null));
}
