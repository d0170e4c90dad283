/**
 * Live replay entries per issuer, for the per-issuer quota of a shared replay store, without a COUNT per call: the
 * counts are read from the database at most every `refreshMs` (one grouped count for all issuers) and raised locally
 * for each token this process accepts in between. Other processes' tokens show at the next refresh, so with R
 * processes an issuer can exceed its quota by what R - 1 of them accept in one refresh interval; the quota bounds
 * the store's size against a runaway client, it is not an exact rate limit.
 */
export class IssuerQuota {
  private counts = new Map<string, number>();
  private refreshedAt = Number.NEGATIVE_INFINITY;
  private refreshing?: Promise<void>;

  constructor(
    readonly quota: number,
    private readonly countLive: (nowMs: number) => Promise<Map<string, number>>,
    private readonly now: () => number,
    private readonly refreshMs = 1000,
  ) {
    if (!Number.isInteger(quota) || quota < 1) throw new RangeError('the replay quota must be a positive integer');
  }

  size(iss: string): number {
    return this.counts.get(iss) ?? 0;
  }

  /** Whether the issuer is at its quota; when it is, the counts are read again (at most every 100 ms). */
  async full(iss: string): Promise<boolean> {
    if (this.size(iss) < this.quota) return false;
    if (this.now() - this.refreshedAt >= Math.min(100, this.refreshMs)) await this.refresh();
    return this.size(iss) >= this.quota;
  }

  accepted(iss: string): void {
    this.counts.set(iss, this.size(iss) + 1);
  }

  /** Reads the counts when the last read is older than the refresh interval. */
  async refreshIfDue(): Promise<void> {
    if (this.now() - this.refreshedAt >= this.refreshMs) await this.refresh();
  }

  /** One read at a time; callers arriving meanwhile share it. */
  refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const startedAt = this.now();
        this.counts = await this.countLive(startedAt);
        this.refreshedAt = startedAt;
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }
}
