/**
 * PostgreSQL stopped and started under a steady load (contract §8), on a throwaway server this test owns (never the
 * machine's shared one): /readyz goes not-ready then ready; while the database is down authenticated hook and
 * feedback calls are refused with 503 OperationOutcomes (never accepted unchecked) and unauthenticated hook calls,
 * which need no store, still get cards; no process exits; no 5xx but that 503; the service recovers by itself.
 */
import { startBuiltServer, type RunningServer } from '../helpers/spawn-server.js';
import { call, feedbackBatch, FEEDBACK, hookBody, isOperationOutcome, PUBLIC_BASE, SERVICE, trustedClient, type Answer, type Client } from './replica-harness.js';
import { createTestDatabase, throwawayPostgres, type ThrowawayPostgres } from './postgres-server.js';

let postgres: ThrowawayPostgres;
let client: Client;
let authenticated: RunningServer;
let open: RunningServer;

beforeAll(async () => {
  [postgres, client] = await Promise.all([throwawayPostgres(), trustedClient()]);
  const databaseUrl = await createTestDatabase(postgres, 'restart');
  const env = { DATABASE_URL: databaseUrl, DATABASE_POOL_MAX: '4', DATABASE_CONNECT_TIMEOUT_MS: '1000', DATABASE_STATEMENT_TIMEOUT_MS: '2000', PUBLIC_BASE_URL: PUBLIC_BASE };
  [authenticated, open] = await Promise.all([startBuiltServer({ ...env, CDS_CLIENTS_FILE: client.clientsFile }), startBuiltServer(env)]);
}, 120_000);

afterAll(async () => {
  await authenticated?.stop('SIGKILL');
  await open?.stop('SIGKILL');
  await postgres?.close();
});

/** 'stopping', 'recovering' and 'transition' are the moments in between, where either answer is right. */
type Phase = 'up' | 'stopping' | 'down' | 'recovering' | 'back' | 'transition';
interface Observation extends Answer {
  phase: Phase;
  kind: string;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await sleep(100);
  }
  return false;
}

describe('PostgreSQL stopped and started during a steady load', () => {
  it('is not ready and refuses authenticated calls with 503 while it is down, and recovers by itself', async () => {
    const observations: Observation[] = [];
    let phase = 'up' as Phase;
    let running = true;
    const load = async (kind: string, once: () => Promise<Answer>): Promise<void> => {
      while (running) {
        const started = phase;
        const answer = await once();
        // A call that spans a change of phase belongs to neither.
        observations.push({ ...answer, phase: phase === started ? started : 'transition', kind });
        await sleep(20);
      }
    };
    const loads = [
      load('authenticated hook', async () => call(authenticated, 'POST', SERVICE, { token: await client.token(SERVICE), body: hookBody() })),
      load('authenticated feedback', async () => call(authenticated, 'POST', FEEDBACK, { token: await client.token(FEEDBACK), body: feedbackBatch(2) })),
      load('authenticated discovery', async () => call(authenticated, 'GET', '/cds-services', { token: await client.token('/cds-services') })),
      load('open hook', () => call(open, 'POST', SERVICE, { body: hookBody() })),
      load('open feedback', () => call(open, 'POST', FEEDBACK, { body: feedbackBatch(1) })),
    ];
    const ready = async (server: RunningServer): Promise<number> => (await call(server, 'GET', '/readyz')).status;
    try {
      await sleep(1000);
      expect(await ready(authenticated)).toBe(200);

      phase = 'stopping';
      await postgres.stop();
      phase = 'down';
      expect(await until(async () => (await ready(authenticated)) === 503, 10_000)).toBe(true);
      const notReady = await call(open, 'GET', '/readyz');
      expect(notReady.status).toBe(503);
      expect(isOperationOutcome(notReady.body)).toBe(true);
      expect(notReady.body.issue[0].diagnostics).toMatch(/not ready: the PostgreSQL store does not answer/);
      expect((await call(authenticated, 'GET', '/healthz')).status).toBe(200);
      await sleep(1500);

      phase = 'recovering';
      await postgres.start();
      expect(await until(async () => (await ready(authenticated)) === 200 && (await ready(open)) === 200, 20_000)).toBe(true);
      phase = 'back';
      await sleep(1500);
    } finally {
      running = false;
      await Promise.all(loads);
    }

    const of = (p: Phase, kind: string): Observation[] => observations.filter((o) => o.phase === p && o.kind === kind);
    // No 5xx but the documented 503, and every 503 an OperationOutcome.
    expect([...new Set(observations.map((o) => o.status))].sort()).toEqual([200, 503]);
    for (const o of observations.filter((o) => o.status !== 200)) expect(isOperationOutcome(o.body)).toBe(true);
    for (const kind of ['authenticated hook', 'authenticated feedback', 'authenticated discovery', 'open hook', 'open feedback']) {
      expect(of('up', kind).length).toBeGreaterThan(0);
      expect(of('up', kind).every((o) => o.status === 200)).toBe(true);
      expect(of('back', kind).length).toBeGreaterThan(0);
      expect(of('back', kind).every((o) => o.status === 200)).toBe(true);
    }
    // While it was down: authenticated calls refused, never accepted unchecked (allowing for calls already past
    // the store when it stopped); feedback refused everywhere; unauthenticated hook calls, needing no store, served.
    for (const kind of ['authenticated hook', 'authenticated feedback', 'authenticated discovery', 'open feedback']) {
      const down = of('down', kind);
      expect(down.filter((o) => o.status === 503).length).toBeGreaterThan(0);
      expect({ kind, statuses: down.map((o) => o.status).join(' ') }).toEqual({ kind, statuses: expect.stringMatching(/^(\d+ ){0,2}(503 ?)*$/) });
    }
    expect(of('down', 'open hook').length).toBeGreaterThan(0);
    expect(of('down', 'open hook').every((o) => o.status === 200 && Array.isArray(o.body.cards))).toBe(true);
    const refused = of('down', 'authenticated hook').find((o) => o.status === 503)!;
    expect(refused.body.issue[0]).toMatchObject({ severity: 'error', code: 'transient' });

    // Both processes lived through it, said so in the log and in the metrics.
    for (const server of [authenticated, open]) {
      expect(server.child.exitCode).toBeNull();
      expect(server.child.signalCode).toBeNull();
      expect(server.logs.some((line) => line.includes('the store is unreachable'))).toBe(true);
      expect(server.logs.some((line) => line.includes('the store is reachable again'))).toBe(true);
      // The database is named without its user or password.
      expect(server.logs.every((line) => !line.includes('postgres@') && !line.includes(':postgres@'))).toBe(true);
    }
    const metrics = String((await call(authenticated, 'GET', '/metrics')).body);
    expect(metrics).toMatch(/hcc_cds_store_unavailable_total\{operation="replay\.seen"\} [1-9]/);
    expect(metrics).toContain('hcc_cds_store_up 1');
  }, 90_000);
});
