import Database from 'better-sqlite3';
import { join } from 'node:path';
import { SQLITE_SCHEMA_VERSION, SqliteStore } from '../../src/store/sqlite-store.js';
import { tempDir } from '../helpers/service.js';

/** A database as the first release wrote it: dedup keys from plain JSON.stringify, user_version 0. */
function oldDatabase(path: string, items: Record<string, unknown>[]): void {
  const db = new Database(path);
  db.exec(`CREATE TABLE feedback (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, service_id TEXT NOT NULL, card TEXT NOT NULL, outcome TEXT NOT NULL,
    outcome_timestamp TEXT NOT NULL, dedup_key TEXT NOT NULL, item_json TEXT NOT NULL, received_at TEXT NOT NULL,
    UNIQUE (service_id, dedup_key));`);
  const insert = db.prepare('INSERT INTO feedback (service_id, card, outcome, outcome_timestamp, dedup_key, item_json, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  for (const item of items) {
    const key = JSON.stringify([item.card, item.outcome, item.outcomeTimestamp, item.acceptedSuggestions ?? null, item.overrideReason ?? null]);
    insert.run('svc', item.card, item.outcome, item.outcomeTimestamp, key, JSON.stringify(item), '2026-11-01T00:00:00Z');
  }
  db.close();
}

const open = (path: string): SqliteStore => new SqliteStore({ path, replay: 'memory', replayQuotaPerIssuer: 100 });

describe('the SQLite store on a database from before canonical dedup keys', () => {
  const overridden = { card: 'c1', outcome: 'overridden' as const, outcomeTimestamp: '2026-11-01T10:00:00Z', overrideReason: { reason: { system: 's', code: 'x' } } };
  const reordered = { outcomeTimestamp: '2026-11-01T10:00:00Z', outcome: 'overridden' as const, card: 'c1', overrideReason: { reason: { code: 'x', system: 's' } } };
  const accepted = { card: 'c2', outcome: 'accepted' as const, outcomeTimestamp: '2026-11-01T11:00:00Z', acceptedSuggestions: [{ id: 'a' }] };

  it('rewrites the keys once, keeps the earliest of what are now duplicates, and recognises re-sent old items', async () => {
    const path = join(tempDir(), 'old.sqlite');
    oldDatabase(path, [overridden, accepted, reordered]);
    const store = open(path);
    expect(await store.feedback.list('svc')).toEqual([overridden, accepted]);
    expect(await store.feedback.add('svc', [accepted, reordered])).toBe(0);
    expect(await store.feedback.add('svc', [{ ...accepted, card: 'c3' }])).toBe(1);
    await store.close();
    const again = open(path);
    expect((await again.feedback.list('svc')).map((item) => item.card)).toEqual(['c1', 'c2', 'c3']);
    await again.close();
  });

  it('brings a database of the previous release (user_version 1) to the current schema, its feedback kept', async () => {
    const path = join(tempDir(), 'v1.sqlite');
    oldDatabase(path, [overridden]);
    const db = new Database(path);
    db.prepare('UPDATE feedback SET dedup_key = ?').run('kept-as-it-was');
    db.pragma('user_version = 1');
    db.close();
    const store = open(path);
    expect(await store.feedback.list('svc')).toEqual([overridden]);
    await store.cardLog.record([{ uuid: 'c1', serviceId: 'svc', hook: 'patient-view', hookInstance: 'h', ruleId: 'R', indicator: 'info', mode: 'shown', issuedAt: '2026-11-01T09:00:00Z', patientPseudonym: 'p', fingerprint: 'f' }]);
    expect((await store.cardLog.outcomes('2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z'))[0]!.latest?.outcome).toBe('overridden');
    await store.close();
    const check = new Database(path);
    expect(check.pragma('user_version', { simple: true })).toBe(SQLITE_SCHEMA_VERSION);
    // Version 1 was recorded: the keys were not rewritten again.
    expect(check.prepare('SELECT dedup_key FROM feedback').pluck().get()).toBe('kept-as-it-was');
    check.close();
  });
});
