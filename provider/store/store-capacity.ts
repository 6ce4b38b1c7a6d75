import type { StoreCapacity } from "./secret-store";

/**
 * When a store's room for new secrets counts as running low: fewer than 10%
 * of its limit left. A quota is bought in steps, and raising one takes a
 * person and a console: 10% of a 1,000-secret instance is 100 more secrets,
 * a few weeks of growth for most fleets, found by `managed-secrets check`
 * and by `pulumi up`'s create before the instance is full.
 */
export const LOW_CAPACITY_FRACTION = 0.1;

/** The warning for a store with fewer than LOW_CAPACITY_FRACTION of its limit left; undefined when there is room. */
export function lowCapacityWarning(capacity: StoreCapacity): string | undefined {
  const left = Math.max(0, capacity.limit - capacity.used);
  if (left >= capacity.limit * LOW_CAPACITY_FRACTION) return undefined;
  return (
    `${capacity.where} holds ${capacity.used} of its ${capacity.limit} secrets (${left} left, under ${LOW_CAPACITY_FRACTION * 100}%): ` +
    `raise its secret quota or delete secrets it no longer needs before a create fails (${capacity.property})`
  );
}
