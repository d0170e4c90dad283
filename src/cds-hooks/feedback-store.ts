import Database from 'better-sqlite3';
import { ConfigError } from '../config.js';
import { checkDatabasePath } from './database-path.js';
import type { FeedbackItem } from './types.js';

/** How long opening and writing wait for a lock held by another process before giving up. */
const BUSY_TIMEOUT_MS = 5000;

/** FEEDBACK_DB cannot be used. A ConfigError: start-up prints its one-line message and exits 1, without a stack. */
export class FeedbackStoreError extends ConfigError {}

function reasonOf(error: unknown): string {
  const { message, code } = error as { message?: unknown; code?: unknown };
  const text = typeof message === 'string' ? message : String(error);
  return `${text}${typeof code === 'string' && !text.includes(code) ? ` (${code})` : ''}`.replace(/\s+/g, ' ');
}

/** JSON with object keys sorted at every level: the same feedback sent with its keys in another order is the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).filter((key) => record[key] !== undefined).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const DEDUP_KEY_VERSION = 1;

/** Same service, card, outcome, timestamp, accepted suggestions (in any order) and reason -> the same key. */
function dedupKeyOf(item: FeedbackItem): string {
  const suggestions = (item.acceptedSuggestions ?? []).map(canonicalJson).sort();
  return canonicalJson([item.card, item.outcome, item.outcomeTimestamp, suggestions, item.overrideReason ?? null]);
}

/**
 * Feedback in an embedded SQLite database. WAL with synchronous=FULL: a write is acknowledged only after
 * its transaction is durably committed, so what was answered `200` survives a crash or `kill -9`.
 * Duplicates (same service, card, outcome, timestamp, accepted suggestions in any order, and reason, whatever the
 * order of their JSON keys) are stored once.
 */
export class FeedbackStore {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly selectByService: Database.Statement;
  private readonly insertBatch: (serviceId: string, items: FeedbackItem[], receivedAt: string) => number;

  constructor(path: string) {
    if (path !== ':memory:') {
      const problem = checkDatabasePath(path);
      if (problem) throw new FeedbackStoreError(`FEEDBACK_DB ${path}: ${problem}`);
    }
    let db: Database.Database | undefined;
    try {
      db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
      this.db = db;
      this.prepareSchema();
      this.insert = this.db.prepare(
        `INSERT OR IGNORE INTO feedback (service_id, card, outcome, outcome_timestamp, dedup_key, item_json, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      );
      this.selectByService = this.db.prepare('SELECT item_json FROM feedback WHERE service_id = ? ORDER BY seq');
      this.insertBatch = this.db.transaction((serviceId: string, items: FeedbackItem[], receivedAt: string) => {
        let stored = 0;
        for (const item of items) {
          const result = this.insert.run(serviceId, item.card, item.outcome, item.outcomeTimestamp, dedupKeyOf(item), JSON.stringify(item), receivedAt);
          stored += result.changes;
        }
        return stored;
      });
      this.migrateDedupKeys();
    } catch (error) {
      db?.close();
      throw new FeedbackStoreError(`FEEDBACK_DB ${path}: cannot be opened as an SQLite database: ${reasonOf(error)}`);
    }
  }

  private prepareSchema(): void {
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(`
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
  }

  /**
   * Databases written before the dedup key was canonical JSON (user_version 0): recompute every key, keeping the
   * earliest of items that turn out to be duplicates, so a re-sent old item is still recognised.
   */
  private migrateDedupKeys(): void {
    if ((this.db.pragma('user_version', { simple: true }) as number) >= DEDUP_KEY_VERSION) return;
    this.db.transaction(() => {
      const rows = this.db.prepare('SELECT seq, service_id, item_json FROM feedback ORDER BY seq').all() as { seq: number; service_id: string; item_json: string }[];
      const seen = new Set<string>();
      const update = this.db.prepare('UPDATE feedback SET dedup_key = ? WHERE seq = ?');
      const remove = this.db.prepare('DELETE FROM feedback WHERE seq = ?');
      // Keys are first moved out of the way, so that no intermediate UPDATE collides with a row not yet rewritten.
      this.db.prepare("UPDATE feedback SET dedup_key = 'migrating:' || seq").run();
      for (const row of rows) {
        const key = dedupKeyOf(JSON.parse(row.item_json) as FeedbackItem);
        const scoped = `${row.service_id}\u0000${key}`;
        if (seen.has(scoped)) remove.run(row.seq);
        else update.run(key, row.seq);
        seen.add(scoped);
      }
      this.db.pragma(`user_version = ${DEDUP_KEY_VERSION}`);
    })();
  }

  /** Stores a batch atomically; returns how many items were new. */
  add(serviceId: string, items: FeedbackItem[], receivedAt = new Date().toISOString()): number {
    return this.insertBatch(serviceId, items, receivedAt);
  }

  /** What was stored for a service, oldest first: the items as they were sent (when they arrived stays in the database). */
  list(serviceId: string): FeedbackItem[] {
    return (this.selectByService.all(serviceId) as { item_json: string }[]).map((row) => JSON.parse(row.item_json) as FeedbackItem);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
