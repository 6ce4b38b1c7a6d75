/**
 * Only for bench/scale-kms.ts, bench/scale-pass-overhead.ts and
 * tests/store/kms-listing.test.ts, whose owners re-point them to
 * core/map-bounded.ts; then this file goes.
 */
export { mapBounded as mapWithConcurrency } from "../core/map-bounded";
