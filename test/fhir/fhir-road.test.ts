/** The FHIR-server road through the whole HTTP service (supertest + nock). */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import request from 'supertest';
import { testService } from '../helpers/service.js';
import { onlyLoopbackAndInterceptors } from '../helpers/nock-loopback.js';
import { loadFixture, prefetchOf, searchset } from './fixture.js';

const FHIR = 'http://fhir.test';
const BASE = `${FHIR}/r4`;
const TOKEN = 'secret-token-abc123';
const PV_KEYS = ['patient', 'conditions', 'observations', 'procedures', 'imagingReports', 'imagingStudies', 'familyHistory'];
const TODAY = '2026-03-15';
const now = () => new Date(`${TODAY}T12:00:00Z`);
const resources = loadFixture('parity-patient.json', TODAY);
const observations = resources.filter((r) => r.resourceType === 'Observation');

function body(options: { prefetch?: Record<string, unknown>; server?: string | null; token?: string | null } = {}) {
  const server = options.server === undefined ? BASE : options.server;
  const token = options.token === undefined ? TOKEN : options.token;
  return {
    hook: 'patient-view',
    hookInstance: 'd1577c69-dfbe-44ad-ba6d-3e05e953b2ea',
    context: { userId: 'Practitioner/u1', patientId: 'p1' },
    ...(server ? { fhirServer: server } : {}),
    ...(server && token ? { fhirAuthorization: { access_token: token, token_type: 'Bearer', expires_in: 300, scope: 'user/*.read', subject: 'hcc-cds' } } : {}),
    prefetch: options.prefetch ?? prefetchOf(resources, PV_KEYS),
  };
}
const without = (key: string, replacement?: unknown): Record<string, unknown> => {
  const prefetch = prefetchOf(resources, PV_KEYS);
  if (replacement === undefined) delete prefetch[key];
  else prefetch[key] = replacement;
  return prefetch;
};
const obsPath = (path: string) => path.startsWith('/r4/Observation?');

let service: Awaited<ReturnType<typeof testService>>;
beforeAll(async () => {
  service = await testService({ FHIR_TIMEOUT_MS: '300' }, { now });
});
afterAll(async () => service.close());
// Only loopback (supertest, local test servers) may be reached; fhir.test exists only as nock interceptors.
onlyLoopbackAndInterceptors();

const call = (payload: unknown) => request(service.app).post('/cds-services/hcc-patient-view').send(payload as object);

describe('FHIR road: what is fetched and how', () => {
  it('fetches an absent key from fhirServer with the bearer token', async () => {
    const scope = nock(FHIR, { reqheaders: { authorization: `Bearer ${TOKEN}` } })
      .get(obsPath)
      .reply(200, searchset(observations));
    await call(body({ prefetch: without('observations') })).expect(200);
    expect(scope.isDone()).toBe(true);
  });

  it('sends no Authorization header when only fhirServer is given', async () => {
    const scope = nock(FHIR, { badheaders: ['authorization'] }).get(obsPath).reply(200, searchset(observations));
    await call(body({ prefetch: without('observations'), token: null })).expect(200);
    expect(scope.isDone()).toBe(true);
  });

  it('does not fetch a null key or an empty Bundle (net connect disabled: any request would fail)', async () => {
    await call(body({ prefetch: without('observations', null) })).expect(200);
    await call(body({ prefetch: without('observations', { resourceType: 'Bundle', type: 'searchset', total: 0 }) })).expect(200);
  });

  it('refetches an OperationOutcome, alone or inside the Bundle', async () => {
    const outcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'timeout', diagnostics: 'upstream' }] };
    const scope = nock(FHIR).get(obsPath).times(2).reply(200, searchset(observations));
    await call(body({ prefetch: without('observations', outcome) })).expect(200);
    const inside = { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: outcome, search: { mode: 'outcome' } }] };
    await call(body({ prefetch: without('observations', inside) })).expect(200);
    expect(scope.isDone()).toBe(true);
  });

  it('uses the data of a prefetched Bundle whose OperationOutcome entry is only information or a warning', async () => {
    const note = { resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational', diagnostics: 'Unknown search parameter "_sort" ignored' }] };
    const withNote = { resourceType: 'Bundle', type: 'searchset', entry: [...searchset(observations).entry!, { resource: note, search: { mode: 'outcome' } }] };
    const viaNote = await call(body({ prefetch: without('observations', withNote), server: null })).expect(200);
    const plain = await call(body({ prefetch: without('observations', searchset(observations)), server: null })).expect(200);
    const rules = (res: { body: { cards: { source: { topic: { code: string } } }[] } }) => res.body.cards.map((c) => c.source.topic.code);
    expect(rules(viaNote)).toEqual(rules(plain));
    const failing = { ...withNote, entry: [{ resource: { ...note, issue: [{ severity: 'error', code: 'processing' }] }, search: { mode: 'outcome' } }] };
    expect((await call(body({ prefetch: without('observations', failing), server: null })).expect(412)).body.issue[0].diagnostics).toMatch(/OperationOutcome/);
    // A warning that the results are partial is not harmless: the key is unknown.
    const partial = { ...withNote, entry: [{ resource: { ...note, issue: [{ severity: 'warning', code: 'incomplete' }] }, search: { mode: 'outcome' } }] };
    expect((await call(body({ prefetch: without('observations', partial), server: null })).expect(412)).body.issue[0].diagnostics).toMatch(/OperationOutcome/);
  });

  it('answers 412 naming the key when a key is absent and there is no fhirServer', async () => {
    const res = await call(body({ prefetch: without('conditions'), server: null })).expect(412);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].diagnostics).toMatch(/prefetch key "conditions": absent from prefetch, and no fhirServer/);
  });
});

describe('FHIR road: failures end in 412 within FHIR_TIMEOUT_MS (300 ms) plus a margin', () => {
  const cases: [string, (scope: nock.Interceptor) => nock.Scope, RegExp][] = [
    ['500', (i) => i.reply(500, { resourceType: 'OperationOutcome' }), /answered 500/],
    ['503', (i) => i.reply(503, 'busy'), /answered 503/],
    ['401', (i) => i.reply(401), /answered 401 \(not authorised\)/],
    ['403', (i) => i.reply(403, { resourceType: 'OperationOutcome' }), /answered 403 \(forbidden\)/],
    ['timeout', (i) => i.delay(2000).reply(200, searchset(observations)), /did not answer within 300 ms/],
    ['malformed JSON', (i) => i.reply(200, '{"resourceType": "Bundle", ', { 'content-type': 'application/fhir+json' }), /not JSON/],
    ['not a Bundle', (i) => i.reply(200, { resourceType: 'Patient', id: 'p1' }), /sent a Patient, not a Bundle/],
    ['a JSON array', (i) => i.reply(200, [1, 2]), /not a FHIR resource/],
    // An Error instance: nock loses a plain-object error on node:http requests (the request would just hang).
    ['network error', (i) => i.replyWithError(Object.assign(new Error(`socket hang up ${BASE}/Observation?patient=p1`), { code: 'ECONNRESET' })), /could not be reached/],
  ];
  it.each(cases)('%s', async (_name, reply, message) => {
    reply(nock(FHIR).get(obsPath));
    const started = performance.now();
    const res = await call(body({ prefetch: without('observations') })).expect(412);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(300 + 400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0]).toMatchObject({ expression: ['prefetch.observations'] });
    expect(res.body.issue[0].diagnostics).toMatch(/^prefetch key "observations": /);
    expect(res.body.issue[0].diagnostics).toMatch(message);
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('patient=p1');
    expect(text).not.toContain(BASE);
  });

  it('a server that accepts the connection and never answers: 412 in time', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const server: Server = createServer(() => undefined);
    server.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const started = performance.now();
      const res = await call(body({ prefetch: without('observations'), server: `http://127.0.0.1:${port}/fhir` })).expect(412);
      expect(performance.now() - started).toBeLessThan(700);
      expect(res.body.issue[0].diagnostics).toMatch(/prefetch key "observations": .*did not answer within 300 ms/);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('FHIR road: outbound safety', () => {
  it('refuses a server outside FHIR_SERVER_ALLOWLIST with 412 and makes no request', async () => {
    const guarded = await testService({ FHIR_SERVER_ALLOWLIST: 'https://allowed.example/fhir' }, { now });
    const scope = nock(FHIR).get(obsPath).reply(200, searchset(observations));
    const res = await request(guarded.app).post('/cds-services/hcc-patient-view').send(body({ prefetch: without('observations') })).expect(412);
    expect(res.body.issue[0].diagnostics).toMatch(/FHIR_SERVER_ALLOWLIST/);
    expect(scope.isDone()).toBe(false);
    const metrics = await request(guarded.app).get('/metrics');
    expect(metrics.text).toMatch(/hcc_cds_fhir_requests_total\{resource_type="Observation",outcome="refused"\} 1/);
    await guarded.close();
  });

  it('does not follow a next link to another origin (the token stays with fhirServer)', async () => {
    const page1 = searchset(observations.slice(0, 3), 'http://elsewhere.test/r4?page=2');
    const scope = nock(FHIR).get(obsPath).reply(200, page1);
    const other = nock('http://elsewhere.test').get(() => true).reply(200, searchset([]));
    await call(body({ prefetch: without('observations') })).expect(200);
    expect(scope.isDone()).toBe(true);
    expect(other.isDone()).toBe(false);
  });

  it('records FHIR request metrics by resource type and outcome', async () => {
    nock(FHIR).get(obsPath).reply(200, searchset(observations));
    nock(FHIR).get((p) => p.startsWith('/r4/Condition?')).reply(503);
    const prefetch = without('observations');
    delete prefetch.conditions;
    await call(body({ prefetch })).expect(412);
    const metrics = await request(service.app).get('/metrics');
    expect(metrics.text).toMatch(/hcc_cds_fhir_requests_total\{resource_type="Condition",outcome="http_5xx"\} 1/);
    expect(metrics.text).toMatch(/hcc_cds_fhir_request_duration_seconds_count\{resource_type="Condition",outcome="http_5xx"\} 1/);
  });
});

describe('FHIR road: kept-alive connections', () => {
  it('reuses connections across hook calls', async () => {
    let connections = 0;
    const server = createServer((req, res) => {
      const type = (req.url ?? '').split('/')[2]?.split('?')[0] ?? '';
      const matching = type === 'Patient' ? resources.find((r) => r.resourceType === 'Patient') : searchset(resources.filter((r) => r.resourceType === type));
      res.writeHead(200, { 'content-type': 'application/fhir+json' });
      res.end(JSON.stringify(matching));
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    // nock hands every node:http request an agent of its own, so nothing could be pooled while it is active.
    nock.restore();
    try {
      const payload = body({ prefetch: {}, server: `http://127.0.0.1:${port}/fhir` });
      await call(payload).expect(200);
      const afterFirst = connections;
      for (let i = 0; i < 3; i++) await call(payload).expect(200);
      expect(afterFirst).toBeGreaterThan(0);
      expect(afterFirst).toBeLessThanOrEqual(PV_KEYS.length);
      expect(connections).toBe(afterFirst);
    } finally {
      nock.activate();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
