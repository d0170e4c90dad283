/**
 * The issued-card log's retention (CARD_LOG_RETENTION_DAYS) and the end of expired snoozes: purged once at start-up
 * and then hourly, on an unref'd timer (it never keeps the process alive). A failure is logged and retried at the
 * next hour, never thrown. Under WEB_CONCURRENCY every worker purges: each purge is one idempotent DELETE by time,
 * so several at once delete the same rows once and are harmless.
 */
import type { Logger } from 'pino';
import type { Store } from '../store/types.js';

export const PURGE_INTERVAL_MS = 3_600_000;
const DAY_MS = 86_400_000;

export interface RetentionOptions {
  store: Pick<Store, 'cardLog' | 'snoozes'>;
  /** Days a log row is kept; 0 = forever (only expired snoozes are purged). */
  retentionDays: number;
  logger: Logger;
  now?: () => Date;
  intervalMs?: number;
}

/** One purge; resolves with what it deleted, or undefined when it failed (logged). */
export async function purgeOnce(options: RetentionOptions): Promise<{ cards: number; snoozes: number } | undefined> {
  const now = (options.now ?? (() => new Date()))();
  try {
    const cards = options.retentionDays > 0 ? await options.store.cardLog.purgeBefore(new Date(now.getTime() - options.retentionDays * DAY_MS).toISOString()) : 0;
    const snoozes = await options.store.snoozes.purgeExpired(now.toISOString());
    if (cards > 0 || snoozes > 0) options.logger.info({ cards, snoozes, retentionDays: options.retentionDays }, 'issued-card log purged');
    return { cards, snoozes };
  } catch (error) {
    options.logger.warn({ err: String((error as Error)?.message ?? error).slice(0, 300) }, 'issued-card log purge failed; retried in an hour');
    return undefined;
  }
}

/** Starts the purge (now, then every interval); `stop` clears the timer. */
export function startRetention(options: RetentionOptions): { stop(): void; first: Promise<unknown> } {
  const first = purgeOnce(options);
  const timer = setInterval(() => void purgeOnce(options), options.intervalMs ?? PURGE_INTERVAL_MS);
  timer.unref();
  return { stop: () => clearInterval(timer), first };
}
