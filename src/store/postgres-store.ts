import pg from 'pg';
import type { ReplayStore, ReplayVerdict } from '../auth/replay-cache.js';
import { ConfigError } from '../config.js';
import type { FeedbackItem } from '../cds-hooks/types.js';
import { dedupDigestOf } from './feedback-items.js';
import { guarded, reasonOf } from './guard.js';
import { IssuerQuota } from './issuer-quota.js';
import { migrate, POSTGRES_MIGRATIONS, type Migration } from './postgres-migrations.js';
import { cardOfRow, outcomesOfRows, suggestionsColumn } from './card-rows.js';
import {
  normalizeInstant,
  silentObserver,
  type CardLogRepository,
  type FeedbackRepository,
  type IssuedCard,
  type Snooze,
  type SnoozeRepository,
  type Store,
  type StoreObserver,
} from './types.js';

const REPLAY_PURGE_EVERY_MS = 10_000;

export interface PostgresStoreOptions {
  url: string;
  poolMax: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  /** How long start-up waits for the database to answer (and migrate) before giving up. */
  startupTimeoutMs: number;
  replayQuotaPerIssuer: number;
  now?: () => number;
  observer?: StoreObserver;
  /** Called when a start-up attempt fails and will be retried. */
  onStartupRetry?: (reason: string) => void;
  migrations?: readonly Migration[];
}

/** DATABASE_URL without its credentials, for messages. */
export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(a DATABASE_URL that is not a URL)';
  }
}

/** PostgreSQL text cannot hold NUL; the columns that are only for lookups get U+FFFD (item_json, escaped JSON, is exact). */
const pgText = (value: string): string => (value.includes('\u0000') ? value.replace(/\u0000/g, '\uFFFD') : value);

/** Errors that no retry will fix: wrong credentials, a database that does not exist. */
const PERMANENT = /^(28|3D)/;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Shared state in PostgreSQL (DATABASE_URL): every process that names the database sees the same. */
export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly feedback: FeedbackRepository;
  readonly cardLog: CardLogRepository;
  readonly snoozes: SnoozeRepository;
  readonly replay: ReplayStore;
  private readonly timers: NodeJS.Timeout[] = [];
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly observer: StoreObserver,
    quotaPerIssuer: number,
    now: () => number,
  ) {
    this.feedback = this.feedbackRepository();
    this.cardLog = this.cardLogRepository();
    this.snoozes = this.snoozeRepository();
    this.replay = this.replayStore(quotaPerIssuer, now);
  }

  /** Connects and migrates, retrying until `startupTimeoutMs`; a ConfigError naming DATABASE_URL after that. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const observer = options.observer ?? silentObserver;
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolMax,
      connectionTimeoutMillis: options.connectTimeoutMs,
      statement_timeout: options.statementTimeoutMs,
      // The client-side bound, for a server that stops answering without closing the connection.
      query_timeout: options.statementTimeoutMs + options.connectTimeoutMs,
      idleTimeoutMillis: 10_000,
      keepAlive: true,
      application_name: 'hcc-cds',
    });
    // An idle connection the server closed (a restart, a failover) is dropped by the pool, which opens a new one when
    // next needed; without a listener the 'error' event would end the process.
    pool.on('error', (error) => observer.unavailable('idle connection', reasonOf(error)));
    const deadline = Date.now() + options.startupTimeoutMs;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await migrate(pool, options.migrations ?? POSTGRES_MIGRATIONS);
        break;
      } catch (error) {
        const reason = reasonOf(error);
        const code = String((error as { code?: unknown }).code ?? '');
        const wait = Math.min(250 * 2 ** Math.min(attempt - 1, 4), 4000);
        if (PERMANENT.test(code) || Date.now() + wait > deadline) {
          await pool.end().catch(() => undefined);
          throw new ConfigError(`DATABASE_URL ${describeDatabaseUrl(options.url)}: cannot be used: ${reason}`);
        }
        options.onStartupRetry?.(reason);
        await sleep(wait);
      }
    }
    return new PostgresStore(pool, observer, options.replayQuotaPerIssuer, options.now ?? Date.now);
  }

  private run<T>(operation: string, work: () => Promise<T>): Promise<T> {
    return guarded(this.observer, operation, work);
  }

  private feedbackRepository(): FeedbackRepository {
    return {
      add: (serviceId, items, receivedAt = new Date().toISOString()) => {
        const at = normalizeInstant(receivedAt, 'receivedAt');
        if (items.length === 0) return Promise.resolve(0);
        // One statement, so one transaction: the whole batch is committed before the answer, or nothing is.
        return this.run('feedback.add', async () => {
          const result = await this.pool.query(
            `INSERT INTO feedback (service_id, card, outcome, outcome_timestamp, dedup_digest, item_json, received_at)
             SELECT $1, t.card, t.outcome, t.outcome_timestamp, t.digest, t.item_json, $2::timestamptz
             FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY
               AS t(card, outcome, outcome_timestamp, digest, item_json, ord)
             ORDER BY t.ord
             ON CONFLICT (service_id, dedup_digest) DO NOTHING`,
            [
              serviceId,
              at,
              items.map((item) => pgText(item.card)),
              items.map((item) => item.outcome),
              items.map((item) => pgText(item.outcomeTimestamp)),
              items.map(dedupDigestOf),
              items.map((item) => JSON.stringify(item)),
            ],
          );
          return result.rowCount ?? 0;
        });
      },
      list: (serviceId) =>
        this.run('feedback.list', async () =>
          (await this.pool.query<{ item_json: string }>('SELECT item_json FROM feedback WHERE service_id = $1 ORDER BY seq', [serviceId])).rows.map(
            (row) => JSON.parse(row.item_json) as FeedbackItem,
          ),
        ),
    };
  }

  private cardLogRepository(): CardLogRepository {
    const columns = (rows: IssuedCard[]): unknown[][] => [
      rows.map((row) => pgText(row.uuid)),
      rows.map((row) => pgText(row.serviceId)),
      rows.map((row) => pgText(row.hook)),
      rows.map((row) => pgText(row.hookInstance)),
      rows.map((row) => pgText(row.ruleId)),
      rows.map((row) => pgText(row.indicator)),
      rows.map((row) => row.mode),
      rows.map((row) => (row.iss === undefined ? null : pgText(row.iss))),
      rows.map((row) => (row.tenant === undefined ? null : pgText(row.tenant))),
      rows.map((row) => normalizeInstant(row.issuedAt, 'issuedAt')),
      rows.map((row) => pgText(row.patientPseudonym)),
      rows.map((row) => pgText(row.fingerprint)),
      rows.map((row) => {
        const json = suggestionsColumn(row);
        return json === null ? null : pgText(json);
      }),
    ];
    type Row = Parameters<typeof cardOfRow>[0] & { issued_at: Date };
    return {
      record: async (rows) => {
        if (rows.length === 0) return;
        const params = columns(rows);
        await this.run('cardLog.record', () =>
          this.pool.query(
            `INSERT INTO card_log (uuid, service_id, hook, hook_instance, rule_id, indicator, mode, iss, tenant, issued_at, patient_pseudonym, fingerprint, suggestions)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                                  $10::timestamptz[], $11::text[], $12::text[], $13::text[])
             ON CONFLICT (uuid) DO NOTHING`,
            params,
          ),
        );
      },
      find: (uuid) =>
        this.run('cardLog.find', async () => {
          const row = (await this.pool.query<Row>('SELECT * FROM card_log WHERE uuid = $1', [pgText(uuid)])).rows[0];
          return row ? cardOfRow(row, row.issued_at.toISOString()) : undefined;
        }),
      outcomes: (fromIso, toIso) => {
        const range = [normalizeInstant(fromIso, 'from'), normalizeInstant(toIso, 'to')];
        return this.run('cardLog.outcomes', async () => {
          const { rows } = await this.pool.query<Row & { item_json: string | null }>(
            `SELECT c.*, f.item_json FROM card_log c LEFT JOIN feedback f ON f.card = c.uuid
             WHERE c.issued_at >= $1 AND c.issued_at < $2 ORDER BY c.issued_at, c.uuid, f.seq`,
            range,
          );
          return outcomesOfRows(rows, (row) => row.issued_at.toISOString());
        });
      },
      orphanFeedback: (fromIso, toIso) => {
        const range = [normalizeInstant(fromIso, 'from'), normalizeInstant(toIso, 'to')];
        return this.run('cardLog.orphanFeedback', async () => {
          const { rows } = await this.pool.query<{ n: string }>(
            `SELECT count(*) AS n FROM feedback f WHERE f.received_at >= $1 AND f.received_at < $2
             AND NOT EXISTS (SELECT 1 FROM card_log c WHERE c.uuid = f.card)`,
            range,
          );
          return Number(rows[0]!.n);
        });
      },
      purgeBefore: (iso) => {
        const before = normalizeInstant(iso, 'before');
        return this.run('cardLog.purgeBefore', async () => (await this.pool.query('DELETE FROM card_log WHERE issued_at < $1', [before])).rowCount ?? 0);
      },
    };
  }

  private snoozeRepository(): SnoozeRepository {
    return {
      put: async (snooze) => {
        const until = normalizeInstant(snooze.untilIso, 'untilIso');
        await this.run('snoozes.put', () =>
          this.pool.query(
            `INSERT INTO snoozes (patient_pseudonym, rule_id, fingerprint, until_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (patient_pseudonym, rule_id) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, until_at = EXCLUDED.until_at`,
            [pgText(snooze.patientPseudonym), pgText(snooze.ruleId), pgText(snooze.fingerprint), until],
          ),
        );
      },
      active: (pseudonym, nowIso) => {
        const now = normalizeInstant(nowIso, 'now');
        return this.run('snoozes.active', async () => {
          const { rows } = await this.pool.query<{ rule_id: string; patient_pseudonym: string; fingerprint: string; until_at: Date }>(
            'SELECT rule_id, patient_pseudonym, fingerprint, until_at FROM snoozes WHERE patient_pseudonym = $1 AND until_at > $2 ORDER BY rule_id',
            [pgText(pseudonym), now],
          );
          return rows.map((row): Snooze => ({ ruleId: row.rule_id, patientPseudonym: row.patient_pseudonym, fingerprint: row.fingerprint, untilIso: row.until_at.toISOString() }));
        });
      },
      purgeExpired: (nowIso) => {
        const now = normalizeInstant(nowIso, 'now');
        return this.run('snoozes.purgeExpired', async () => (await this.pool.query('DELETE FROM snoozes WHERE until_at <= $1', [now])).rowCount ?? 0);
      },
    };
  }

  /**
   * One atomic statement per token: the insert wins, or finds a live row (a replay, whichever replica saw it first),
   * or an expired one it may take over. Concurrent inserts of one (iss, jti) serialise on the row: one is accepted.
   */
  private replayStore(quotaPerIssuer: number, now: () => number): ReplayStore {
    const quota = new IssuerQuota(
      quotaPerIssuer,
      async (nowMs) => {
        const { rows } = await this.pool.query<{ iss: string; n: string }>('SELECT iss, count(*) AS n FROM jwt_replay WHERE expires_at_ms > $1 GROUP BY iss', [nowMs]);
        return new Map(rows.map((row) => [row.iss, Number(row.n)]));
      },
      now,
    );
    this.every(1000, () => this.run('replay.count', () => quota.refreshIfDue()));
    this.every(REPLAY_PURGE_EVERY_MS, () => this.run('replay.purge', () => this.pool.query('DELETE FROM jwt_replay WHERE expires_at_ms <= $1', [now()])));
    return {
      seen: (iss, jti, expiresAtMs) =>
        this.run('replay.seen', async (): Promise<ReplayVerdict> => {
          const nowMs = now();
          if (await quota.full(iss)) {
            const live = await this.pool.query('SELECT 1 FROM jwt_replay WHERE iss = $1 AND jti = $2 AND expires_at_ms > $3', [pgText(iss), pgText(jti), nowMs]);
            return (live.rowCount ?? 0) > 0 ? 'replay' : 'over-quota';
          }
          const inserted = await this.pool.query(
            `INSERT INTO jwt_replay (iss, jti, expires_at_ms) VALUES ($1, $2, $3)
             ON CONFLICT (iss, jti) DO UPDATE SET expires_at_ms = EXCLUDED.expires_at_ms WHERE jwt_replay.expires_at_ms <= $4`,
            [pgText(iss), pgText(jti), Math.ceil(expiresAtMs), nowMs],
          );
          if ((inserted.rowCount ?? 0) === 0) return 'replay';
          quota.accepted(iss);
          return 'accepted';
        }),
      size: (iss) => quota.size(iss),
    };
  }

  /** A background task; a failure is already reported by `run` and retried at the next tick. */
  private every(ms: number, task: () => Promise<unknown>): void {
    const timer = setInterval(() => {
      if (!this.closed) void task().catch(() => undefined);
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }

  ping(): Promise<void> {
    return this.run('ping', async () => {
      await this.pool.query('SELECT 1');
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    await this.pool.end();
  }
}
