/** /readyz and the 503s of an unreachable store, in-process on the embedded store; settings of the store. */
import request from 'supertest';
import { loadConfig } from '../../src/config.js';
import { testService } from '../helpers/service.js';
import { feedbackBatch, hookBody } from './replica-harness.js';

describe('GET /readyz on the embedded store', () => {
  it('is 200 while the store answers and 503 OperationOutcome when it does not or shutdown began; /healthz stays 200', async () => {
    const service = await testService();
    expect((await request(service.app).get('/readyz')).body).toEqual({ status: 'ready' });
    expect((await request(service.app).post('/readyz')).status).toBe(405);
    await service.store.close();
    const notReady = await request(service.app).get('/readyz');
    expect(notReady.status).toBe(503);
    expect(notReady.body).toEqual({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'transient', diagnostics: 'not ready: the SQLite store does not answer' }] });
    expect((await request(service.app).get('/healthz')).status).toBe(200);

    // Feedback needs the store: 503, never 200; a hook call without authentication needs none and is served.
    const posted = await request(service.app).post('/cds-services/hcc-patient-view/feedback').send(feedbackBatch(2));
    expect(posted.status).toBe(503);
    expect(posted.body.resourceType).toBe('OperationOutcome');
    expect(posted.body.issue[0].code).toBe('transient');
    expect((await request(service.app).get('/cds-services/hcc-patient-view/feedback')).status).toBe(503);
    expect((await request(service.app).post('/cds-services/hcc-patient-view').send(hookBody())).status).toBe(200);
    const metrics = (await request(service.app).get('/metrics')).text;
    expect(metrics).toMatch(/hcc_cds_store_unavailable_total\{operation="feedback\.add"\} 1/);
    expect(metrics).toContain('hcc_cds_store_up 0');
    await service.close();
  });

  it('answers 503 from the moment shutdown begins', async () => {
    const service = await testService();
    service.readiness.drain();
    expect((await request(service.app).get('/readyz')).body.issue[0].diagnostics).toBe('not ready: shutting down');
    await service.close();
  });
});

describe('store settings', () => {
  it('reads DATABASE_URL, the pool and timeouts, WEB_CONCURRENCY with safe defaults, and refuses what is not usable', () => {
    const defaults = loadConfig({});
    expect(defaults).toMatchObject({ databaseUrl: undefined, databasePoolMax: 10, databaseConnectTimeoutMs: 2000, databaseStatementTimeoutMs: 5000, databaseStartupTimeoutMs: 60_000, webConcurrency: 1 });
    expect(loadConfig({ DATABASE_URL: 'postgresql://u:p@db:5432/hcc', DATABASE_POOL_MAX: '3', WEB_CONCURRENCY: '4' })).toMatchObject({ databaseUrl: 'postgresql://u:p@db:5432/hcc', databasePoolMax: 3, webConcurrency: 4 });
    expect(() => loadConfig({ DATABASE_URL: 'mysql://db/hcc' })).toThrow(/DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/);
    expect(() => loadConfig({ WEB_CONCURRENCY: '0' })).toThrow(/WEB_CONCURRENCY/);
    expect(() => loadConfig({ WEB_CONCURRENCY: '65' })).toThrow(/WEB_CONCURRENCY must be at most 64/);
    expect(() => loadConfig({ DATABASE_POOL_MAX: '0' })).toThrow(/DATABASE_POOL_MAX/);
  });
});
