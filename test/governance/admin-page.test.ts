/**
 * The admin page in a real headless Chromium (playwright-core + Debian's /usr/bin/chromium, as the preview test):
 * refused without the credential; with it, every chart is drawn with the numbers of GET /admin/reports/rules (read
 * back from the Chart.js instances) and the tables hold the same numbers. Screenshot: test-artifacts/admin.png.
 */
import express from 'express';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { PACKAGE_ROOT } from '../../src/config.js';
import { adminRoutes } from '../../src/governance/admin-routes.js';
import type { GovernanceReport } from '../../src/governance/report.js';
import { createLogger } from '../../src/http/logger.js';
import type { FeedbackItem } from '../../src/cds-hooks/types.js';
import type { IssuedCard, Store } from '../../src/store/types.js';
import { tempDir } from '../helpers/service.js';
import type { RuleCatalog } from '../../src/knowledge/rule-catalog.js';
import { loadRuleCatalog } from '../../src/rule-files.js';

let rules: RuleCatalog;
beforeAll(async () => {
  rules = await loadRuleCatalog();
});
import { describeInChromium, launchChromium } from '../helpers/browser.js';
import { openTestStore, REASON_SYSTEM, seed, SERVICE, TIME_ZONE } from './fixture.js';

const ADMIN_TOKEN = 'admin-page-secret-0123456789abcdef';


/** Four weeks of a small hospital's cards (deterministic), so the charts have something to show. */
async function seedWeeks(store: Store): Promise<void> {
  const rules: Array<[string, string, IssuedCard['mode'], number]> = [
    ['SURV-OVERDUE', 'warning', 'shown', 5],
    ['AFP-ELEVATED', 'warning', 'silent', 2],
    ['FU-POST-TACE-IMAGING', 'warning', 'shown', 1],
    ['TACE-CP-C', 'critical', 'shown', 1],
    ['TACE-MISSING-LABS', 'warning', 'shown', 2],
  ];
  const reasons = ['benefit-outweighs-risk', 'tumour-board-decision', 'data-incorrect'];
  const cards: IssuedCard[] = [];
  const feedback: FeedbackItem[] = [];
  let n = 0;
  for (let day = 0; day < 28; day += 1) {
    const date = new Date(Date.UTC(2026, 1, 3 + day)).toISOString().slice(0, 10);
    for (const [ruleId, indicator, mode, perDay] of rules) {
      const count = perDay + ((day * 7 + ruleId.length) % 3) - 1;
      for (let i = 0; i < count; i += 1) {
        n += 1;
        const uuid = `10000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
        cards.push({ uuid, serviceId: ruleId.startsWith('TACE') ? 'hcc-tace-order-sign' : SERVICE, hook: ruleId.startsWith('TACE') ? 'order-sign' : 'patient-view', hookInstance: `w${n}`, ruleId, indicator, mode, issuedAt: `${date}T${String(8 + (i % 9)).padStart(2, '0')}:15:00.000Z`, patientPseudonym: `w${n % 40}`.padEnd(64, '0'), fingerprint: `w${n}`.padEnd(24, '0') });
        if (mode !== 'shown') continue;
        const roll = (n * 37) % 10;
        if (roll < 3) feedback.push({ card: uuid, outcome: 'overridden', outcomeTimestamp: `${date}T18:00:00Z`, overrideReason: { reason: { system: REASON_SYSTEM, code: reasons[n % reasons.length]!, display: reasons[n % reasons.length]!.replace(/-/g, ' ') } } });
        else if (roll < 6) feedback.push({ card: uuid, outcome: 'accepted', outcomeTimestamp: `${date}T18:00:00Z`, acceptedSuggestions: [{ id: `s${n}` }] });
      }
    }
  }
  await store.cardLog.record(cards);
  await store.feedback.add(SERVICE, feedback, '2026-03-09T12:00:00.000Z');
}


describeInChromium('the admin page browser test', 'the admin page in headless Chromium', () => {
  let store: Store;
  let server: Server;
  let baseUrl: string;
  let browser: Browser;

  beforeAll(async () => {
    store = await openTestStore({ FEEDBACK_DB: join(tempDir(), 'feedback.sqlite') });
    await seed(store);
    await seedWeeks(store);
    const app = express();
    app.use(adminRoutes({ store, adminToken: ADMIN_TOKEN, production: false, timeZone: TIME_ZONE, logger: createLogger('silent'), now: () => new Date('2026-03-10T12:00:00Z'), rulePosition: (id) => rules.position(id) }));
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await store?.close();
  });

  const chartData = (page: Page, id: string) =>
    page.evaluate((canvasId) => {
      // Runs in the page (no DOM types in this project's compiler settings).
      const page = globalThis as unknown as {
        Chart: { getChart(canvas: unknown): { data: { labels: unknown[]; datasets: Array<{ label: string; data: number[] }> } } | undefined };
        document: { getElementById(id: string): unknown };
      };
      const chart = page.Chart.getChart(page.document.getElementById(canvasId));
      return chart ? { labels: chart.data.labels as string[], datasets: chart.data.datasets.map((d) => ({ label: d.label, data: [...d.data] })) } : undefined;
    }, id);

  async function newPage(): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const problems: string[] = [];
    page.on('console', (message) => {
      // A refused report fetch is logged by Chromium as a failed resource: expected in the refusal steps.
      if (message.type() === 'error' && !/status of 401/.test(message.text())) problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    return { page, problems };
  }

  it('is refused without the credential and with a wrong one: no data, no chart', async () => {
    const { page, problems } = await newPage();
    const response = await page.goto(`${baseUrl}/admin`);
    expect(response?.status()).toBe(401);
    await page.waitForSelector('body[data-state="refused"]');
    expect(await page.isVisible('#report')).toBe(false);
    expect(await chartData(page, 'chart-daily')).toBeUndefined();
    await page.fill('#token', 'not-the-token');
    await page.click('#load');
    await page.waitForSelector('body[data-state="refused"]');
    expect(await page.textContent('#status')).toMatch(/Refused/);
    expect(await chartData(page, 'chart-override-rate')).toBeUndefined();
    expect(await page.locator('#rules-table tbody tr').count()).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('with the token draws every chart with the numbers of the API', async () => {
    const { page, problems } = await newPage();
    await page.goto(`${baseUrl}/admin`);
    await page.waitForSelector('body[data-state="refused"]');
    await page.fill('#token', ADMIN_TOKEN);
    await page.fill('#from', '2026-02-03');
    await page.fill('#to', '2026-03-04');
    await page.click('#load');
    await page.waitForSelector('body[data-state="ready"]');
    // The token is not left in the field; it stays in this tab's session only.
    expect(await page.inputValue('#token')).toBe('');

    const api = (await (await fetch(`${baseUrl}/admin/reports/rules?from=2026-02-03&to=2026-03-04`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as GovernanceReport;
    expect(api.rules.length).toBeGreaterThanOrEqual(6);

    // Cards per day by rule, indicator and mode: every card of the API in its dataset, on its day.
    const daily = (await chartData(page, 'chart-daily'))!;
    expect(daily.labels[0]).toBe('2026-02-03');
    expect(daily.labels.at(-1)).toBe('2026-03-04');
    for (const entry of api.daily) {
      const dataset = daily.datasets.find((d) => d.label === `${entry.ruleId} · ${entry.indicator} · ${entry.mode}`);
      expect(dataset?.data[daily.labels.indexOf(entry.date)]).toBe(entry.count);
    }
    expect(daily.datasets.flatMap((d) => d.data).reduce((a, b) => a + b, 0)).toBe(api.totals.issued);

    // Override rate per rule.
    const answered = api.rules.filter((r) => r.overrideRate !== null);
    expect(await chartData(page, 'chart-override-rate')).toEqual({
      labels: answered.map((r) => (r.mode === 'shown' ? r.ruleId : `${r.ruleId} (${r.mode})`)),
      datasets: [{ label: 'override rate (%)', data: answered.map((r) => Math.round(r.overrideRate! * 1000) / 10) }],
    });
    expect(answered.find((r) => r.ruleId === 'SURV-OVERDUE')).toBeDefined();

    // Top override reasons over all rules.
    const totals = new Map<string, number>();
    for (const r of api.rules) for (const reason of r.overrideReasons) totals.set(reason.code!, (totals.get(reason.code!) ?? 0) + reason.count);
    const reasons = (await chartData(page, 'chart-reasons'))!;
    expect(reasons.datasets[0]!.data).toEqual([...totals.values()].sort((a, b) => b - a).slice(0, 10));
    expect(reasons.labels.map((label) => /\(([^)]+)\)$/.exec(label)?.[1])).toEqual([...totals.entries()].sort((a, b) => b[1] - a[1]).map(([code]) => code));

    // What silent rules would have shown.
    const silentRows = api.rules.filter((r) => r.mode === 'silent');
    const silent = (await chartData(page, 'chart-silent'))!;
    expect(silent.labels).toEqual(silentRows.map((r) => r.ruleId));
    for (const dataset of silent.datasets) expect(dataset.data).toEqual(silentRows.map((r) => r.indicators[dataset.label] ?? 0));
    expect(silent.datasets.map((d) => d.label).sort()).toEqual(['info', 'warning']);

    // The numbers are in the tables too.
    const rows = await page.locator('#rules-table tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows).toEqual(api.rules.map((r) => [r.ruleId, r.mode, String(r.issued), String(r.accepted), String(r.overridden), String(r.noFeedback), expect.stringMatching(/%|-/), expect.stringMatching(/%|-/), expect.stringMatching(/%|-/)]));
    const surv = rows.find((cells) => cells[0] === 'SURV-OVERDUE' && cells[1] === 'shown')!;
    const survApi = api.rules.find((r) => r.ruleId === 'SURV-OVERDUE' && r.mode === 'shown')!;
    expect(surv[7]).toBe(`${(Math.round(survApi.overrideRate! * 1000) / 10).toFixed(1)} %`);
    expect(await page.textContent('#totals')).toContain(`${api.totals.issued} cards`);
    expect(await page.textContent('#totals')).toContain(`(orphaned): ${api.orphanFeedback}`);

    mkdirSync(join(PACKAGE_ROOT, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(PACKAGE_ROOT, 'test-artifacts', 'admin.png'), fullPage: true });

    // A reload keeps the session's token; "Forget token" drops it and the page is refused again.
    await page.reload();
    await page.waitForSelector('body[data-state="ready"]');
    await page.click('#forget');
    await page.waitForSelector('body[data-state="refused"]');
    await page.reload();
    await page.waitForSelector('body[data-state="refused"]');
    expect(problems).toEqual([]);
    await page.close();
  });
});
