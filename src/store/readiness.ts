import type { Store } from './types.js';

/**
 * What GET /readyz answers: ready once start-up is done (this exists only after the store opened and migrated),
 * while the store answers, and until shutdown starts (so a load balancer stops sending before the process goes).
 */
export class Readiness {
  private draining = false;

  constructor(private readonly store: Store) {}

  /** Shutdown has begun: not ready from now on. */
  drain(): void {
    this.draining = true;
  }

  /** Why the service cannot serve, or undefined when it can. */
  async problem(): Promise<string | undefined> {
    if (this.draining) return 'shutting down';
    try {
      await this.store.ping();
      return undefined;
    } catch {
      return `the ${this.store.kind === 'postgres' ? 'PostgreSQL' : 'SQLite'} store does not answer`;
    }
  }
}
