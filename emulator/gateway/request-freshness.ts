/**
 * What keeps a signed request from being replayed, for both signature kinds:
 * how far its time may be from the gateway's clock, and the nonces seen while
 * a request carrying them could still be that fresh.
 */

/** The gateway refuses requests whose x-acs-date is further than this from its own clock. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** Remembers nonces for as long as a request carrying them could still be fresh. */
export class NonceCache {
  private readonly seen = new Map<string, number>();

  /** True when the nonce was already used; records it otherwise. */
  checkAndRecord(nonce: string, nowMs: number): boolean {
    // Oldest first (insertion order, one fixed lifetime): stop at the first nonce still fresh.
    for (const [n, expires] of this.seen) {
      if (expires > nowMs) break;
      this.seen.delete(n);
    }
    if (this.seen.has(nonce)) return true;
    this.seen.set(nonce, nowMs + 2 * MAX_CLOCK_SKEW_MS);
    return false;
  }
}
