/**
 * `npm run sandbox:check`: the CDS Hooks Sandbox round trip, offline, against a client the repo holds itself
 * (dev/cds-client/static/, served at its own origin). On loopback: the FHIR server with the fixtures loaded, hcc-cds with
 * JWT client authentication ON (a throwaway ES384 key registered in a temporary CDS_CLIENTS_FILE), the client page in
 * headless Chromium. The page reads the patient from the FHIR server, calls discovery and patient-view with
 * `fhirServer`, renders the cards, accepts a suggestion and dismisses a card; then the stored feedback is read back
 * from `GET /cds-services/{id}/feedback`. Any step that does not happen is a failure with its reason.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../chromium.js';
import { calendarDate } from '../../src/common/calendar.js';
import { composeService, type ComposedService } from '../../src/compose.js';
import { loadConfig } from '../../src/config.js';
import { FIXTURES_DIR, loadManifest, type ExpectedCards } from '../fixtures/fixtures.js';
import { createLogger } from '../../src/http/logger.js';
import { startCdsClientServer, type RunningCdsClient } from './cds-client-server.js';
import { startFhirServer, type RunningFhirServer } from '../fhir-server/fhir-server.js';
import { loadFixtures } from '../fhir-server/fixture-loader.js';

/** Debian's Chromium, launched as test/e2e/preview.test.ts launches it (no browser download from npm). */
export { CHROMIUM_PATH } from '../chromium.js';

const CLIENT_ISS = 'urn:hcc-cds:sandbox-check';
const HOOK = 'patient-view';
const WAIT_MS = 30_000;

export interface SandboxCheckOptions {
  /** A fixture patient with patient-view cards (default hcc-resection-afp: a warning and an info card). */
  patientId?: string;
  /** Where to save a screenshot of the rendered cards (none when absent). */
  screenshotPath?: string;
  chromiumPath?: string;
  /** The `iss` the page signs with (default: the registered one); any other shows how a refused client fails. */
  signAs?: string;
  /** One line per step (the CLI passes console.log). */
  log?: (line: string) => void;
}

export interface RenderedCard {
  uuid: string;
  indicator: string;
  rule: string;
  summary: string;
  service: string;
}

export interface StoredFeedback {
  card: string;
  outcome: string;
  acceptedSuggestions?: Array<{ id: string }>;
  overrideReason?: { reason?: { code?: string } };
}

export interface SandboxCheckReport {
  ok: boolean;
  /** What went wrong, when not ok. */
  failure?: string;
  cards: RenderedCard[];
  feedback: StoredFeedback[];
}

class CheckFailure extends Error {}

function fail(message: string): never {
  throw new CheckFailure(message);
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Warning and critical cards exactly as the manifest says, and its info cards present. */
export function cardsMismatch(cards: Array<Pick<RenderedCard, 'indicator' | 'rule'>>, expected: ExpectedCards): string | undefined {
  const alerts = cards.filter((card) => card.indicator === 'warning' || card.indicator === 'critical').map((card) => `${card.rule}:${card.indicator}`).sort();
  const wanted = expected.alerts.map((alert) => `${alert.ruleId}:${alert.indicator}`).sort();
  if (alerts.join(',') !== wanted.join(',')) return `expected alerts [${wanted.join(', ')}], rendered [${alerts.join(', ')}]`;
  const missingInfo = expected.info.filter((rule) => !cards.some((card) => card.rule === rule && card.indicator === 'info'));
  if (missingInfo.length > 0) return `expected info cards ${missingInfo.join(', ')} were not rendered`;
  return undefined;
}

async function signedGet(url: string, key: CryptoKey, kid: string): Promise<unknown> {
  const token = await new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({ alg: 'ES384', typ: 'JWT', kid })
    .setIssuer(CLIENT_ISS)
    .setAudience(url)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key);
  const response = await fetch(url, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } });
  if (!response.ok) fail(`GET ${url}: HTTP ${response.status}`);
  return response.json();
}

async function renderedCards(page: Page): Promise<RenderedCard[]> {
  return page.locator('#cards article.card').evaluateAll((nodes) =>
    nodes.map((node) => ({
      uuid: node.getAttribute('data-uuid') ?? '',
      indicator: node.getAttribute('data-indicator') ?? '',
      rule: node.getAttribute('data-rule') ?? '',
      summary: node.querySelector('h2')?.textContent ?? '',
      service: node.getAttribute('data-service') ?? '',
    })),
  );
}

export async function runSandboxCheck(options: SandboxCheckOptions = {}): Promise<SandboxCheckReport> {
  const log = options.log ?? (() => undefined);
  const patientId = options.patientId ?? 'hcc-resection-afp';
  const report: SandboxCheckReport = { ok: false, cards: [], feedback: [] };
  const workDir = mkdtempSync(join(tmpdir(), 'hcc-cds-sandbox-check-'));
  const serviceLog: string[] = [];
  let fhir: RunningFhirServer | undefined;
  let service: ComposedService | undefined;
  let cdsServer: Server | undefined;
  let client: RunningCdsClient | undefined;
  let browser: Browser | undefined;
  try {
    const fixtures = loadManifest().fixtures;
    const withCards = fixtures.filter((fixture) => fixture.expected[HOOK].alerts.length + fixture.expected[HOOK].info.length > 0).map((fixture) => fixture.patientId);
    const entry = fixtures.find((fixture) => fixture.patientId === patientId);
    if (!entry) fail(`${patientId} is not a fixture patient (patientId column of fhir-fixtures/manifest.json)`);
    if (!withCards.includes(patientId)) fail(`${patientId} has no ${HOOK} cards to accept or dismiss; use one of ${withCards.join(', ')}`);
    const expected = entry.expected[HOOK];

    fhir = await startFhirServer();
    const today = calendarDate(new Date(), 'UTC');
    const loaded = await loadFixtures({ fhirBaseUrl: fhir.baseUrl, fixturesDir: FIXTURES_DIR, today });
    if (!loaded.ok) fail(`fixtures: ${loaded.rejected.length} resources rejected by the FHIR server`);
    log(`FHIR server ${fhir.baseUrl}: ${loaded.loaded} resources from ${loaded.fixtures.length} fixtures (today = ${today})`);

    const { publicKey, privateKey } = await generateKeyPair('ES384', { extractable: true });
    const kid = `sandbox-check-${randomUUID()}`;
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES384', use: 'sig' };
    const clientsFile = join(workDir, 'clients.json');
    writeFileSync(clientsFile, JSON.stringify({ clients: [{ iss: CLIENT_ISS, algs: ['ES384'], jwks: { keys: [publicJwk] } }] }));

    // Listen first: PUBLIC_BASE_URL (the JWT `aud`) must name the port the client will call.
    cdsServer = createServer();
    const cdsBase = await listen(cdsServer);
    const config = loadConfig({
      NODE_ENV: 'development',
      PUBLIC_BASE_URL: cdsBase,
      CDS_CLIENTS_FILE: clientsFile,
      FEEDBACK_DB: join(workDir, 'feedback.sqlite'),
      CDS_TIME_ZONE: 'UTC',
    });
    const logger = createLogger('info', { write: (line: string) => void serviceLog.push(line) });
    service = await composeService(config, logger, { defaultMetrics: false });
    cdsServer.on('request', service.app);
    const unsigned = await fetch(`${cdsBase}/cds-services`);
    if (unsigned.status !== 401) fail(`discovery without a JWT answered ${unsigned.status}, not 401: client authentication is not on`);
    log(`hcc-cds ${cdsBase}: JWT client authentication on (ES384 key ${kid}); discovery without a token: 401`);

    client = await startCdsClientServer({ signingKey: { iss: options.signAs ?? CLIENT_ISS, kid, jwk: await exportJWK(privateKey) } });
    const query = new URLSearchParams({ fhirServiceUrl: fhir.baseUrl, patientId, serviceDiscoveryURL: `${cdsBase}/cds-services`, hook: HOOK });
    const pageUrl = `${client.url}?${query}`;
    log(`client page (its own origin): ${pageUrl}`);

    browser = await launchChromium(options.chromiumPath);
    const page = await browser.newPage({ viewport: { width: 1000, height: 1300 } });
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    const offLoopback: string[] = [];
    await page.route('**/*', (route) => {
      const host = new URL(route.request().url()).hostname;
      if (host === '127.0.0.1' || host === 'localhost') return route.continue();
      offLoopback.push(route.request().url());
      return route.abort();
    });

    const logLinesBeforePage = serviceLog.length;
    await page.goto(pageUrl);
    await page.waitForSelector('body[data-state="ready"], body[data-state="error"]', { timeout: WAIT_MS });
    for (const line of await page.locator('#steps li').allInnerTexts()) log(`  client: ${line}`);
    if ((await page.getAttribute('body', 'data-state')) === 'error') {
      const reasons = serviceLog.slice(logLinesBeforePage).map((line) => (JSON.parse(line) as { authFailure?: string }).authFailure).filter(Boolean);
      fail(`client page: ${await page.locator('#error').innerText()}${reasons.length ? ` (service log authFailure: ${reasons.join(', ')})` : ''}`);
    }

    report.cards = await renderedCards(page);
    for (const card of report.cards) log(`  card ${card.indicator.padEnd(8)} ${card.rule.padEnd(24)} ${card.summary}`);
    const mismatch = cardsMismatch(report.cards, expected);
    if (mismatch) fail(`${patientId} ${HOOK}: ${mismatch}`);
    log(`cards rendered: ${report.cards.length}, as fhir-fixtures/manifest.json expects for ${patientId}`);

    const cards = page.locator('#cards article.card');
    const firstSuggesting = cards.filter({ has: page.locator('button.accept') }).first();
    if ((await firstSuggesting.count()) === 0) fail('no rendered card offers a suggestion to accept');
    const acceptedCard = (await firstSuggesting.getAttribute('data-uuid')) ?? '';
    const suggesting = page.locator(`#cards article.card[data-uuid="${acceptedCard}"]`);
    await suggesting.locator('button.accept').first().click();
    await suggesting.locator('.outcome[data-outcome="accepted"]').waitFor({ timeout: WAIT_MS });
    // Dismiss another card when there is one (the locators are bound to the uuid: filters re-evaluate after a click).
    const dismissedCard = report.cards.find((card) => card.uuid !== acceptedCard)?.uuid ?? acceptedCard;
    const dismissing = page.locator(`#cards article.card[data-uuid="${dismissedCard}"]`);
    const reasonCount = await dismissing.locator('select.override-reason option').count();
    if (reasonCount > 1) await dismissing.locator('select.override-reason').selectOption('0');
    await dismissing.locator('button.dismiss').click();
    await dismissing.locator('.outcome[data-outcome="overridden"]').waitFor({ timeout: WAIT_MS });
    log(`clicked: accept on ${acceptedCard}, dismiss on ${dismissedCard}${reasonCount > 1 ? ' with its first override reason' : ''}`);
    if (options.screenshotPath) {
      await page.screenshot({ path: options.screenshotPath, fullPage: true });
      log(`screenshot: ${options.screenshotPath}`);
    }

    const serviceUrl = report.cards.find((card) => card.uuid === acceptedCard)?.service ?? fail('accepted card has no service');
    const stored = (await signedGet(`${serviceUrl}/feedback`, privateKey, kid)) as { feedback?: StoredFeedback[] };
    report.feedback = stored.feedback ?? [];
    const accepted = report.feedback.find((item) => item.card === acceptedCard && item.outcome === 'accepted');
    const overridden = report.feedback.find((item) => item.card === dismissedCard && item.outcome === 'overridden');
    if (!accepted?.acceptedSuggestions?.length) fail(`GET ${serviceUrl}/feedback has no accepted feedback for card ${acceptedCard}`);
    if (!overridden) fail(`GET ${serviceUrl}/feedback has no overridden feedback for card ${dismissedCard}`);
    if (reasonCount > 1 && !overridden.overrideReason?.reason?.code) fail('the override reason chosen on the page was not stored');
    log(`feedback read back from GET ${serviceUrl}/feedback: accepted ${acceptedCard}, overridden ${dismissedCard}${overridden.overrideReason?.reason?.code ? ` (reason ${overridden.overrideReason.reason.code})` : ''}`);

    if (offLoopback.length > 0) fail(`the page tried to leave loopback: ${offLoopback.join(', ')}`);
    if (consoleErrors.length > 0) fail(`browser console errors: ${consoleErrors.join(' | ')}`);
    report.ok = true;
  } catch (error) {
    report.failure = error instanceof CheckFailure ? error.message : String((error as Error)?.stack ?? error);
  } finally {
    await browser?.close().catch(() => undefined);
    await client?.close();
    if (cdsServer?.listening) {
      cdsServer.closeAllConnections();
      await new Promise<void>((resolve) => cdsServer?.close(() => resolve()));
    }
    await service?.close();
    await fhir?.close();
    rmSync(workDir, { recursive: true, force: true });
  }
  return report;
}
