import { isoSeconds } from "../../core/clock";
import type { SecretRecord } from "../../state/state-types";
import type { ActionContext } from "../../gateway/product";
import { ledgerClosed } from "./kms-billing";
import { kmsErrors } from "./kms-errors";

/** Secrets may be named directly or by ARN: acs:kms:${region}:${account}:secret/${name}. */
export function secretNameFrom(ctx: ActionContext): string {
  const raw = ctx.params.SecretName ?? "";
  const arn = /^acs:kms:([^:]*):([^:]*):secret\/(.+)$/.exec(raw);
  if (!arn) return raw;
  if (arn[1] !== ctx.regionId || arn[2] !== ctx.state.data.accountId) throw kmsErrors.notFound();
  return arn[3] ?? "";
}

export function secretArn(ctx: Pick<ActionContext, "regionId" | "state">, name: string): string {
  return `acs:kms:${ctx.regionId}:${ctx.state.data.accountId}:secret/${name}`;
}

/**
 * The named secret, or Forbidden.ResourceNotFound. Most actions refuse a
 * secret that is scheduled for deletion; describing, listing versions,
 * restoring and deleting (forcibly) do not.
 */
export function findSecret(ctx: ActionContext, options: { allowPendingDeletion?: boolean } = {}): SecretRecord {
  const secret = ctx.state.data.secrets[secretNameFrom(ctx)];
  if (!secret) throw kmsErrors.notFound();
  if (secret.plannedDeleteTime && !options.allowPendingDeletion) throw kmsErrors.inDeleteWindow();
  return secret;
}

/** A change to the secret itself (not only its tags): its UpdateTime moves, and the state is saved. */
export function secretUpdated(ctx: ActionContext, secret: SecretRecord): void {
  secret.updateTime = isoSeconds(ctx.now);
  ctx.state.changed();
}

/**
 * Moves whenever the set of secrets or a deletion window changes (create,
 * delete, restore, purge), so what depends only on those (the listing order,
 * the next purge) is worked out once per change, not once per call: every
 * authenticated call changes the state (a key's last use), this does not.
 */
const secretSetChanges = new WeakMap<object, number>();

export function secretSetChanged(ctx: Pick<ActionContext, "state">): void {
  secretSetChanges.set(ctx.state, secretSetGeneration(ctx) + 1);
}

export function secretSetGeneration(ctx: Pick<ActionContext, "state">): number {
  return secretSetChanges.get(ctx.state) ?? 0;
}

/** The earliest end of a deletion window, per generation: most calls need not look at any secret. */
const nextPurges = new WeakMap<object, { generation: number; at: number }>();

/** Deletion windows end on the business clock; a secret past its window no longer exists. */
export function purgeExpiredSecrets(ctx: ActionContext): void {
  const known = nextPurges.get(ctx.state);
  if (known !== undefined && known.generation === secretSetGeneration(ctx) && known.at > ctx.now.getTime()) return;
  let purged = false;
  let next = Infinity;
  const secrets = ctx.state.data.secrets;
  for (const name in secrets) {
    const planned = secrets[name]!.plannedDeleteTime;
    if (planned === undefined || planned === "") continue;
    const at = Date.parse(planned);
    if (at <= ctx.now.getTime()) {
      delete secrets[name];
      ledgerClosed(ctx.state, name, new Date(at));
      purged = true;
    } else {
      next = Math.min(next, at);
    }
  }
  if (purged) {
    secretSetChanged(ctx);
    ctx.state.changed();
  }
  nextPurges.set(ctx.state, { generation: secretSetGeneration(ctx), at: next });
}
