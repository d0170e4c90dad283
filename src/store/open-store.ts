import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { AppConfig } from '../config.js';
import { describeDatabaseUrl, PostgresStore } from './postgres-store.js';
import { SqliteStore } from './sqlite-store.js';
import { storeHealth } from './store-health.js';
import type { Store } from './types.js';

export interface OpenStoreDeps {
  logger: Logger;
  /** The registry the store's health metrics go to (the app's). */
  registry: Registry;
  now?: () => number;
}

/**
 * The store this configuration names: PostgreSQL when DATABASE_URL is set (shared by every process naming it),
 * otherwise the SQLite file FEEDBACK_DB, with the JWT replay cache in memory for one process or in the file when
 * WEB_CONCURRENCY > 1 (so the workers of the host refuse each other's replays).
 */
export async function openStore(config: AppConfig, deps: OpenStoreDeps): Promise<Store> {
  if (config.databaseUrl) {
    const store = await PostgresStore.open({
      url: config.databaseUrl,
      poolMax: config.databasePoolMax,
      connectTimeoutMs: config.databaseConnectTimeoutMs,
      statementTimeoutMs: config.databaseStatementTimeoutMs,
      startupTimeoutMs: config.databaseStartupTimeoutMs,
      replayQuotaPerIssuer: config.jwtReplayQuotaPerIssuer,
      now: deps.now,
      observer: storeHealth('postgres', deps.logger, deps.registry),
      onStartupRetry: (reason) => deps.logger.warn({ database: describeDatabaseUrl(config.databaseUrl!), reason }, 'DATABASE_URL does not answer yet; retrying'),
    });
    deps.logger.info({ database: describeDatabaseUrl(config.databaseUrl), poolMax: config.databasePoolMax }, 'store: PostgreSQL (feedback, card log, snoozes and the JWT replay cache shared by every process naming it)');
    return store;
  }
  const store = new SqliteStore({
    path: config.feedbackDbPath,
    replay: config.webConcurrency > 1 ? 'file' : 'memory',
    replayQuotaPerIssuer: config.jwtReplayQuotaPerIssuer,
    now: deps.now,
    observer: storeHealth('sqlite', deps.logger, deps.registry),
  });
  deps.logger.debug({ path: config.feedbackDbPath, replay: config.webConcurrency > 1 ? 'file' : 'memory' }, 'store: SQLite');
  return store;
}
