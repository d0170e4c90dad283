import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFhirServer, type RunningFhirServer } from '../../dev/fhir-server/fhir-server.js';
import { loadFixtures, outcomeText } from '../../dev/fhir-server/fixture-loader.js';

const TODAY = '2026-03-15';

function fixtureDir(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'hcc-cds-fixtures-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  return dir;
}

const put = (resource: Record<string, unknown>) => ({ resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } });
const patient = { resourceType: 'Patient', id: 'ld-p', birthDate: '@today-50y' };
const observation = (id: string, status: string) => ({
  resourceType: 'Observation',
  id,
  status,
  code: { coding: [{ system: 'http://loinc.org', code: '1834-1' }] },
  subject: { reference: 'Patient/ld-p' },
  effectiveDateTime: '@today-1d',
  valueQuantity: { value: 5, unit: 'ng/mL', system: 'http://unitsofmeasure.org', code: 'ng/mL' },
});

describe('loadFixtures against the local server', () => {
  let server: RunningFhirServer;
  beforeAll(async () => {
    server = await startFhirServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('falls back to per-entry PUT when the transaction is refused: good resources load, the bad one is named with diagnostics', async () => {
    const dir = fixtureDir({
      'mixed.json': { resourceType: 'Bundle', type: 'transaction', entry: [put(patient), put(observation('ld-good', 'final')), put(observation('ld-bad', 'finished'))] },
    });
    const lines: string[] = [];
    const report = await loadFixtures({ fhirBaseUrl: `${server.baseUrl}/`, fixturesDir: dir, today: TODAY, log: (line) => lines.push(line) });
    expect(report.ok).toBe(false);
    expect(report.loaded).toBe(2);
    expect(report.fixtures[0]?.mode).toBe('per-entry');
    expect(report.rejected).toHaveLength(1);
    expect(report.rejected[0]).toMatchObject({ file: 'mixed.json', resource: 'Observation/ld-bad', status: 400 });
    expect(report.rejected[0]?.diagnostics).toContain('finished');
    expect(lines[0]).toBe('✗ mixed.json 2/3 resources loaded, 1 rejected (transaction refused; loaded entry by entry)');
    expect(lines[1]).toMatch(/^ {4}✗ Observation\/ld-bad: HTTP 400: .*finished/);
    const good = (await (await fetch(`${server.baseUrl}/Observation/ld-good`)).json()) as fhir4.Observation;
    expect(good.effectiveDateTime).toBe('2026-03-14');
  });

  it('reports unreadable and non-transaction fixture files without stopping the others', async () => {
    const dir = fixtureDir({
      'a-broken.json': '{ not json',
      'b-collection.json': { resourceType: 'Bundle', type: 'collection', entry: [] },
      'c-good.json': { resourceType: 'Bundle', type: 'transaction', entry: [put(patient)] },
      'manifest.json': { fixtures: [] },
    });
    const lines: string[] = [];
    const report = await loadFixtures({ fhirBaseUrl: server.baseUrl, fixturesDir: dir, today: TODAY, log: (line) => lines.push(line) });
    expect(report.fixtures.map((fixture) => fixture.file)).toEqual(['a-broken.json', 'b-collection.json', 'c-good.json']);
    expect(report.rejected.map((item) => item.file)).toEqual(['a-broken.json', 'b-collection.json']);
    expect(lines).toContain('✓ c-good.json 1 resources');
    expect(lines).toContain('    ✗ Bundle: not a transaction or batch Bundle');
  });
});

describe('loadFixtures against other servers', () => {
  let stub: Server;
  let base: string;
  const seen: { method?: string; url?: string; authorization?: string }[] = [];
  let status = 401;

  beforeAll(async () => {
    stub = createServer((req, res) => {
      seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
      req.resume();
      res.writeHead(status, { 'Content-Type': 'application/fhir+json' });
      res.end(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'security', diagnostics: 'token rejected' }] }));
    });
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(stub.address() as AddressInfo).port}/fhir`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => stub.close(() => resolve()));
  });

  it('sends the bearer token, and on 401 reports the fixture once instead of trying every entry; the token is never in the report', async () => {
    seen.length = 0;
    const dir = fixtureDir({ 'one.json': { resourceType: 'Bundle', type: 'transaction', entry: [put(patient), put(observation('x', 'final'))] } });
    const lines: string[] = [];
    const report = await loadFixtures({ fhirBaseUrl: base, fixturesDir: dir, today: TODAY, bearerToken: 'secret-token-123', log: (line) => lines.push(line) });
    expect(seen).toEqual([{ method: 'POST', url: '/fhir', authorization: 'Bearer secret-token-123' }]);
    expect(report.rejected).toEqual([{ file: 'one.json', resource: 'Bundle', status: 401, diagnostics: 'HTTP 401: token rejected' }]);
    expect(JSON.stringify(report) + lines.join('\n')).not.toContain('secret-token-123');
  });

  it('a server without transactions (400 on the Bundle) gets one PUT per entry, in Bundle order', async () => {
    seen.length = 0;
    status = 400;
    const dir = fixtureDir({ 'one.json': { resourceType: 'Bundle', type: 'transaction', entry: [put(patient), put(observation('x', 'final'))] } });
    const report = await loadFixtures({ fhirBaseUrl: base, fixturesDir: dir, today: TODAY });
    expect(seen.map((request) => `${request.method} ${request.url}`)).toEqual(['POST /fhir', 'PUT /fhir/Patient/ld-p', 'PUT /fhir/Observation/x']);
    expect(report.rejected.map((item) => item.resource)).toEqual(['Patient/ld-p', 'Observation/x']);
  });

  it('an unreachable server is one clear error per fixture', async () => {
    const dir = fixtureDir({ 'one.json': { resourceType: 'Bundle', type: 'transaction', entry: [put(patient)] } });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const report = await loadFixtures({ fhirBaseUrl: `http://127.0.0.1:${port}/fhir`, fixturesDir: dir, today: TODAY, timeoutMs: 2000 });
    expect(report.rejected).toHaveLength(1);
    expect(report.rejected[0]?.diagnostics).toBe('request failed: ECONNREFUSED');
  });

  it('a server that never answers costs one timeout per fixture, reported as such', async () => {
    const hanging = createServer(() => undefined);
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    try {
      const dir = fixtureDir({ 'one.json': { resourceType: 'Bundle', type: 'transaction', entry: [put(patient)] } });
      const started = Date.now();
      const report = await loadFixtures({ fhirBaseUrl: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/fhir`, fixturesDir: dir, today: TODAY, timeoutMs: 200 });
      expect(Date.now() - started).toBeLessThan(2000);
      expect(report.rejected.map((item) => item.diagnostics)).toEqual(['request failed: no answer within 200 ms']);
    } finally {
      hanging.closeAllConnections();
      await new Promise<void>((resolve) => hanging.close(() => resolve()));
    }
  });

  it('outcomeText joins issue diagnostics with their expressions', () => {
    expect(
      outcomeText(422, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'value', diagnostics: 'bad', expression: ['Observation.status'] }, { severity: 'error', code: 'required', details: { text: 'missing' } }] }),
    ).toBe('HTTP 422: bad [Observation.status]; missing');
    expect(outcomeText(502, '<html>bad gateway</html>')).toBe('HTTP 502: <html>bad gateway</html>');
  });
});
