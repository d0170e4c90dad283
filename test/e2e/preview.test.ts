/**
 * The card preview page in a real headless Chromium (playwright-core + Debian's /usr/bin/chromium; ecosystem.md §3):
 * run order-select for the tace-cpc fixture, see the critical card first with its values, override it with a reason,
 * and find the override in GET /cds-services/{id}/feedback. Screenshot: test-artifacts/preview.png.
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { PACKAGE_ROOT } from '../../src/config.js';
import { renderMarkdown } from '../../dev/preview/markdown.js';
import { orderCards } from '../../dev/preview/routes.js';
import { describeInChromium, launchChromium } from '../helpers/browser.js';
import { testService } from '../helpers/service.js';




describeInChromium('the preview browser test', 'card preview page in headless Chromium', () => {
  let service: Awaited<ReturnType<typeof testService>>;
  let server: Server;
  let baseUrl: string;
  let browser: Browser;

  beforeAll(async () => {
    service = await testService();
    server = service.app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await service?.close();
  });

  it('shows the critical card first with its values and stores an override sent from the page', async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 1400 } });
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    await page.goto(`${baseUrl}/preview`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.selectOption('#fixture', 'tace-cpc');
    await page.selectOption('#hook', 'order-select');
    await page.click('#run');
    await page.waitForSelector('#cards[data-done="true"]');

    const cards = page.locator('#cards article.card');
    const indicators = await cards.evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-indicator')));
    expect(indicators.length).toBeGreaterThanOrEqual(3);
    expect(indicators[0]).toBe('critical');
    // critical > warning > info
    const rank = { critical: 0, warning: 1, info: 2 } as Record<string, number>;
    const ranks = indicators.map((i) => rank[i ?? ''] ?? 9);
    expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
    const rules = await cards.evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-rule')));
    expect(rules).toEqual(expect.arrayContaining(['TACE-CP-C', 'TACE-BILI-HIGH', 'TACE-COAG']));

    // The first critical card names the values (bilirubin 3.4 mg/dL for this fixture), rendered from Markdown.
    const first = cards.first();
    const firstText = await first.innerText();
    expect(firstText).toMatch(/3\.4/);
    expect(firstText).toMatch(/mg\/dL/);
    expect(await first.locator('.detail').count()).toBe(1);
    expect(await first.locator('.detail script').count()).toBe(0);

    // Override the first card with its first reason and a comment.
    const uuid = await first.getAttribute('data-uuid');
    const reasonText = await first.locator('select.override-reason option').first().innerText();
    await first.locator('select.override-reason').selectOption('0');
    await first.locator('input.override-comment').fill('discussed at tumour board');
    await first.locator('button.override-button').click();
    await first.locator('.outcome[data-outcome="overridden"]').waitFor();

    mkdirSync(join(PACKAGE_ROOT, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(PACKAGE_ROOT, 'test-artifacts', 'preview.png'), fullPage: true });

    const stored = (await (await fetch(`${baseUrl}/cds-services/hcc-tace-order-select/feedback`)).json()) as {
      feedback: Array<{ card: string; outcome: string; overrideReason?: { reason?: { display?: string; code?: string }; userComment?: string } }>;
    };
    const item = stored.feedback.find((f) => f.card === uuid);
    expect(item).toBeDefined();
    expect(item?.outcome).toBe('overridden');
    expect(item?.overrideReason?.userComment).toBe('discussed at tumour board');
    expect([item?.overrideReason?.reason?.display, item?.overrideReason?.reason?.code]).toContain(reasonText);

    // Accept the suggestion on the first card that offers one.
    const suggesting = page.locator('#cards article.card', { has: page.locator('button.accept') }).first();
    const suggestingUuid = await suggesting.getAttribute('data-uuid');
    await suggesting.locator('button.accept').first().click();
    await suggesting.locator('.outcome[data-outcome="accepted"]').waitFor();
    const after = (await (await fetch(`${baseUrl}/cds-services/hcc-tace-order-select/feedback`)).json()) as {
      feedback: Array<{ card: string; outcome: string; acceptedSuggestions?: Array<{ id: string }> }>;
    };
    const accepted = after.feedback.find((f) => f.card === suggestingUuid && f.outcome === 'accepted');
    expect(accepted?.acceptedSuggestions?.length).toBe(1);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });
});

describe('card preview API', () => {
  it('rejects unknown fixtures and hooks with 400 and is absent under NODE_ENV=production', async () => {
    const dev = await testService();
    const devServer = dev.app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => devServer.once('listening', resolve));
    const url = `http://127.0.0.1:${(devServer.address() as AddressInfo).port}`;
    try {
      const post = (body: unknown) => fetch(`${url}/preview/api/run`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect((await post({ fixture: 'nope', hook: 'order-select' })).status).toBe(400);
      expect((await post({ fixture: 'tace-cpc', hook: 'nope' })).status).toBe(400);
      const ok = await post({ fixture: 'tace-cpc', hook: 'order-sign' });
      expect(ok.status).toBe(200);
      const body = (await ok.json()) as { cards: Array<{ indicator: string; source: { topic: { code: string } } }> };
      expect(body.cards[0]?.indicator).toBe('critical');
    } finally {
      await new Promise<void>((resolve) => devServer.close(() => resolve()));
      await dev.close();
    }
    const prod = await testService({ NODE_ENV: 'production', PATIENT_PSEUDONYM_KEY: 'test-pseudonym-key-of-at-least-32-characters' });
    expect(prod.config.previewEnabled).toBe(false);
    const prodServer = prod.app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => prodServer.once('listening', resolve));
    try {
      const prodUrl = `http://127.0.0.1:${(prodServer.address() as AddressInfo).port}`;
      expect((await fetch(`${prodUrl}/preview`)).status).toBe(404);
    } finally {
      await new Promise<void>((resolve) => prodServer.close(() => resolve()));
      await prod.close();
    }
  });

  it('is served with a CSP that allows only its own scripts (no inline code needed), and its scripts load', async () => {
    const dev = await testService();
    const server = dev.app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const response = await fetch(`${baseUrl}/preview`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-security-policy')).toMatch(/(^|;)script-src 'self'(;|$)/);
      expect(response.headers.get('content-security-policy')).not.toMatch(/unsafe-inline|unsafe-eval/);
      const html = await response.text();
      expect(html).not.toMatch(/<script>(?!<\/script>)|<style>| style=/);
      for (const script of ['/preview/static/preview.js', '/preview/shared/dom.js']) {
        const served = await fetch(`${baseUrl}${script}`);
        expect(served.status).toBe(200);
        expect(served.headers.get('content-type')).toMatch(/javascript/);
      }
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await dev.close();
    }
  });
});

describe('preview helpers', () => {
  it('renders Markdown but shows raw HTML as text and drops non-http links', () => {
    const html = renderMarkdown('**Bilirubin** 3.4 mg/dL <script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1)) [ok](https://example.org/a)');
    expect(html).toContain('<strong>Bilirubin</strong>');
    expect(html).not.toMatch(/<script|<img|javascript:/i);
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('href="https://example.org/a"');
  });

  it('orders cards critical > warning > info, keeping the order within a level', () => {
    const cards = [
      { indicator: 'info' as const, id: 1 },
      { indicator: 'warning' as const, id: 2 },
      { indicator: 'critical' as const, id: 3 },
      { indicator: 'warning' as const, id: 4 },
      { indicator: 'critical' as const, id: 5 },
    ];
    expect(orderCards(cards).map((c) => c.id)).toEqual([3, 5, 2, 4, 1]);
  });
});

// dist/ is built before any test runs (test/global-setup.mjs), so the demo always runs here.
describe('npm run demo -- --once (built dist)', () => {
  it('loads the fixtures into the loopback FHIR server, prints cards fetched from it and both URLs, then exits 0', async () => {
    const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, [join(PACKAGE_ROOT, 'scripts', 'demo.mjs'), '--once'], { cwd: PACKAGE_ROOT, timeout: 60_000, env: { ...process.env, FEEDBACK_DB: join(PACKAGE_ROOT, '.demo', 'test-feedback.sqlite') } }, (error, out) => {
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout: out });
      });
    });
    expect(code).toBe(0);
    expect(stdout).toMatch(/hcc-tace-cpc\s+order-select\s+critical\s+TACE-CP-C\s+Child-Pugh C/);
    expect(stdout).toMatch(/hcc-afp-high\s+patient-view\s+warning\s+AFP-HIGH/);
    expect(stdout).toMatch(/card preview:\s+http:\/\/127\.0\.0\.1:\d+\/preview/);
    expect(stdout).toMatch(/FHIR server:\s+http:\/\/127\.0\.0\.1:\d+\/fhir/);
  }, 60_000);
});
