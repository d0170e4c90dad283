import { StoreUnavailableError, type StoreObserver } from './types.js';

/** A driver error in a few words for the log: its message and code, never the data or a connection string. */
export function reasonOf(error: unknown): string {
  const { message, code } = (error ?? {}) as { message?: unknown; code?: unknown };
  const text = typeof message === 'string' ? message : String(error);
  const withCode = `${text}${typeof code === 'string' && !text.includes(code) ? ` (${code})` : ''}`;
  return withCode.replace(/postgres(ql)?:\/\/\S+/gi, '<database url>').replace(/\s+/g, ' ').slice(0, 300);
}

/**
 * Runs one store operation: a failure becomes a StoreUnavailableError (503: refused, not acknowledged) and is
 * reported to the observer; a success after failures tells the observer the store is back.
 */
export async function guarded<T>(observer: StoreObserver, operation: string, run: () => T | Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await run();
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw error;
    const reason = reasonOf(error);
    observer.unavailable(operation, reason);
    throw new StoreUnavailableError(operation, reason);
  }
  observer.available();
  return result;
}
