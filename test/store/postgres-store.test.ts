import pg from 'pg';
import { ConfigError } from '../../src/config.js';
import { POSTGRES_MIGRATIONS, type Migration } from '../../src/store/postgres-migrations.js';
import { PostgresStore } from '../../src/store/postgres-store.js';
import { freePort } from '../../dev/free-port.js';
import { createTestDatabase, createTestSchema, dropTestDatabase, postgresForTests, type PostgresServer } from './postgres-server.js';
import { describeStore } from './store-suite.js';

let server: PostgresServer;
/** This file's database; each store of the suite gets a schema of its own in it. */
let database = '';
let url = '';

beforeAll(async () => {
  server = await postgresForTests();
  database = await createTestDatabase(server, 'store_suite');
}, 120_000);
afterAll(async () => {
  if (database) await dropTestDatabase(server, database);
  await server?.close();
});

const open = (options: { now?: () => number; quota?: number } = {}): Promise<PostgresStore> =>
  PostgresStore.open({ url, poolMax: 4, connectTimeoutMs: 2000, statementTimeoutMs: 5000, startupTimeoutMs: 10_000, replayQuotaPerIssuer: options.quota ?? 1000, now: options.now });

describeStore('PostgreSQL', {
  open: async (options) => {
    url = await createTestSchema(database, 'suite');
    return open(options);
  },
  openSibling: async (options) => open(options),
});

describe('PostgreSQL migrations', () => {
  it('replicas starting together apply each version once, under the advisory lock; a new version is applied by the next start', async () => {
    url = await createTestSchema(database, 'migrations');
    const stores = await Promise.all(Array.from({ length: 6 }, () => open()));
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const versions = async (): Promise<number[]> => (await client.query<{ version: number }>('SELECT version FROM hcc_cds_migrations ORDER BY version')).rows.map((row) => row.version);
      expect(await versions()).toEqual(POSTGRES_MIGRATIONS.map((m) => m.version));
      await Promise.all(stores.map((store) => store.feedback.add('svc', [{ card: 'c', outcome: 'accepted', outcomeTimestamp: '2026-11-01T10:00:00Z' }])));
      expect(await stores[0]!.feedback.list('svc')).toHaveLength(1);

      const next: Migration = { version: 1000, name: 'a test column', sql: 'ALTER TABLE snoozes ADD COLUMN note text' };
      const upgraded = await Promise.all([0, 1, 2].map(() => PostgresStore.open({ url, poolMax: 2, connectTimeoutMs: 2000, statementTimeoutMs: 5000, startupTimeoutMs: 10_000, replayQuotaPerIssuer: 10, migrations: [...POSTGRES_MIGRATIONS, next] })));
      expect(await versions()).toEqual([...POSTGRES_MIGRATIONS.map((m) => m.version), 1000]);
      // A failing version leaves nothing behind and stops start-up, naming DATABASE_URL without its credentials.
      const broken: Migration = { version: 1001, name: 'broken', sql: 'ALTER TABLE snoozes ADD COLUMN late text; SELECT no_such_function()' };
      // A URL that carries a password (the throwaway embedded server needs its real one; trust servers ignore it).
      const withPassword = new URL(url);
      if (withPassword.password === '') withPassword.password = 'secret';
      const failure = await PostgresStore.open({ url: withPassword.href, poolMax: 2, connectTimeoutMs: 2000, statementTimeoutMs: 5000, startupTimeoutMs: 0, replayQuotaPerIssuer: 10, migrations: [...POSTGRES_MIGRATIONS, next, broken] }).then(
        () => undefined,
        (error: unknown) => error as Error,
      );
      expect(failure).toBeInstanceOf(ConfigError);
      expect(failure!.message).toMatch(/^DATABASE_URL postgres:\/\/127\.0\.0\.1:\d+\/hcc_store_suite_\w+: cannot be used: .*no_such_function/);
      expect(failure!.message).not.toContain(`:${withPassword.password}@`);
      expect(failure!.message).not.toMatch(/\/\/[^/\s]*@/);
      expect(await versions()).not.toContain(1001);
      const columns = (await client.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'snoozes'")).rows.map((row) => row.column_name);
      expect(columns).toContain('note');
      expect(columns).not.toContain('late');
      for (const store of [...stores, ...upgraded]) await store.close();
    } finally {
      await client.end();
    }
  });

  it('waits for a database that does not answer yet, within DATABASE_STARTUP_TIMEOUT_MS, then stops with one line', async () => {
    const port = await freePort();
    const retries: string[] = [];
    const started = Date.now();
    const failure = await PostgresStore.open({
      url: `postgres://postgres:pw@127.0.0.1:${port}/nothing`,
      poolMax: 2,
      connectTimeoutMs: 500,
      statementTimeoutMs: 1000,
      startupTimeoutMs: 1500,
      replayQuotaPerIssuer: 10,
      onStartupRetry: (reason) => retries.push(reason),
    }).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(failure).toBeInstanceOf(ConfigError);
    expect(failure!.message).toMatch(new RegExp(`^DATABASE_URL postgres://127\\.0\\.0\\.1:${port}/nothing: cannot be used: .*ECONNREFUSED`));
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
