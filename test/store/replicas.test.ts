/**
 * Two service processes on two ports, one PostgreSQL database (contract §8), through real HTTP with signed JWTs:
 * a token accepted by either is refused by the other; feedback posted to one is listed by the other; `kill -9` of
 * one during a stream of feedback posts loses nothing that was answered 200; the governance report of either counts
 * the cards both issued. And WEB_CONCURRENCY=2 on the embedded
 * store: the workers of one host share the replay cache in the SQLite file.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { startBuiltServer, type RunningServer } from '../helpers/spawn-server.js';
import { afpObservation, overduePatientView } from '../helpers/requests.js';
import { tempDir } from '../helpers/service.js';
import { call, feedbackBatch, FEEDBACK, hookBody, PUBLIC_BASE, SERVICE, trustedClient, type Client } from './replica-harness.js';
import { createTestDatabase, dropTestDatabase, postgresForTests, type PostgresServer } from './postgres-server.js';

const ADMIN_TOKEN = 'replicas-admin-token-0123456789abcdef';
let postgres: PostgresServer;
let databaseUrl = '';
let client: Client;
const running: RunningServer[] = [];

async function replica(env: Record<string, string> = {}): Promise<RunningServer> {
  const server = await startBuiltServer({
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_MAX: '4',
    CDS_CLIENTS_FILE: client.clientsFile,
    PUBLIC_BASE_URL: PUBLIC_BASE,
    NODE_ENV: 'development',
    ADMIN_TOKEN: ADMIN_TOKEN,
    ...env,
  });
  running.push(server);
  return server;
}

beforeAll(async () => {
  [postgres, client] = await Promise.all([postgresForTests(), trustedClient()]);
  databaseUrl = await createTestDatabase(postgres, 'replicas');
}, 120_000);

afterAll(async () => {
  for (const server of running) await server.stop('SIGKILL');
  await dropTestDatabase(postgres, databaseUrl);
  await postgres.close();
});

describe('two processes, one PostgreSQL database', () => {
  let a: RunningServer;
  let b: RunningServer;
  beforeAll(async () => {
    [a, b] = await Promise.all([replica(), replica()]);
  }, 30_000);

  it('refuses on B a token A accepted, and on A a token B accepted, for every authenticated endpoint', async () => {
    for (const [first, second] of [
      [a, b],
      [b, a],
    ] as const) {
      const discovery = await client.token('/cds-services');
      expect((await call(first, 'GET', '/cds-services', { token: discovery })).status).toBe(200);
      const replayed = await call(second, 'GET', '/cds-services', { token: discovery });
      expect(replayed.status).toBe(401);
      expect(replayed.body.issue[0].diagnostics).toBe('unauthorized');
      expect((await call(first, 'GET', '/cds-services', { token: discovery })).status).toBe(401);

      const hook = await client.token(SERVICE);
      const served = await call(first, 'POST', SERVICE, { token: hook, body: hookBody() });
      expect(served.status).toBe(200);
      expect(Array.isArray(served.body.cards)).toBe(true);
      expect((await call(second, 'POST', SERVICE, { token: hook, body: hookBody() })).status).toBe(401);
    }
    expect(b.logs.some((line) => line.includes('"authFailure":"replayed-jti"'))).toBe(true);
    expect(a.logs.some((line) => line.includes('"authFailure":"replayed-jti"'))).toBe(true);
  });

  it('lists on B the feedback posted to A, and the other way, oldest first, duplicates once', async () => {
    const fromA = feedbackBatch(3);
    const fromB = feedbackBatch(2);
    expect(await call(a, 'POST', FEEDBACK, { token: await client.token(FEEDBACK), body: fromA })).toEqual({ status: 200, body: {} });
    expect(await call(b, 'POST', FEEDBACK, { token: await client.token(FEEDBACK), body: { feedback: [...fromB.feedback, fromA.feedback[0]] } })).toEqual({ status: 200, body: {} });
    const expected = [...fromA.feedback, ...fromB.feedback];
    for (const server of [a, b]) {
      const listed = await call(server, 'GET', FEEDBACK, { token: await client.token(FEEDBACK) });
      expect(listed.status).toBe(200);
      const cards = (listed.body.feedback as { card: string }[]).map((item) => item.card);
      expect(cards.filter((card) => expected.some((item) => item.card === card))).toEqual(expected.map((item) => item.card));
      expect(listed.body.feedback).toEqual(expect.arrayContaining(expected));
    }
  });

  it('the governance report counts cards issued by both processes', async () => {
    const issued = async (server: RunningServer): Promise<number> => {
      const res = await call(server, 'GET', '/admin/reports/rules', { token: ADMIN_TOKEN });
      expect(res.status).toBe(200);
      return (res.body.rules as { ruleId: string; mode: string; issued: number }[]).find((row) => row.ruleId === 'SURV-OVERDUE' && row.mode === 'shown')?.issued ?? 0;
    };
    const before = await issued(a);
    const body = () => overduePatientView([afpObservation('afp-1', 35, new Date().toISOString().slice(0, 10))], randomUUID());
    for (const [server, calls] of [[a, 3], [b, 2]] as const) {
      for (let i = 0; i < calls; i += 1) {
        const res = await call(server, 'POST', SERVICE, { token: await client.token(SERVICE), body: body() });
        expect(res.status).toBe(200);
        expect((res.body.cards as { source: { topic: { code: string } } }[]).map((card) => card.source.topic.code)).toContain('SURV-OVERDUE');
      }
    }
    expect(await issued(a)).toBe(before + 5);
    expect(await issued(b)).toBe(before + 5);
    // A CDS client's JWT never opens the report.
    expect((await call(b, 'GET', '/admin/reports/rules', { token: await client.token('/admin/reports/rules') })).status).toBe(401);
  });

  it('kill -9 of A during a stream of feedback posts: every item answered 200 is listed by B', async () => {
    const acknowledged: string[] = [];
    let killed = false;
    let stop = false;
    const stream = async (): Promise<void> => {
      while (!stop) {
        const body = feedbackBatch(2);
        try {
          const res = await call(a, 'POST', FEEDBACK, { token: await client.token(FEEDBACK), body, timeoutMs: 5000 });
          // An answer that arrives after the kill was still sent after the commit: it counts too.
          if (res.status === 200) acknowledged.push(...body.feedback.map((item) => item.card));
          else throw new Error(`feedback answered ${res.status}: ${JSON.stringify(res.body)}`);
        } catch (error) {
          // The connection died with the process: not acknowledged. Before the kill, a failure is the test's.
          if (!killed) {
            stop = true;
            throw error;
          }
          return;
        }
      }
    };
    const streams = Array.from({ length: 6 }, stream);
    const deadline = Date.now() + 15_000;
    while (acknowledged.length < 60 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    killed = true;
    a.child.kill('SIGKILL');
    await a.exited;
    stop = true;
    await Promise.all(streams);
    expect(a.child.signalCode).toBe('SIGKILL');

    const listed = await call(b, 'GET', FEEDBACK, { token: await client.token(FEEDBACK) });
    const stored = new Set((listed.body.feedback as { card: string }[]).map((item) => item.card));
    expect(acknowledged.length).toBeGreaterThanOrEqual(60);
    expect(acknowledged.filter((card) => !stored.has(card))).toEqual([]);
    // B served through it all.
    expect((await call(b, 'GET', '/readyz')).status).toBe(200);
  });
});

describe('WEB_CONCURRENCY=2 on the embedded store', () => {
  it('the workers share the replay cache (in the SQLite file), the feedback and one /metrics', async () => {
    const db = join(tempDir('hcc-cds-workers-'), 'feedback.sqlite');
    const server = await startBuiltServer({ FEEDBACK_DB: db, WEB_CONCURRENCY: '2', CDS_CLIENTS_FILE: client.clientsFile, PUBLIC_BASE_URL: PUBLIC_BASE }, 20_000);
    running.push(server);
    const token = await client.token('/cds-services');
    expect((await call(server, 'GET', '/cds-services', { token })).status).toBe(200);
    // New connections are dealt round-robin to the workers: both see the replay.
    for (let i = 0; i < 6; i += 1) expect((await call(server, 'GET', '/cds-services', { token })).status).toBe(401);
    const refusedBy = new Set(
      server.logs
        .map((line) => JSON.parse(line) as { authFailure?: string; worker?: number })
        .filter((entry) => entry.authFailure === 'replayed-jti')
        .map((entry) => entry.worker),
    );
    expect([...refusedBy].sort()).toEqual([1, 2]);

    const batch = feedbackBatch(4);
    expect((await call(server, 'POST', FEEDBACK, { token: await client.token(FEEDBACK), body: batch })).status).toBe(200);
    for (let i = 0; i < 2; i += 1) {
      const listed = await call(server, 'GET', FEEDBACK, { token: await client.token(FEEDBACK) });
      expect((listed.body.feedback as { card: string }[]).map((item) => item.card)).toEqual(batch.feedback.map((item) => item.card));
    }

    // One scrape shows every worker's requests: 1 + 6 discovery calls, whichever worker answers the scrape.
    for (let i = 0; i < 2; i += 1) {
      const metrics = String((await call(server, 'GET', '/metrics')).body);
      expect(metrics).toContain('hcc_cds_http_requests_total{route="discovery",service="",status="401"} 6');
      expect(metrics).toContain('hcc_cds_http_requests_total{route="discovery",service="",status="200"} 1');
      expect(metrics).toContain('hcc_cds_auth_failures_total{reason="replayed-jti"} 6');
    }

    // A worker that dies is replaced (this test's own child processes: the primary's children).
    const listening = (): number => server.logs.filter((line) => line.includes('"msg":"worker listening"')).length;
    expect(listening()).toBe(2);
    const workers = execFileSync('ps', ['-o', 'pid=', '--ppid', String(server.child.pid)], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
    expect(workers).toHaveLength(2);
    process.kill(workers[0]!, 'SIGKILL');
    const deadline = Date.now() + 15_000;
    while (listening() < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(listening()).toBe(3);
    expect(server.logs.some((line) => line.includes('"msg":"a worker died; starting another"'))).toBe(true);
    for (let i = 0; i < 4; i += 1) expect((await call(server, 'GET', '/readyz')).status).toBe(200);
    // The replay cache outlived the worker: it is in the file.
    expect((await call(server, 'GET', '/cds-services', { token })).status).toBe(401);

    // SIGTERM drains every worker, then the primary exits 0.
    expect(await server.stop('SIGTERM')).toBe(0);
    expect(server.logs.filter((line) => line.includes('"msg":"stopped"')).length).toBe(3);
  }, 40_000);
});
