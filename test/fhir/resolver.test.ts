/** The resolver on its own: paging, bounds, gaps, concurrency, optional keys; and the prefetch/FHIR parity test. */
import { getMaxListeners } from 'node:events';
import { join } from 'node:path';
import nock from 'nock';
import { compileValidators } from '../../src/cds-hooks/schemas.js';
import { loadServiceRegistry, type ServiceDefinition } from '../../src/cds-hooks/service-registry.js';
import type { HookRequest } from '../../src/cds-hooks/types.js';
import { PACKAGE_ROOT } from '../../src/config.js';
import { PatientRecordBuilder } from '../../src/fhir/build-record.js';
import { createDataSettings } from '../../src/fhir/data-settings.js';
import { FhirDataResolver, type ResolverOptions } from '../../src/cds-hooks/prefetch/resolve.js';
import { serverProblem } from '../../src/fhir/outbound-policy.js';
import { builtInValueSets } from '../../src/fhir/value-sets.js';
import { OutcomeError } from '../../src/common/outcomes.js';
import { KEY_OF_TYPE, loadFixture, prefetchOf, searchset } from './fixture.js';

const FHIR = 'http://fhir.test';
const BASE = `${FHIR}/r4`;
const TODAY = '2026-03-15';
const registry = loadServiceRegistry(join(PACKAGE_ROOT, 'hooks'), compileValidators());
const patientView = registry.find('hcc-patient-view')?.[0] as ServiceDefinition;
const PV_KEYS = Object.keys(patientView.prefetch);
const resources = loadFixture('parity-patient.json', TODAY);
const observations = resources.filter((r) => r.resourceType === 'Observation');

const resolver = (options: Partial<ResolverOptions> = {}) =>
  new FhirDataResolver({ fhirTimeoutMs: 500, hookDeadlineMs: 1500, fhirMaxPages: 10, fhirMaxResources: 5000, fhirMaxResponseBytes: 16 * 1024 * 1024, fhirServerAllowlist: [], production: false, ...options });
const hookRequest = (prefetch: Record<string, unknown>, server: string | null = BASE): HookRequest => ({
  hook: 'patient-view',
  hookInstance: 'x',
  context: { userId: 'Practitioner/u1', patientId: 'p1' },
  ...(server ? { fhirServer: server, fhirAuthorization: { access_token: 'tok' } } : {}),
  prefetch: prefetch as HookRequest['prefetch'],
});
const deadline = () => AbortSignal.timeout(1500);
const without = (...keys: string[]) => {
  const prefetch = prefetchOf(resources, PV_KEYS);
  for (const key of keys) delete prefetch[key];
  return prefetch;
};
const pathOf = (type: string) => (path: string) => path.startsWith(`/r4/${type}`);

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('paging and bounds', () => {
  it('follows next links to the end: complete', async () => {
    nock(FHIR)
      .get(pathOf('Observation?'))
      .reply(200, searchset(observations.slice(0, 5), `${BASE}?_getpages=abc&page=2`))
      .get('/r4?_getpages=abc&page=2')
      .reply(200, searchset(observations.slice(5), undefined));
    const data = await resolver().resolve(patientView, hookRequest(without('observations')), deadline());
    const key = data.keys.find((k) => k.key === 'observations');
    expect(key).toMatchObject({ road: 'fhir-server', complete: true });
    expect(key?.resources).toHaveLength(observations.length);
    expect(data.fhirRequests).toBe(2);
    expect(data.gaps).toEqual([]);
  });

  it('stops at FHIR_MAX_PAGES: truncated gap, never complete', async () => {
    nock(FHIR).get(pathOf('Observation?')).reply(200, searchset(observations.slice(0, 2), `${BASE}?page=2`))
      .get('/r4?page=2').reply(200, searchset(observations.slice(2, 4), `${BASE}?page=3`));
    const data = await resolver({ fhirMaxPages: 2 }).resolve(patientView, hookRequest(without('observations')), deadline());
    expect(data.keys.find((k) => k.key === 'observations')).toMatchObject({ complete: false });
    expect(data.gaps).toEqual([{ key: 'observations', kind: 'truncated', detail: expect.stringContaining('FHIR_MAX_PAGES') }]);
  });

  it('stops at FHIR_MAX_RESOURCES: truncated gap', async () => {
    nock(FHIR).get(pathOf('Observation?')).reply(200, searchset(observations.slice(0, 4), `${BASE}?page=2`));
    const data = await resolver({ fhirMaxResources: 3 }).resolve(patientView, hookRequest(without('observations')), deadline());
    const key = data.keys.find((k) => k.key === 'observations');
    expect(key?.resources).toHaveLength(3);
    expect(key?.complete).toBe(false);
    expect(data.gaps[0]).toMatchObject({ key: 'observations', kind: 'truncated', detail: expect.stringContaining('FHIR_MAX_RESOURCES') });
  });

  it('follows the next link of a prefetched page when a server is available', async () => {
    const prefetch = prefetchOf(resources, PV_KEYS);
    prefetch.observations = searchset(observations.slice(0, 5), `${BASE}?page=2`);
    nock(FHIR).get('/r4?page=2').reply(200, searchset(observations.slice(5)));
    const data = await resolver().resolve(patientView, hookRequest(prefetch), deadline());
    expect(data.keys.find((k) => k.key === 'observations')).toMatchObject({ road: 'prefetch', complete: true });
    expect(data.keys.find((k) => k.key === 'observations')?.resources).toHaveLength(observations.length);
  });

  it('a prefetched page with next and no server: truncated gap', async () => {
    const prefetch = prefetchOf(resources, PV_KEYS);
    prefetch.observations = searchset(observations.slice(0, 5), `${BASE}?page=2`);
    const data = await resolver().resolve(patientView, hookRequest(prefetch, null), deadline());
    expect(data.keys.find((k) => k.key === 'observations')).toMatchObject({ road: 'prefetch', complete: false });
    expect(data.gaps).toEqual([{ key: 'observations', kind: 'truncated', detail: expect.stringContaining('more pages') }]);
  });

  it('a failing later page: truncated gap, not complete', async () => {
    nock(FHIR).get(pathOf('Observation?')).reply(200, searchset(observations.slice(0, 5), `${BASE}?page=2`)).get('/r4?page=2').reply(500);
    const data = await resolver().resolve(patientView, hookRequest(without('observations')), deadline());
    expect(data.gaps[0]).toMatchObject({ kind: 'truncated', detail: expect.stringContaining('page 2 could not be read (FHIR server answered 500)') });
  });
});

/** Requests the FHIR server holds at once, seen from the server's side: each answer waits `ms` before it is sent. */
function concurrency(ms: number) {
  const seen = { inFlight: 0, max: 0 };
  const answer = (body: nock.Body) => (_uri: string, _body: nock.Body, callback: (error: NodeJS.ErrnoException | null, result: nock.ReplyFnResult) => void): void => {
    seen.inFlight += 1;
    seen.max = Math.max(seen.max, seen.inFlight);
    setTimeout(() => {
      seen.inFlight -= 1;
      callback(null, [200, body]);
    }, ms);
  };
  return { seen, answer };
}

describe('one wave, optional keys, server checks', () => {
  it('starts every fetch of a call together (max in flight = number of keys)', async () => {
    const { seen, answer } = concurrency(100);
    for (const type of ['Patient/', 'Condition?', 'Observation?', 'Procedure?', 'DiagnosticReport?', 'ImagingStudy?', 'FamilyMemberHistory?']) {
      const matching = resources.filter((r) => `${r.resourceType}${type.slice(-1)}` === type);
      nock(FHIR).get(pathOf(type)).reply(answer((type === 'Patient/' ? matching[0] : searchset(matching)) as nock.Body));
    }
    const data = await resolver().resolve(patientView, hookRequest({}), deadline());
    expect(data.fhirRequests).toBe(7);
    // All seven held open by the server at once: the fetches run together (no timing needed to show it).
    expect(seen.max).toBe(7);
  });

  it('a site service with 12 keys fetches them all at once without a MaxListenersExceededWarning', async () => {
    const prefetch = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`obs${i}`, `Observation?patient={{context.patientId}}&code=k${i}`]));
    const wide = { ...patientView, prefetch };
    const { seen, answer } = concurrency(20);
    nock(FHIR).get(pathOf('Observation?')).times(12).reply(answer(searchset([], undefined)));
    const signal = deadline();
    expect(getMaxListeners(signal)).toBe(10);
    const data = await resolver().resolve(wide, hookRequest({}), signal);
    expect(seen.max).toBe(12);
    expect(data.fhirRequests).toBe(12);
    // Each request in flight listens to the deadline: the limit that would print the warning is raised to the key count.
    expect(getMaxListeners(signal)).toBe(12);
  });

  it('a {{context.userId}} key reads the typed id: fetched as a read, or used from prefetch', async () => {
    const withUser = { ...patientView, prefetch: { user: '{{context.userId}}' } };
    nock(FHIR).get('/r4/Practitioner/u1').reply(200, { resourceType: 'Practitioner', id: 'u1' });
    const request = (prefetch: Record<string, unknown>): HookRequest => ({ ...hookRequest(prefetch), context: { userId: 'Practitioner/u1', patientId: 'p1' } });
    const fetched = await resolver().resolve(withUser, request({}), deadline());
    expect(fetched.keys).toEqual([{ key: 'user', road: 'fhir-server', resources: [{ resourceType: 'Practitioner', id: 'u1' }], complete: true, resourceType: 'Practitioner' }]);
    const given = await resolver().resolve(withUser, request({ user: { resourceType: 'Practitioner', id: 'u1' } }), deadline());
    expect(given.keys[0]).toMatchObject({ road: 'prefetch', resources: [{ resourceType: 'Practitioner', id: 'u1' }] });
    expect(given.fhirRequests).toBe(0);
  });

  it('a fetched searchset carrying an OperationOutcome that reports a problem keeps its data but is not complete', async () => {
    const problem = { resourceType: 'OperationOutcome', issue: [{ severity: 'warning', code: 'too-costly', diagnostics: 'result set cut' }] };
    const page = { ...searchset(observations, undefined), entry: [...searchset(observations, undefined).entry!, { resource: problem, search: { mode: 'outcome' } }] };
    nock(FHIR).get(pathOf('Observation?')).reply(200, page);
    const data = await resolver().resolve(patientView, hookRequest(without('observations')), deadline());
    expect(data.keys.find((k) => k.key === 'observations')).toMatchObject({ road: 'fhir-server', complete: false, resources: observations });
    expect(data.gaps).toEqual([{ key: 'observations', kind: 'truncated', detail: 'the FHIR server reported a problem with this search (OperationOutcome); results may be missing' }]);
  });

  it('an informational OperationOutcome entry in a fetched searchset changes nothing', async () => {
    const note = { resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational', diagnostics: '_sort ignored' }] };
    nock(FHIR).get(pathOf('Observation?')).reply(200, { ...searchset(observations, undefined), entry: [...searchset(observations, undefined).entry!, { resource: note, search: { mode: 'outcome' } }] });
    const data = await resolver().resolve(patientView, hookRequest(without('observations')), deadline());
    expect(data.keys.find((k) => k.key === 'observations')).toMatchObject({ complete: true, resources: observations });
    expect(data.gaps).toEqual([]);
  });

  it('an optional key that fails gives an unavailable gap, not a 412', async () => {
    nock(FHIR).get(pathOf('FamilyMemberHistory?')).reply(503);
    const optional = { ...patientView, optionalPrefetch: ['familyHistory'] };
    const data = await resolver().resolve(optional, hookRequest(without('familyHistory')), deadline());
    expect(data.gaps).toEqual([{ key: 'familyHistory', kind: 'unavailable', detail: 'FHIR server answered 503' }]);
  });

  it('the call deadline bounds everything: 412 naming each key', async () => {
    nock(FHIR).get(pathOf('Observation?')).delay(3000).reply(200, searchset([]));
    const started = performance.now();
    const error = await resolver({ fhirTimeoutMs: 5000 }).resolve(patientView, hookRequest(without('observations')), AbortSignal.timeout(200)).catch((e: unknown) => e);
    // Ended by the 200 ms deadline, long before the 3 s answer (a bound loose enough for a loaded machine).
    expect(performance.now() - started).toBeLessThan(2000);
    expect(error).toBeInstanceOf(OutcomeError);
    expect((error as OutcomeError).kind).toBe('unobtainable-data');
    expect((error as OutcomeError).issues[0]?.diagnostics).toMatch(/"observations": the hook call's deadline/);
  });

  it('server checks: https only in production, allow-list by prefix boundary, no credentials in the URL', () => {
    const base = { fhirServerAllowlist: [] as string[], production: false };
    expect(serverProblem('http://fhir.test/r4', { ...base, production: true })?.message).toMatch(/https in production/);
    expect(serverProblem('https://fhir.test/r4', { ...base, production: true })).toBeUndefined();
    const allow = { ...base, fhirServerAllowlist: ['https://a.org/fhir'] };
    expect(serverProblem('https://a.org/fhir', allow)).toBeUndefined();
    expect(serverProblem('https://a.org/fhir/r4', allow)).toBeUndefined();
    expect(serverProblem('https://a.org/fhirevil', allow)?.refused).toBe(true);
    expect(serverProblem('https://a.org.evil.com/fhir', allow)?.refused).toBe(true);
    expect(serverProblem('https://u:p@fhir.test/r4', base)?.message).toMatch(/credentials/);
    expect(serverProblem('ftp://fhir.test', base)?.refused).toBe(true);
    expect(serverProblem(undefined, base)?.refused).toBe(false);
  });
});

describe('parity: the same fixture by prefetch and by the FHIR road gives deep-equal PatientRecords', () => {
  const builder = new PatientRecordBuilder(builtInValueSets(), createDataSettings(), 'Asia/Shanghai');

  it('parity-patient.json', async () => {
    const byPrefetch = await resolver().resolve(patientView, hookRequest(prefetchOf(resources, PV_KEYS), null), deadline());
    // The FHIR road: each search in two pages (the first page in reverse order) to show that order and paging do not matter.
    for (const key of PV_KEYS) {
      const type = Object.keys(KEY_OF_TYPE).find((t) => KEY_OF_TYPE[t] === key) as string;
      const matching = resources.filter((r) => r.resourceType === type).reverse();
      if (key === 'patient') {
        nock(FHIR).get('/r4/Patient/p1').reply(200, matching[0] as object);
        continue;
      }
      const half = Math.ceil(matching.length / 2);
      nock(FHIR).get(pathOf(`${type}?`)).reply(200, searchset(matching.slice(0, half), `${BASE}?page=${key}-2`))
        .get(`/r4?page=${key}-2`).reply(200, searchset(matching.slice(half)));
    }
    const byServer = await resolver().resolve(patientView, hookRequest({}), deadline());
    expect(byServer.fhirRequests).toBe(13);
    const options = { today: TODAY, patientId: 'p1' };
    const a = builder.build(byPrefetch, options);
    const b = builder.build(byServer, options);
    expect(b).toEqual(a);
    expect(a.labs.bilirubin.values.length).toBeGreaterThan(0);
    expect(a.conditions.hcc).toHaveLength(1);
    expect(a.gaps).toEqual([]);
  });
});
