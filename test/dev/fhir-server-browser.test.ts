/**
 * The loopback FHIR server used by a browser client (the CDS Hooks Sandbox at another origin): CORS preflight and
 * headers, `POST [type]/_search` equal to the GET, and paging without repeats. First at the header level (what a
 * browser checks), then in a real headless Chromium that enforces CORS itself.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { PACKAGE_ROOT } from '../../src/config.js';
import { startFhirServer, type RunningFhirServer } from '../../dev/fhir-server/fhir-server.js';
import { describeInChromium, launchChromium } from '../helpers/browser.js';
import { loadFixtures } from '../../dev/fhir-server/fixture-loader.js';

const ORIGIN = 'http://127.0.0.1:8080';
const FORM = 'application/x-www-form-urlencoded';
const FIXTURE_PATIENTS = 22;

type Bundle = fhir4.Bundle<fhir4.Resource>;

let server: RunningFhirServer;

beforeAll(async () => {
  server = await startFhirServer();
  const report = await loadFixtures({ fhirBaseUrl: server.baseUrl, fixturesDir: join(PACKAGE_ROOT, 'fhir-fixtures'), today: '2026-03-15' });
  expect(report.rejected).toEqual([]);
});

afterAll(async () => {
  await server.close();
});

const ids = (bundle: Bundle): string[] => (bundle.entry ?? []).map((entry) => `${entry.resource?.resourceType}/${entry.resource?.id}`);
const link = (bundle: Bundle, relation: string): string | undefined => bundle.link?.find((item) => item.relation === relation)?.url;
const list = (header: string | null): string[] => (header ?? '').split(',').map((item) => item.trim().toLowerCase()).filter(Boolean);

async function getJson(url: string): Promise<Bundle> {
  const response = await fetch(url, { headers: { Accept: 'application/fhir+json' } });
  expect(response.status).toBe(200);
  return (await response.json()) as Bundle;
}

async function postSearch(type: string, form: string, query = '', contentType = FORM): Promise<Response> {
  return fetch(`${server.baseUrl}/${type}/_search${query}`, { method: 'POST', headers: { 'Content-Type': contentType, Origin: ORIGIN }, body: form });
}

describe('CORS, as a browser sees it', () => {
  it('answers the preflight with the origin, methods and headers (Authorization, Content-Type, Prefer), then the real request with Origin', async () => {
    for (const [path, method, headers] of [
      ['/metadata', 'GET', 'authorization'],
      ['/Patient/_search', 'POST', 'authorization,content-type'],
      ['/Observation', 'POST', 'authorization,content-type,prefer'],
      ['/Observation/x', 'PUT', 'content-type,if-match'],
    ] as const) {
      const preflight = await fetch(`${server.baseUrl}${path}`, {
        method: 'OPTIONS',
        headers: { Origin: ORIGIN, 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': headers },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
      expect(list(preflight.headers.get('access-control-allow-methods'))).toEqual(expect.arrayContaining([method.toLowerCase()]));
      const allowed = list(preflight.headers.get('access-control-allow-headers'));
      expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type', 'prefer', ...headers.split(',')]));
      expect(Number(preflight.headers.get('access-control-max-age'))).toBeGreaterThan(0);
      expect(preflight.headers.get('access-control-allow-private-network')).toBe('true');
    }
    const metadata = await fetch(`${server.baseUrl}/metadata`, { headers: { Origin: ORIGIN, Authorization: 'Bearer any', Accept: 'application/fhir+json' } });
    expect(metadata.status).toBe(200);
    expect(metadata.headers.get('access-control-allow-origin')).toBe('*');
    expect(((await metadata.json()) as fhir4.CapabilityStatement).resourceType).toBe('CapabilityStatement');
  });

  it('errors carry the CORS header too, and Location/ETag of a create are readable by the script', async () => {
    const missing = await fetch(`${server.baseUrl}/Patient/none`, { headers: { Origin: ORIGIN } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('access-control-allow-origin')).toBe('*');
    const refused = await postSearch('Patient', '{"name":"x"}', '', 'application/json');
    expect(refused.status).toBe(415);
    expect(refused.headers.get('access-control-allow-origin')).toBe('*');
    const created = await fetch(`${server.baseUrl}/Patient`, {
      method: 'POST',
      headers: { Origin: ORIGIN, 'Content-Type': 'application/fhir+json', Prefer: 'return=representation' },
      body: JSON.stringify({ resourceType: 'Patient', gender: 'female' }),
    });
    expect(created.status).toBe(201);
    expect(list(created.headers.get('access-control-expose-headers'))).toEqual(expect.arrayContaining(['location', 'etag']));
    const id = ((await created.json()) as fhir4.Patient).id as string;
    expect((await fetch(`${server.baseUrl}/Patient/${id}`, { method: 'DELETE' })).status).toBe(200);
  });
});

describe('POST [type]/_search', () => {
  const query = 'patient=hcc-tace-cpc&code=http://loinc.org|1975-2,http://loinc.org|6301-6,http://loinc.org|1751-7,http://loinc.org|777-3&_sort=-date&_count=2';

  it('with a form body answers exactly as the GET: same entries, total and paging links (GET URLs)', async () => {
    const get = await getJson(`${server.baseUrl}/Observation?${query}`);
    expect(get.total).toBeGreaterThan(2);
    const response = await postSearch('Observation', new URLSearchParams(query).toString());
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    const post = (await response.json()) as Bundle;
    expect(post.type).toBe('searchset');
    expect(post.total).toBe(get.total);
    expect(ids(post)).toEqual(ids(get));
    // Same links up to percent-encoding (the GET's self link keeps the query as sent).
    const canonical = (bundle: Bundle) => (bundle.link ?? []).map((item) => [item.relation, [...new URL(item.url).searchParams].join('&')]);
    expect(canonical(post)).toEqual(canonical(get));
    expect(link(post, 'next')).not.toContain('_search');
  });

  it('with the parameters in the query string and an empty body, or split between both, answers as the GET', async () => {
    const get = await getJson(`${server.baseUrl}/Observation?${query}`);
    const queryOnly = (await (await postSearch('Observation', '', `?${query}`)).json()) as Bundle;
    expect(ids(queryOnly)).toEqual(ids(get));
    const [codes, rest] = [new URLSearchParams(query), new URLSearchParams(query)];
    for (const key of ['patient', '_count']) codes.delete(key);
    for (const key of ['code', '_sort']) rest.delete(key);
    const split = (await (await postSearch('Observation', codes.toString(), `?${rest.toString()}`)).json()) as Bundle;
    expect(ids(split)).toEqual(ids(get));
    expect(split.total).toBe(get.total);
  });

  it('refuses what the GET refuses (unknown parameter: 400) and a body that is not a form (415)', async () => {
    const unknown = await postSearch('Observation', 'patient=hcc-tace-cpc&colour=blue');
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as fhir4.OperationOutcome).issue[0]?.diagnostics).toContain('colour');
    const json = await postSearch('Observation', '{"patient":"hcc-tace-cpc"}', '', 'application/fhir+json');
    expect(json.status).toBe(415);
    expect(((await json.json()) as fhir4.OperationOutcome).issue[0]?.diagnostics).toContain(FORM);
    expect((await postSearch('Foo', 'a=b')).status).toBe(404);
  });
});

describe('paging', () => {
  it('GET /Patient without _count: a default page of 20, then the rest, no repeats, no next link on the last page', async () => {
    const first = await getJson(`${server.baseUrl}/Patient`);
    expect(first.total).toBeGreaterThanOrEqual(FIXTURE_PATIENTS);
    const total = first.total as number;
    expect(ids(first)).toHaveLength(20);
    const seen = [...ids(first)];
    let page = first;
    while (link(page, 'next')) {
      page = await getJson(link(page, 'next') as string);
      seen.push(...ids(page));
    }
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    expect(ids(page)).toHaveLength(total - 20 * Math.floor((total - 1) / 20));
  });

  it('no next link when the page holds the last match, and the same default for POST _search', async () => {
    const whole = await getJson(`${server.baseUrl}/Patient?_count=1000`);
    const total = whole.total as number;
    expect(ids(whole)).toHaveLength(total);
    expect(link(whole, 'next')).toBeUndefined();
    const exact = await getJson(`${server.baseUrl}/Patient?_count=${total}`);
    expect(link(exact, 'next')).toBeUndefined();
    const posted = (await (await postSearch('Patient', '')).json()) as Bundle;
    expect(ids(posted)).toHaveLength(20);
    expect(link(posted, 'next')).toContain('_offset=20');
  });

  it('a server started with defaultPageSize uses it', async () => {
    const small = await startFhirServer({ defaultPageSize: 2 });
    try {
      for (const id of ['p1', 'p2', 'p3']) {
        await fetch(`${small.baseUrl}/Patient/${id}`, { method: 'PUT', headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Patient', id }) });
      }
      const first = await getJson(`${small.baseUrl}/Patient`);
      expect(ids(first)).toHaveLength(2);
      const second = await getJson(link(first, 'next') as string);
      expect(ids(second)).toHaveLength(1);
      expect(link(second, 'next')).toBeUndefined();
    } finally {
      await small.close();
    }
  });
});


describeInChromium('the FHIR server browser test', 'in headless Chromium, from a page at another origin', () => {
  let browser: Browser;
  let page: Server;
  let pageUrl: string;

  beforeAll(async () => {
    page = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>client</title>'));
    await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
    pageUrl = `http://127.0.0.1:${(page.address() as AddressInfo).port}/`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (page ? page.close(() => resolve()) : resolve()));
  });

  it('metadata with a bearer token, a form POST _search and a JSON create with Prefer all succeed, with no console error', async () => {
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await tab.goto(pageUrl);
    const results = await tab.evaluate(async (base) => {
      const auth = { Authorization: 'Bearer dev-token', Accept: 'application/fhir+json' };
      const metadata = await fetch(`${base}/metadata`, { headers: auth });
      const search = await fetch(`${base}/Patient/_search`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/x-www-form-urlencoded' }, body: '_id=hcc-tace-cpc' });
      const created = await fetch(`${base}/Observation`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/fhir+json', Prefer: 'return=representation' },
        body: JSON.stringify({ resourceType: 'Observation', status: 'final', code: { text: 'browser' }, subject: { reference: 'Patient/hcc-tace-cpc' } }),
      });
      return {
        metadata: [metadata.status, ((await metadata.json()) as { resourceType: string }).resourceType],
        search: [search.status, ((await search.json()) as { total: number }).total],
        created: [created.status, created.headers.get('Location') !== null],
      };
    }, server.baseUrl);
    expect(results).toEqual({ metadata: [200, 'CapabilityStatement'], search: [200, 1], created: [201, true] });
    expect(errors).toEqual([]);
    await tab.close();
  });
});
