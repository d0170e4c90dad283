/**
 * Remembers JWT ids (`jti`) until their token expires, so a token cannot be replayed within its lifetime.
 *
 * Partitioned by issuer, each with its own quota: an issuer whose live tokens fill its quota has its next token
 * REFUSED (fail closed: forgetting a live jti would reopen the replay window), and only that issuer. One client
 * minting tokens far faster than any EHR does can no longer lock every other client out. Issuers are the
 * registered ones (an unknown `iss` is refused before this is asked), so the partitions are bounded too.
 * Tokens are short-lived (the authenticator caps the lifetime), so a partition drains by itself.
 *
 * The interface is one atomic check-and-insert, async so that a shared store (PostgreSQL) can back it later.
 */
export type ReplayVerdict = 'accepted' | 'replay' | 'over-quota';

export interface ReplayStore {
  /** Records (`iss`, `jti`) until `expiresAtMs` unless it is already remembered and live; atomic. */
  seen(iss: string, jti: string, expiresAtMs: number): Promise<ReplayVerdict>;
  /** Live entries remembered for an issuer (for the metrics). */
  size(iss: string): number;
}

class IssuerPartition {
  /** jti -> expiry (ms since epoch). */
  readonly entries = new Map<string, number>();
  private nextSweepAt = 0;
  private lastSweepAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly quota: number) {}

  checkAndRemember(jti: string, expiresAtMs: number, nowMs: number): ReplayVerdict {
    const seenUntil = this.entries.get(jti);
    if (seenUntil !== undefined) {
      if (seenUntil > nowMs) return 'replay';
      this.entries.delete(jti);
    }
    if (nowMs >= this.nextSweepAt) this.sweep(nowMs);
    if (this.entries.size >= this.quota) {
      // Over quota: sweep again, but at most every 100 ms so a flood of refused tokens does not cost O(n) each.
      if (nowMs - this.lastSweepAt >= 100) this.sweep(nowMs);
      if (this.entries.size >= this.quota) return 'over-quota';
    }
    this.entries.set(jti, expiresAtMs);
    return 'accepted';
  }

  /** Drops expired entries: once a second on the request path, and when over quota. */
  private sweep(nowMs: number): void {
    for (const [jti, expiresAt] of this.entries) {
      if (expiresAt <= nowMs) this.entries.delete(jti);
    }
    this.lastSweepAt = nowMs;
    this.nextSweepAt = nowMs + 1000;
  }
}

/** The in-process store: one partition per issuer, each holding at most `perIssuerQuota` live jtis. */
export class MemoryReplayStore implements ReplayStore {
  private readonly partitions = new Map<string, IssuerPartition>();

  constructor(
    private readonly perIssuerQuota: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(perIssuerQuota) || perIssuerQuota < 1) throw new RangeError('perIssuerQuota must be a positive integer');
  }

  async seen(iss: string, jti: string, expiresAtMs: number): Promise<ReplayVerdict> {
    let partition = this.partitions.get(iss);
    if (!partition) {
      partition = new IssuerPartition(this.perIssuerQuota);
      this.partitions.set(iss, partition);
    }
    return partition.checkAndRemember(jti, expiresAtMs, this.now());
  }

  size(iss: string): number {
    return this.partitions.get(iss)?.entries.size ?? 0;
  }
}
