import Database from 'better-sqlite3';
import { MemoryReplayStore, type ReplayStore, type ReplayVerdict } from '../auth/replay-cache.js';
import { ConfigError } from '../config.js';
import { checkDatabasePath } from '../cds-hooks/database-path.js';
import type { FeedbackItem } from '../cds-hooks/types.js';
import { cardOfRow, outcomesOfRows, suggestionsColumn, type CardRow } from './card-rows.js';
import { dedupKeyOf } from './feedback-items.js';
import { guarded, reasonOf } from './guard.js';
import { IssuerQuota } from './issuer-quota.js';
import {
  normalizeInstant,
  silentObserver,
  type CardLogRepository,
  type CardOutcome,
  type FeedbackRepository,
  type IssuedCard,
  type Snooze,
  type SnoozeRepository,
  type Store,
  type StoreObserver,
} from './types.js';

/** How long opening and writing wait for a lock held by another process (or worker) before giving up. */
const BUSY_TIMEOUT_MS = 5000;
const REPLAY_PURGE_EVERY_MS = 10_000;

/** FEEDBACK_DB cannot be used. A ConfigError: start-up prints its one-line message and exits 1, without a stack. */
export class FeedbackStoreError extends ConfigError {}

export interface SqliteStoreOptions {
  /** A file path, or ':memory:' (tests, benchmarks: one process only). */
  path: string;
  /**
   * Where the JWT replay cache lives: 'memory' (one process, the default) or 'file' (in this SQLite file, shared by
   * every process on the host that opens it: WEB_CONCURRENCY > 1).
   */
  replay: 'memory' | 'file';
  replayQuotaPerIssuer: number;
  now?: () => number;
  observer?: StoreObserver;
}

/**
 * Schema versions in `PRAGMA user_version`, each applied once in an IMMEDIATE transaction (which re-reads the
 * version, so workers opening one file together apply it once). Version 0 is the first release's feedback table.
 * A later change is a new entry at the end; never edit an applied one.
 */
const MIGRATIONS: { version: number; apply(db: Database.Database): void }[] = [
  {
    // Databases written before the dedup key was canonical JSON: recompute every key, keeping the earliest of items
    // that turn out to be duplicates, so a re-sent old item is still recognised.
    version: 1,
    apply(db) {
      const rows = db.prepare('SELECT seq, service_id, item_json FROM feedback ORDER BY seq').all() as { seq: number; service_id: string; item_json: string }[];
      const seen = new Set<string>();
      const update = db.prepare('UPDATE feedback SET dedup_key = ? WHERE seq = ?');
      const remove = db.prepare('DELETE FROM feedback WHERE seq = ?');
      // Keys are first moved out of the way, so that no intermediate UPDATE collides with a row not yet rewritten.
      db.prepare("UPDATE feedback SET dedup_key = 'migrating:' || seq").run();
      for (const row of rows) {
        const key = dedupKeyOf(JSON.parse(row.item_json) as FeedbackItem);
        const scoped = `${row.service_id}\u0000${key}`;
        if (seen.has(scoped)) remove.run(row.seq);
        else update.run(key, row.seq);
        seen.add(scoped);
      }
    },
  },
  {
    version: 2,
    apply(db) {
      db.exec(`
        CREATE INDEX IF NOT EXISTS feedback_by_card ON feedback (card);
        CREATE INDEX IF NOT EXISTS feedback_by_received ON feedback (received_at);
        CREATE TABLE IF NOT EXISTS card_log (
          uuid TEXT PRIMARY KEY,
          service_id TEXT NOT NULL,
          hook TEXT NOT NULL,
          hook_instance TEXT NOT NULL,
          rule_id TEXT NOT NULL,
          indicator TEXT NOT NULL,
          mode TEXT NOT NULL CHECK (mode IN ('shown', 'silent', 'snoozed')),
          iss TEXT,
          tenant TEXT,
          issued_at TEXT NOT NULL,
          patient_pseudonym TEXT NOT NULL,
          fingerprint TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS card_log_by_issued ON card_log (issued_at);
        CREATE TABLE IF NOT EXISTS snoozes (
          patient_pseudonym TEXT NOT NULL,
          rule_id TEXT NOT NULL,
          fingerprint TEXT NOT NULL,
          until_at TEXT NOT NULL,
          PRIMARY KEY (patient_pseudonym, rule_id)
        );
        CREATE TABLE IF NOT EXISTS jwt_replay (
          iss TEXT NOT NULL,
          jti TEXT NOT NULL,
          expires_at_ms INTEGER NOT NULL,
          PRIMARY KEY (iss, jti)
        );
        CREATE INDEX IF NOT EXISTS jwt_replay_by_expiry ON jwt_replay (expires_at_ms);
      `);
    },
  },
  {
    // The logged card's suggestions (JSON [{uuid, label}], NULL when none): the report counts accepted ones by label.
    version: 3,
    apply(db) {
      db.exec('ALTER TABLE card_log ADD COLUMN suggestions TEXT');
    },
  },
];

export const SQLITE_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

function migrate(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS feedback (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      service_id TEXT NOT NULL,
      card TEXT NOT NULL,
      outcome TEXT NOT NULL,
      outcome_timestamp TEXT NOT NULL,
      dedup_key TEXT NOT NULL,
      item_json TEXT NOT NULL,
      received_at TEXT NOT NULL,
      UNIQUE (service_id, dedup_key)
    );
    CREATE INDEX IF NOT EXISTS feedback_by_service ON feedback (service_id, seq);
  `);
  for (const migration of MIGRATIONS) {
    db.transaction(() => {
      if ((db.pragma('user_version', { simple: true }) as number) >= migration.version) return;
      migration.apply(db);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}

function openDatabase(path: string, synchronous: 'FULL' | 'NORMAL'): Database.Database {
  const db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
  try {
    db.pragma('journal_mode = WAL');
    // Per connection: feedback and the card log (FULL) are acknowledged only once durably committed; the replay
    // connection (NORMAL) survives a process crash, not a power cut, which a token of minutes outlives anyway.
    db.pragma(`synchronous = ${synchronous}`);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** The embedded store: one SQLite file (WAL), the default when DATABASE_URL is unset. */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly feedback: FeedbackRepository;
  readonly cardLog: CardLogRepository;
  readonly snoozes: SnoozeRepository;
  readonly replay: ReplayStore;
  private readonly db: Database.Database;
  private readonly replayDb?: Database.Database;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly observer: StoreObserver;

  constructor(options: SqliteStoreOptions) {
    const { path } = options;
    if (path !== ':memory:') {
      const problem = checkDatabasePath(path);
      if (problem) throw new FeedbackStoreError(`FEEDBACK_DB ${path}: ${problem}`);
    } else if (options.replay === 'file') {
      throw new FeedbackStoreError('FEEDBACK_DB :memory: cannot be shared by several processes (WEB_CONCURRENCY > 1); name a file');
    }
    this.observer = options.observer ?? silentObserver;
    const now = options.now ?? Date.now;
    let db: Database.Database | undefined;
    let replayDb: Database.Database | undefined;
    try {
      db = openDatabase(path, 'FULL');
      migrate(db);
      if (options.replay === 'file') replayDb = openDatabase(path, 'NORMAL');
    } catch (error) {
      db?.close();
      replayDb?.close();
      throw new FeedbackStoreError(`FEEDBACK_DB ${path}: cannot be opened as an SQLite database: ${reasonOf(error)}`);
    }
    this.db = db;
    this.replayDb = replayDb;
    this.feedback = this.feedbackRepository();
    this.cardLog = this.cardLogRepository();
    this.snoozes = this.snoozeRepository();
    this.replay = replayDb ? this.fileReplayStore(replayDb, options.replayQuotaPerIssuer, now) : new MemoryReplayStore(options.replayQuotaPerIssuer, now);
  }

  private run<T>(operation: string, work: () => T | Promise<T>): Promise<T> {
    return guarded(this.observer, operation, work);
  }

  private feedbackRepository(): FeedbackRepository {
    const insert = this.db.prepare(
      `INSERT OR IGNORE INTO feedback (service_id, card, outcome, outcome_timestamp, dedup_key, item_json, received_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    const selectByService = this.db.prepare('SELECT item_json FROM feedback WHERE service_id = ? ORDER BY seq');
    const insertBatch = this.db.transaction((serviceId: string, items: FeedbackItem[], receivedAt: string) => {
      let stored = 0;
      for (const item of items) {
        stored += insert.run(serviceId, item.card, item.outcome, item.outcomeTimestamp, dedupKeyOf(item), JSON.stringify(item), receivedAt).changes;
      }
      return stored;
    });
    return {
      add: (serviceId, items, receivedAt = new Date().toISOString()) => this.run('feedback.add', () => insertBatch(serviceId, items, normalizeInstant(receivedAt, 'receivedAt'))),
      list: (serviceId) => this.run('feedback.list', () => (selectByService.all(serviceId) as { item_json: string }[]).map((row) => JSON.parse(row.item_json) as FeedbackItem)),
    };
  }

  private cardLogRepository(): CardLogRepository {
    const insert = this.db.prepare(
      `INSERT OR IGNORE INTO card_log (uuid, service_id, hook, hook_instance, rule_id, indicator, mode, iss, tenant, issued_at, patient_pseudonym, fingerprint, suggestions)
       VALUES (@uuid, @serviceId, @hook, @hookInstance, @ruleId, @indicator, @mode, @iss, @tenant, @issuedAt, @patientPseudonym, @fingerprint, @suggestions)`,
    );
    const insertAll = this.db.transaction((rows: IssuedCard[]) => {
      for (const row of rows) insert.run({ ...row, iss: row.iss ?? null, tenant: row.tenant ?? null, suggestions: suggestionsColumn(row) });
    });
    const selectOne = this.db.prepare('SELECT * FROM card_log WHERE uuid = ?');
    const selectOutcomes = this.db.prepare(
      `SELECT c.*, f.item_json FROM card_log c LEFT JOIN feedback f ON f.card = c.uuid
       WHERE c.issued_at >= ? AND c.issued_at < ? ORDER BY c.issued_at, c.uuid, f.seq`,
    );
    const countOrphans = this.db.prepare(
      `SELECT count(*) AS n FROM feedback f WHERE f.received_at >= ? AND f.received_at < ?
       AND NOT EXISTS (SELECT 1 FROM card_log c WHERE c.uuid = f.card)`,
    );
    const purge = this.db.prepare('DELETE FROM card_log WHERE issued_at < ?');
    return {
      record: async (rows) => {
        const normalized = rows.map((row) => ({ ...row, issuedAt: normalizeInstant(row.issuedAt, 'issuedAt') }));
        await this.run('cardLog.record', () => insertAll(normalized));
      },
      find: (uuid) => this.run('cardLog.find', () => {
        const row = selectOne.get(uuid) as CardRow | undefined;
        return row ? cardOfRow(row) : undefined;
      }),
      outcomes: (fromIso, toIso) => {
        const range = [normalizeInstant(fromIso, 'from'), normalizeInstant(toIso, 'to')];
        return this.run('cardLog.outcomes', () => outcomesOfRows(selectOutcomes.all(...range) as (CardRow & { item_json: string | null })[], (row) => row.issued_at));
      },
      orphanFeedback: (fromIso, toIso) => {
        const range = [normalizeInstant(fromIso, 'from'), normalizeInstant(toIso, 'to')];
        return this.run('cardLog.orphanFeedback', () => (countOrphans.get(...range) as { n: number }).n);
      },
      purgeBefore: (iso) => {
        const before = normalizeInstant(iso, 'before');
        return this.run('cardLog.purgeBefore', () => purge.run(before).changes);
      },
    };
  }

  private snoozeRepository(): SnoozeRepository {
    const upsert = this.db.prepare(
      `INSERT INTO snoozes (patient_pseudonym, rule_id, fingerprint, until_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (patient_pseudonym, rule_id) DO UPDATE SET fingerprint = excluded.fingerprint, until_at = excluded.until_at`,
    );
    const selectActive = this.db.prepare('SELECT rule_id, patient_pseudonym, fingerprint, until_at FROM snoozes WHERE patient_pseudonym = ? AND until_at > ? ORDER BY rule_id');
    const purge = this.db.prepare('DELETE FROM snoozes WHERE until_at <= ?');
    return {
      put: async (snooze) => {
        const until = normalizeInstant(snooze.untilIso, 'untilIso');
        await this.run('snoozes.put', () => upsert.run(snooze.patientPseudonym, snooze.ruleId, snooze.fingerprint, until));
      },
      active: (pseudonym, nowIso) => {
        const now = normalizeInstant(nowIso, 'now');
        return this.run('snoozes.active', () =>
          (selectActive.all(pseudonym, now) as { rule_id: string; patient_pseudonym: string; fingerprint: string; until_at: string }[]).map(
            (row): Snooze => ({ ruleId: row.rule_id, patientPseudonym: row.patient_pseudonym, fingerprint: row.fingerprint, untilIso: row.until_at }),
          ),
        );
      },
      purgeExpired: (nowIso) => {
        const now = normalizeInstant(nowIso, 'now');
        return this.run('snoozes.purgeExpired', () => purge.run(now).changes);
      },
    };
  }

  /** The replay cache in the SQLite file, for the workers of one host: one atomic upsert per token. */
  private fileReplayStore(db: Database.Database, quotaPerIssuer: number, now: () => number): ReplayStore {
    // A remembered jti whose token expired may be used again; a live one may not.
    const upsert = db.prepare(
      `INSERT INTO jwt_replay (iss, jti, expires_at_ms) VALUES (?, ?, ?)
       ON CONFLICT (iss, jti) DO UPDATE SET expires_at_ms = excluded.expires_at_ms WHERE jwt_replay.expires_at_ms <= ?`,
    );
    const live = db.prepare('SELECT 1 FROM jwt_replay WHERE iss = ? AND jti = ? AND expires_at_ms > ?');
    const counts = db.prepare('SELECT iss, count(*) AS n FROM jwt_replay WHERE expires_at_ms > ? GROUP BY iss');
    const purge = db.prepare('DELETE FROM jwt_replay WHERE expires_at_ms <= ?');
    const quota = new IssuerQuota(quotaPerIssuer, async (nowMs) => new Map((counts.all(nowMs) as { iss: string; n: number }[]).map((row) => [row.iss, row.n])), now);
    this.every(1000, () => this.run('replay.count', () => quota.refreshIfDue()));
    this.every(REPLAY_PURGE_EVERY_MS, () => this.run('replay.purge', () => purge.run(now()).changes));
    return {
      seen: (iss, jti, expiresAtMs) =>
        this.run('replay.seen', async (): Promise<ReplayVerdict> => {
          const nowMs = now();
          if (await quota.full(iss)) return live.get(iss, jti, nowMs) ? 'replay' : 'over-quota';
          if (upsert.run(iss, jti, expiresAtMs, nowMs).changes === 0) return 'replay';
          quota.accepted(iss);
          return 'accepted';
        }),
      size: (iss) => quota.size(iss),
    };
  }

  /** A background task; a failure is already reported by `run` and retried at the next tick. */
  private every(ms: number, task: () => Promise<unknown>): void {
    const timer = setInterval(() => void task().catch(() => undefined), ms);
    timer.unref();
    this.timers.push(timer);
  }

  ping(): Promise<void> {
    return this.run('ping', () => {
      this.db.prepare('SELECT 1').get();
    });
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    if (this.replayDb?.open) this.replayDb.close();
    if (this.db.open) this.db.close();
  }
}
