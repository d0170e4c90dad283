/**
 * GET /admin/reports/rules through real HTTP over a real store, SQLite and PostgreSQL, seeded with the issue's
 * fixture: exact numbers, duplicate feedback changes nothing, orphaned feedback counted, CSV, dates and auth.
 */
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { adminRoutes } from '../../src/governance/admin-routes.js';
import type { GovernanceReport, RuleReportRow } from '../../src/governance/report.js';
import { createLogger } from '../../src/http/logger.js';
import type { Store } from '../../src/store/types.js';
import { tempDir } from '../helpers/service.js';
import { openTestStore, REASON_SYSTEM, repost, seed, TIME_ZONE } from './fixture.js';
import type { RuleCatalog } from '../../src/knowledge/rule-catalog.js';
import { loadRuleCatalog } from '../../src/rule-files.js';

let rules: RuleCatalog;
beforeAll(async () => {
  rules = await loadRuleCatalog();
});
import { testDatabase, type TestDatabase } from '../store/postgres-server.js';

const ADMIN_TOKEN = 'admin-secret-for-the-tests-0123456789';
const PERIOD = '?from=2026-03-02&to=2026-03-04';

async function listen(app: express.Express): Promise<{ server: Server; baseUrl: string }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return { server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const close = (server: Server | undefined): Promise<void> => new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));

function adminApp(store: Store, options: { adminToken?: string; production?: boolean } = {}): express.Express {
  const app = express();
  app.use(adminRoutes({ store, adminToken: options.adminToken, production: options.production ?? false, timeZone: TIME_ZONE, logger: createLogger('silent'), now: () => new Date('2026-03-10T12:00:00Z'), rulePosition: (id) => rules.position(id) }));
  return app;
}

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const row = (report: GovernanceReport, ruleId: string, mode: string): RuleReportRow | undefined => report.rules.find((r) => r.ruleId === ruleId && r.mode === mode);

function expectFixtureNumbers(report: GovernanceReport): void {
  expect(report.from).toBe('2026-03-02');
  expect(report.to).toBe('2026-03-04');
  expect(report.orphanFeedback).toBe(2);
  expect(row(report, 'SURV-OVERDUE', 'shown')).toEqual({
    ruleId: 'SURV-OVERDUE',
    mode: 'shown',
    issued: 10,
    accepted: 2,
    overridden: 3,
    noFeedback: 5,
    acceptRate: 0.2,
    overrideRate: 0.6,
    feedbackCoverage: 0.5,
    overrideReasons: [
      { system: REASON_SYSTEM, code: 'X', display: 'Reason X shown to the clinician', count: 2 },
      { system: REASON_SYSTEM, code: 'Y', display: 'Reason Y', count: 1 },
    ],
    overriddenWithoutReason: 0,
    acceptedSuggestions: [{ id: 'order-afp', count: 2 }, { id: 'order-us', count: 1 }],
    indicators: { warning: 10 },
  });
  // The card issued at 23:30 UTC on 1 March is 2 March in Berlin; the one at 23:30 UTC on 4 March is 5 March.
  expect(row(report, 'SURV-OVERDUE', 'snoozed')).toMatchObject({ issued: 1, noFeedback: 1, overrideRate: null, acceptRate: 0, feedbackCoverage: 0 });
  expect(row(report, 'AFP-ELEVATED', 'silent')).toMatchObject({ issued: 2, indicators: { warning: 1, info: 1 }, overrideRate: null });
  expect(row(report, 'TACE-COAG', 'shown')).toMatchObject({ issued: 1, indicators: { critical: 1 } });
  expect(report.rules.map((r) => `${r.ruleId}/${r.mode}`)).toEqual(['TACE-COAG/shown', 'SURV-OVERDUE/shown', 'SURV-OVERDUE/snoozed', 'AFP-ELEVATED/silent']);
  expect(report.totals).toEqual({ issued: 14, shown: 11, silent: 2, snoozed: 1 });
  expect(report.daily.filter((d) => d.ruleId === 'SURV-OVERDUE' && d.mode === 'shown')).toEqual([
    { date: '2026-03-02', ruleId: 'SURV-OVERDUE', indicator: 'warning', mode: 'shown', count: 3 },
    { date: '2026-03-03', ruleId: 'SURV-OVERDUE', indicator: 'warning', mode: 'shown', count: 4 },
    { date: '2026-03-04', ruleId: 'SURV-OVERDUE', indicator: 'warning', mode: 'shown', count: 3 },
  ]);
  // No pseudonym, no patient id, no free-text comment anywhere in the report.
  const text = JSON.stringify(report);
  expect(text).not.toMatch(/p[0-3]0{63}|userComment|free text|hookInstance|hi-\d/);
}

describe.each([
  ['SQLite', async (): Promise<{ store: Store; db?: TestDatabase }> => ({ store: await openTestStore({ FEEDBACK_DB: join(tempDir(), 'feedback.sqlite') }) })],
  ['PostgreSQL', async (): Promise<{ store: Store; db?: TestDatabase }> => {
    const db = await testDatabase('gov_report');
    return { store: await openTestStore({ DATABASE_URL: db.url }), db };
  }],
])('the rule report over %s', (_name, open) => {
  let store: Store;
  let db: TestDatabase | undefined;
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    ({ store, db } = await open());
    await seed(store);
    ({ server, baseUrl } = await listen(adminApp(store, { adminToken: ADMIN_TOKEN })));
  }, 60_000);

  afterAll(async () => {
    await close(server);
    await store?.close();
    await db?.drop();
  }, 30_000);

  it('gives the issue fixture numbers exactly; re-posting the same feedback changes nothing', async () => {
    const first = await fetch(`${baseUrl}/admin/reports/rules${PERIOD}`, { headers: auth });
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toMatch(/^application\/json/);
    expect(first.headers.get('cache-control')).toBe('no-store');
    const report = (await first.json()) as GovernanceReport;
    expectFixtureNumbers(report);

    await repost(store);
    const again = (await (await fetch(`${baseUrl}/admin/reports/rules${PERIOD}`, { headers: auth })).json()) as GovernanceReport;
    expect(again).toEqual(report);
  });

  it('answers the same rows as CSV, by ?format=csv and by Accept: text/csv', async () => {
    const json = (await (await fetch(`${baseUrl}/admin/reports/rules${PERIOD}`, { headers: auth })).json()) as GovernanceReport;
    for (const [query, headers] of [[`${PERIOD}&format=csv`, auth], [PERIOD, { ...auth, accept: 'text/csv' }]] as const) {
      const response = await fetch(`${baseUrl}/admin/reports/rules${query}`, { headers });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
      const lines = (await response.text()).split('\r\n');
      expect(lines.pop()).toBe('');
      expect(lines[0]).toBe('ruleId,mode,issued,accepted,overridden,noFeedback,acceptRate,overrideRate,feedbackCoverage,overrideReasons,overriddenWithoutReason,acceptedSuggestions,indicators,from,to,orphanFeedback');
      expect(lines).toHaveLength(json.rules.length + 1);
      expect(lines[2]).toBe(`SURV-OVERDUE,shown,10,2,3,5,0.2,0.6,0.5,"${REASON_SYSTEM}|X ""Reason X shown to the clinician"" = 2; ${REASON_SYSTEM}|Y ""Reason Y"" = 1",0,order-afp = 2; order-us = 1,warning = 10,2026-03-02,2026-03-04,2`);
      expect(lines[3]).toBe('SURV-OVERDUE,snoozed,1,0,0,1,0,,0,,0,,warning = 1,2026-03-02,2026-03-04,2');
    }
  });

  it('defaults to everything up to today; a narrower period counts only its cards and orphans', async () => {
    const all = (await (await fetch(`${baseUrl}/admin/reports/rules`, { headers: auth })).json()) as GovernanceReport;
    expect(all.to).toBe('2026-03-10');
    expect(all.from).toBe('2026-03-02');
    expect(row(all, 'SURV-OVERDUE', 'shown')?.issued).toBe(11);
    const one = (await (await fetch(`${baseUrl}/admin/reports/rules?from=2026-03-05&to=2026-03-05`, { headers: auth })).json()) as GovernanceReport;
    expect(one.rules.map((r) => [r.ruleId, r.mode, r.issued])).toEqual([['SURV-OVERDUE', 'shown', 1]]);
    expect(one.orphanFeedback).toBe(0);
    const none = (await (await fetch(`${baseUrl}/admin/reports/rules?from=2025-01-01&to=2025-01-31`, { headers: auth })).json()) as GovernanceReport;
    expect(none).toMatchObject({ from: '2025-01-01', to: '2025-01-31', rules: [], orphanFeedback: 0 });
  });
});

describe('the admin endpoints refuse what they should', () => {
  let store: Store;
  const servers: Server[] = [];

  beforeAll(async () => {
    store = await openTestStore({ FEEDBACK_DB: join(tempDir(), 'feedback.sqlite') });
    await seed(store);
  });

  afterAll(async () => {
    await Promise.all(servers.map(close));
    await store.close();
  });

  async function start(options: { adminToken?: string; production?: boolean }): Promise<string> {
    const { server, baseUrl } = await listen(adminApp(store, options));
    servers.push(server);
    return baseUrl;
  }

  it('400 OperationOutcome for bad dates, from after to, or an unknown format', async () => {
    const base = await start({ adminToken: ADMIN_TOKEN });
    for (const [query, field, pattern] of [
      ['?from=2026-02-30', 'from', /"from" must be a calendar date/],
      ['?to=03/04/2026', 'to', /"to" must be a calendar date/],
      ['?from=2026-03-05&to=2026-03-04', 'from', /after "to"/],
      ['?from=2026-03-01&from=2026-03-02', 'from', /given more than once/],
      ['?format=xlsx', 'format', /"format" must be/],
    ] as const) {
      const response = await fetch(`${base}/admin/reports/rules${query}`, { headers: auth });
      expect(response.status).toBe(400);
      const body = (await response.json()) as fhir4.OperationOutcome;
      expect(body.resourceType).toBe('OperationOutcome');
      expect(body.issue[0]).toMatchObject({ code: 'invalid', expression: [field] });
      expect(body.issue[0]?.diagnostics).toMatch(pattern);
    }
  });

  it('401 OperationOutcome without the token, with a wrong one, or with a CDS client JWT', async () => {
    const base = await start({ adminToken: ADMIN_TOKEN });
    const jwt = 'eyJhbGciOiJFUzM4NCIsInR5cCI6IkpXVCIsImtpZCI6ImsxIn0.eyJpc3MiOiJodHRwczovL2Voci5leGFtcGxlLm9yZyJ9.c2lnbmF0dXJl';
    const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer wrong-token' }, { authorization: `Bearer ${jwt}` }, { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` }, { authorization: `Bearer ${ADMIN_TOKEN}x` }];
    for (const headers of attempts) {
      for (const path of ['/admin/reports/rules', '/admin/reports/rules?format=csv', '/admin']) {
        const response = await fetch(`${base}${path}`, { headers });
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
        const body = (await response.json()) as fhir4.OperationOutcome;
        expect(body).toEqual({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login', diagnostics: 'unauthorized' }] });
      }
    }
    // A browser opening the page without a token gets the page (token field, no data) with status 401.
    const page = await fetch(`${base}/admin`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(page.status).toBe(401);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toMatch(/id="token"/);
  });

  it('the page: 200 with the token, a strict CSP, its script, style and Chart.js served from here', async () => {
    const base = await start({ adminToken: ADMIN_TOKEN });
    const page = await fetch(`${base}/admin`, { headers: auth });
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    const html = await page.text();
    expect(html).not.toMatch(/<script>|<script [^>]*>[^<]|<style|style="|https?:\/\/(?!www\.w3\.org)/);
    const chart = await fetch(`${base}/admin/assets/chart.umd.js`);
    expect(chart.status).toBe(200);
    expect(chart.headers.get('content-type')).toMatch(/javascript/);
    expect(await chart.text()).toMatch(/Chart\.js v4\./);
    for (const asset of ['admin.js', 'admin.css']) expect((await fetch(`${base}/admin/assets/${asset}`)).status).toBe(200);
    expect((await fetch(`${base}/admin/assets/..%2fadmin-routes.ts`)).status).toBe(404);
  });

  it('without ADMIN_TOKEN: 404 under production (even with a bearer token), 401 with a hint in development', async () => {
    const production = await start({ production: true });
    for (const path of ['/admin', '/admin/', '/admin/reports/rules', '/admin/reports/rules?format=csv', '/admin/assets/admin.js']) {
      const response = await fetch(`${production}${path}`, { headers: auth });
      expect(response.status).toBe(404);
      expect(((await response.json()) as fhir4.OperationOutcome).resourceType).toBe('OperationOutcome');
    }
    const development = await start({});
    const response = await fetch(`${development}/admin/reports/rules`, { headers: auth });
    expect(response.status).toBe(401);
    expect(((await response.json()) as fhir4.OperationOutcome).issue[0]?.diagnostics).toMatch(/ADMIN_TOKEN/);
    // With the token under production: open as in development.
    const configured = await start({ production: true, adminToken: ADMIN_TOKEN });
    expect((await fetch(`${configured}/admin/reports/rules${PERIOD}`, { headers: auth })).status).toBe(200);
  });

  it('a store that cannot be reached: 503 OperationOutcome, not a 500', async () => {
    const broken = await openTestStore({ FEEDBACK_DB: join(tempDir(), 'feedback.sqlite') });
    await broken.close();
    const { server, baseUrl } = await listen(adminApp(broken, { adminToken: ADMIN_TOKEN }));
    servers.push(server);
    const response = await fetch(`${baseUrl}/admin/reports/rules`, { headers: auth });
    expect(response.status).toBe(503);
    expect(((await response.json()) as fhir4.OperationOutcome).issue[0]?.code).toBe('transient');
  });
});
