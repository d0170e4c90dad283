import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { tempDir } from '../helpers/service.js';
import { describeStore } from './store-suite.js';

let path = '';
const open = (options: { now?: () => number; quota?: number } = {}): SqliteStore =>
  // 'file': the replay cache in the SQLite file, as WEB_CONCURRENCY > 1 uses it (the in-memory one has its own tests).
  new SqliteStore({ path, replay: 'file', replayQuotaPerIssuer: options.quota ?? 1000, now: options.now });

describeStore('SQLite', {
  open: async (options) => {
    path = join(tempDir('hcc-cds-store-'), 'store.sqlite');
    return open(options);
  },
  openSibling: async (options) => open(options),
});

describe('the SQLite store', () => {
  it('refuses to share ":memory:" between workers', () => {
    expect(() => new SqliteStore({ path: ':memory:', replay: 'file', replayQuotaPerIssuer: 10 })).toThrow(/WEB_CONCURRENCY/);
  });
});
