/**
 * Remembers JWT ids (`jti`) until their token expires, so a token cannot be replayed within its lifetime.
 *
 * Memory is bounded by `maxEntries`. When the cache is full, expired entries are swept first; if it is still
 * full (every remembered token is still live), the new token is REFUSED (fail closed): forgetting a live jti
 * would reopen the replay window, and a full cache of live tokens means a caller is minting tokens far faster
 * than any EHR does. Tokens are short-lived (the authenticator caps the lifetime), so the cache drains by itself.
 */
export type ReplayVerdict = 'fresh' | 'replayed' | 'full';

export class ReplayCache {
  /** key -> expiry (ms since epoch). A Map keeps insertion order, which the sweep does not rely on. */
  private readonly entries = new Map<string, number>();
  private nextSweepAt = 0;
  private lastSweepAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
  }

  get size(): number {
    return this.entries.size;
  }

  /** Records `key` until `expiresAtMs` unless it was already seen (and is not yet expired). */
  checkAndRemember(key: string, expiresAtMs: number, nowMs: number): ReplayVerdict {
    const seenUntil = this.entries.get(key);
    if (seenUntil !== undefined) {
      if (seenUntil > nowMs) return 'replayed';
      this.entries.delete(key);
    }
    if (nowMs >= this.nextSweepAt) this.sweep(nowMs);
    if (this.entries.size >= this.maxEntries) {
      // Full: sweep again, but at most every 100 ms so a flood of refused tokens does not cost O(n) each.
      if (nowMs - this.lastSweepAt >= 100) this.sweep(nowMs);
      if (this.entries.size >= this.maxEntries) return 'full';
    }
    this.entries.set(key, expiresAtMs);
    return 'fresh';
  }

  /** Drops expired entries: once a second on the request path, and when the cache is full. */
  private sweep(nowMs: number): void {
    for (const [key, expiresAt] of this.entries) {
      if (expiresAt <= nowMs) this.entries.delete(key);
    }
    this.lastSweepAt = nowMs;
    this.nextSweepAt = nowMs + 1000;
  }
}
