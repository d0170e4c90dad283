/** CARD_LOG_RETENTION_DAYS: the purge deletes log rows older than the retention and snoozes that ended; 0 keeps the log. */
import { join } from 'node:path';
import { createLogger } from '../../src/http/logger.js';
import { purgeOnce, startRetention } from '../../src/governance/retention.js';
import type { IssuedCard, Store } from '../../src/store/types.js';
import { tempDir } from '../helpers/service.js';
import { openTestStore } from './fixture.js';

const NOW = new Date('2026-06-01T10:00:00Z');
const row = (uuid: string, issuedAt: string): IssuedCard => ({
  uuid,
  serviceId: 'hcc-patient-view',
  hook: 'patient-view',
  hookInstance: 'hi',
  ruleId: 'SURV-OVERDUE',
  indicator: 'warning',
  mode: 'shown',
  issuedAt,
  patientPseudonym: 'a'.repeat(64),
  fingerprint: 'f'.repeat(24),
});
const OLD = '00000000-0000-4000-8000-000000000001';
const RECENT = '00000000-0000-4000-8000-000000000002';

describe('the issued-card log purge', () => {
  let store: Store;
  const logger = createLogger('silent');
  beforeEach(async () => {
    store = await openTestStore({ FEEDBACK_DB: join(tempDir(), 'feedback.sqlite') });
    await store.cardLog.record([row(OLD, '2026-04-01T09:00:00Z'), row(RECENT, '2026-05-25T09:00:00Z')]);
    await store.snoozes.put({ ruleId: 'SURV-OVERDUE', patientPseudonym: 'a'.repeat(64), fingerprint: 'f'.repeat(24), untilIso: '2026-05-30T22:00:00.000Z' });
  });
  afterEach(async () => {
    await store.close();
  });

  it('deletes rows issued before the retention and snoozes that ended', async () => {
    expect(await purgeOnce({ store, retentionDays: 30, logger, now: () => NOW })).toEqual({ cards: 1, snoozes: 1 });
    expect(await store.cardLog.find(OLD)).toBeUndefined();
    expect(await store.cardLog.find(RECENT)).toBeDefined();
  });

  it('keeps every row with 0 (forever), and runs once at start', async () => {
    const retention = startRetention({ store, retentionDays: 0, logger, now: () => NOW });
    expect(await retention.first).toEqual({ cards: 0, snoozes: 1 });
    retention.stop();
    expect(await store.cardLog.find(OLD)).toBeDefined();
  });

  it('a store that fails is logged, never thrown', async () => {
    const failing = { ...store, cardLog: { ...store.cardLog, purgeBefore: () => Promise.reject(new Error('down')) } };
    const warned: unknown[][] = [];
    const spy = Object.assign(Object.create(logger) as typeof logger, { warn: (...args: unknown[]) => void warned.push(args) });
    await expect(purgeOnce({ store: failing, retentionDays: 30, logger: spy, now: () => NOW })).resolves.toBeUndefined();
    expect(warned).toEqual([[{ err: 'down' }, 'issued-card log purge failed; retried in an hour']]);
  });
});
