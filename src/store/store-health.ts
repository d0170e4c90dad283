import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { StoreObserver } from './types.js';

/** Failures while the store stays down are logged again at most this often (each is still counted). */
const REPEAT_LOG_MS = 10_000;

/**
 * The log lines and metrics of the store's health: one error line when it becomes unreachable (naming the backend,
 * the operation and the driver's reason, never the URL's credentials), a reminder every 10 s while it stays so, one
 * line when it is back; `hcc_cds_store_unavailable_total{operation}` counts every refused operation and
 * `hcc_cds_store_up` is 0 while it is down (alert on either).
 */
export function storeHealth(kind: string, logger: Logger, registry: Registry): StoreObserver {
  const failures = new Counter({
    name: 'hcc_cds_store_unavailable_total',
    help: 'Store operations that failed because the store (SQLite file or PostgreSQL) could not be reached or commit, by operation; the request was answered 503',
    labelNames: ['operation'] as const,
    registers: [registry],
  });
  const up = new Gauge({
    name: 'hcc_cds_store_up',
    help: '1 while the last store operation succeeded, 0 after a failure (across workers: the lowest)',
    registers: [registry],
    aggregator: 'min',
  });
  up.set(1);
  let down = false;
  let lastLoggedAt = 0;
  let since = 0;
  return {
    unavailable(operation, reason) {
      failures.inc({ operation });
      up.set(0);
      since += 1;
      const now = Date.now();
      if (!down) {
        down = true;
        since = 1;
        lastLoggedAt = now;
        logger.error({ store: kind, operation, reason }, 'the store is unreachable: authenticated and feedback calls answer 503 until it is back');
      } else if (now - lastLoggedAt >= REPEAT_LOG_MS) {
        lastLoggedAt = now;
        logger.error({ store: kind, operation, reason, failuresSinceLastLine: since }, 'the store is still unreachable');
        since = 0;
      }
    },
    available() {
      if (!down) return;
      down = false;
      up.set(1);
      logger.info({ store: kind }, 'the store is reachable again');
    },
  };
}
