/** A monotonic time in milliseconds; injectable so tests move the rate window without waiting. */
export type RateClock = () => number;

/** The length of the window a per-second quota is counted over. */
const QPS_WINDOW_MS = 1000;

/**
 * Per-second request quotas, the way Alibaba Cloud's gateways apply them: per
 * account (and region: the emulator has one of each) and per group of
 * operations that share a quota. A call is admitted while fewer than `limit`
 * calls of its group were admitted in the last second; refused calls do not
 * count, so a caller that backs off gets through again within a second.
 */
export class QpsWindow {
  readonly #admitted = new Map<string, number[]>();

  constructor(private readonly now: RateClock) {}

  admit(key: string, limit: number): boolean {
    const at = this.now();
    const times = this.#admitted.get(key) ?? [];
    let expired = 0;
    while (expired < times.length && times[expired]! <= at - QPS_WINDOW_MS) expired++;
    if (expired > 0) times.splice(0, expired);
    if (times.length >= limit) {
      this.#admitted.set(key, times);
      return false;
    }
    times.push(at);
    this.#admitted.set(key, times);
    return true;
  }

  clear(): void {
    this.#admitted.clear();
  }
}

/** Which quota group an action of a product consumes, and the group's calls per second. */
export interface ProductQuotas {
  readonly groupOf: (action: string) => string | undefined;
  readonly limits: Readonly<Record<string, number>>;
}

/** The quotas in force, per product code; a product without an entry is not limited. */
export class RequestQuotas {
  readonly #window: QpsWindow;
  readonly #products = new Map<string, ProductQuotas>();

  constructor(now: RateClock) {
    this.#window = new QpsWindow(now);
  }

  set(productCode: string, quotas: ProductQuotas | undefined): void {
    if (quotas === undefined) this.#products.delete(productCode);
    else this.#products.set(productCode, quotas);
    this.#window.clear();
  }

  admit(productCode: string, action: string, accountId: string): boolean {
    const quotas = this.#products.get(productCode);
    const group = quotas?.groupOf(action);
    const limit = group === undefined ? undefined : quotas?.limits[group];
    if (limit === undefined) return true;
    return this.#window.admit(`${accountId}\0${productCode}\0${group}`, limit);
  }
}
