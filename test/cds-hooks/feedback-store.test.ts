import Database from 'better-sqlite3';
import { join } from 'node:path';
import { FeedbackStore } from '../../src/cds-hooks/feedback-store.js';
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

describe('FeedbackStore on a database from before canonical dedup keys', () => {
  const overridden = { card: 'c1', outcome: 'overridden' as const, outcomeTimestamp: '2026-11-01T10:00:00Z', overrideReason: { reason: { system: 's', code: 'x' } } };
  const reordered = { outcomeTimestamp: '2026-11-01T10:00:00Z', outcome: 'overridden' as const, card: 'c1', overrideReason: { reason: { code: 'x', system: 's' } } };
  const accepted = { card: 'c2', outcome: 'accepted' as const, outcomeTimestamp: '2026-11-01T11:00:00Z', acceptedSuggestions: [{ id: 'a' }] };

  it('rewrites the keys once, keeps the earliest of what are now duplicates, and recognises re-sent old items', () => {
    const path = join(tempDir(), 'old.sqlite');
    oldDatabase(path, [overridden, accepted, reordered]);
    const store = new FeedbackStore(path);
    expect(store.list('svc')).toEqual([overridden, accepted]);
    expect(store.add('svc', [accepted, reordered])).toBe(0);
    expect(store.add('svc', [{ ...accepted, card: 'c3' }])).toBe(1);
    store.close();
    const again = new FeedbackStore(path);
    expect(again.list('svc').map((item) => item.card)).toEqual(['c1', 'c2', 'c3']);
    again.close();
  });
});
