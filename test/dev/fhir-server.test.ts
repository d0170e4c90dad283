import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from 'fhir-kit-client';
import { renderTemplate } from '../../src/cds-hooks/prefetch/template.js';
import { compileValidators } from '../../src/cds-hooks/schemas.js';
import { loadServiceRegistry } from '../../src/cds-hooks/service-registry.js';
import { startFhirServer, type RunningFhirServer } from '../../dev/fhir-server/fhir-server.js';
import { loadFixtures, type LoadReport } from '../../dev/fhir-server/fixture-loader.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const FIXTURES = join(HERE, 'fixtures');
const TODAY = '2026-03-15';

type Bundle = fhir4.Bundle<fhir4.Resource>;

let server: RunningFhirServer;
let client: Client;
let firstLoad: LoadReport;
const lines: string[] = [];

async function http(method: string, path: string, body?: unknown): Promise<{ status: number; type: string | null; json: any }> {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: { 'Content-Type': 'application/fhir+json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, type: response.headers.get('content-type'), json: await response.json() };
}

const ids = (bundle: Bundle): string[] => (bundle.entry ?? []).map((entry) => entry.resource?.id as string);
const search = async (resourceType: string, searchParams: Record<string, string>): Promise<Bundle> =>
  (await client.search({ resourceType, searchParams })) as unknown as Bundle;
const link = (bundle: Bundle, relation: string): string | undefined => bundle.link?.find((item) => item.relation === relation)?.url;

beforeAll(async () => {
  server = await startFhirServer({ port: 0 });
  client = new Client({ baseUrl: server.baseUrl });
  firstLoad = await loadFixtures({ fhirBaseUrl: server.baseUrl, fixturesDir: FIXTURES, today: TODAY, log: (line) => lines.push(line) });
});

afterAll(async () => {
  await server.close();
});

describe('fixture loader', () => {
  it('loads every fixture Bundle (manifest.json ignored) with zero rejected and one line per fixture', () => {
    expect(firstLoad.rejected).toEqual([]);
    expect(firstLoad.ok).toBe(true);
    expect(lines).toEqual(['✓ dev-surv.json 7 resources', '✓ dev-tace.json 21 resources', '✓ dev-uuid.json 2 resources']);
    expect(firstLoad.loaded).toBe(30);
    expect(firstLoad.fixtures.map((fixture) => fixture.mode)).toEqual(['transaction', 'transaction', 'transaction']);
  });

  it('resolves relative dates against today', async () => {
    const patient = (await client.read({ resourceType: 'Patient', id: 'dev-tace' })) as unknown as fhir4.Patient;
    expect(patient.birthDate).toBe('1964-03-15');
    const observation = (await client.read({ resourceType: 'Observation', id: 'dev-tace-bili-3' })) as unknown as fhir4.Observation;
    expect(observation.effectiveDateTime).toBe('2026-03-10T08:00:00Z');
  });

  it('is idempotent: a second load gives the same counts and no duplicates (PUT ids, conditional create)', async () => {
    const before = await search('Observation', { _summary: 'count' });
    const again = await loadFixtures({ fhirBaseUrl: server.baseUrl, fixturesDir: FIXTURES, today: TODAY });
    expect(again.loaded).toBe(firstLoad.loaded);
    expect(again.rejected).toEqual([]);
    expect((await search('Observation', { _summary: 'count' })).total).toBe(before.total);
    const patients = await search('Patient', { identifier: 'urn:hcc-cds:test-mrn|dev-uuid' });
    expect(patients.total).toBe(1);
    // The urn:uuid reference of the Observation was rewritten to the conditionally created Patient.
    const afp = await search('Observation', { patient: ids(patients)[0] as string });
    expect(ids(afp)).toEqual(['dev-uuid-afp-1']);
  });
});

describe('searches the CDS service makes (fhir-kit-client 2.0.3)', () => {
  it('Observation: comma-OR codes over LOINC and urn:hcc-cds:local, sorted newest first', async () => {
    const bundle = await search('Observation', {
      patient: 'dev-tace',
      code: 'http://loinc.org|1975-2,urn:hcc-cds:local|pvtt-vp',
      _sort: '-date',
      _count: '200',
    });
    expect(bundle.type).toBe('searchset');
    expect(bundle.total).toBe(4);
    expect(ids(bundle)).toEqual(['dev-tace-bili-3', 'dev-tace-pvtt-1', 'dev-tace-bili-2', 'dev-tace-bili-1']);
    expect(link(bundle, 'next')).toBeUndefined();
    expect(bundle.entry?.[0]?.fullUrl).toBe(`${server.baseUrl}/Observation/dev-tace-bili-3`);
  });

  it('the same search through client.request with a raw query string, and patient=Patient/<id>', async () => {
    const raw = (await client.request('Observation?patient=Patient/dev-tace&code=urn:hcc-cds:local|pvtt-vp,urn:hcc-cds:local|portal-collaterals')) as unknown as Bundle;
    expect(ids(raw).sort()).toEqual(['dev-tace-coll-1', 'dev-tace-pvtt-1']);
    const encoded = (await client.request('Observation?patient=dev-tace&code=urn%3Ahcc-cds%3Alocal%7Cpvtt-vp')) as unknown as Bundle;
    expect(ids(encoded)).toEqual(['dev-tace-pvtt-1']);
  });

  it('Condition, Procedure (sorted), DiagnosticReport by code, ImagingStudy, FamilyMemberHistory, Patient read', async () => {
    expect(ids(await search('Condition', { patient: 'dev-tace', _count: '200' })).sort()).toEqual(['dev-tace-cirrhosis', 'dev-tace-hcc', 'dev-tace-pvt']);
    expect(ids(await search('Condition', { patient: 'dev-tace', code: 'http://hl7.org/fhir/sid/icd-10-cm|C22.0' }))).toEqual(['dev-tace-hcc']);
    expect(ids(await search('Procedure', { patient: 'dev-tace', _sort: '-date' }))).toEqual(['dev-tace-ct-1', 'dev-tace-tace-1']);
    expect(ids(await search('Procedure', { patient: 'dev-tace', _sort: 'date' }))).toEqual(['dev-tace-tace-1', 'dev-tace-ct-1']);
    expect(ids(await search('DiagnosticReport', { patient: 'dev-tace', code: 'http://www.ama-assn.org/go/cpt|74170,http://loinc.org|24558-9' }))).toEqual(['dev-tace-ct-report']);
    expect(ids(await search('DiagnosticReport', { patient: 'dev-tace', code: 'http://loinc.org|24558-9' }))).toEqual([]);
    expect(ids(await search('ImagingStudy', { patient: 'dev-tace' }))).toEqual(['dev-tace-ct-study']);
    expect(ids(await search('FamilyMemberHistory', { patient: 'dev-surv' }))).toEqual(['dev-surv-fmh']);
    expect(ids(await search('FamilyMemberHistory', { patient: 'dev-tace' }))).toEqual([]);
    const patient = (await client.read({ resourceType: 'Patient', id: 'dev-surv' })) as unknown as fhir4.Patient;
    expect(patient.gender).toBe('female');
  });

  it("every prefetch template of every hooks/*.json service answers 200 with a searchset or the Patient", async () => {
    // The templates as discovery publishes them ({{valueset:...}} filled in from the value sets).
    const registry = loadServiceRegistry(join(HERE, '../../hooks'), compileValidators());
    let checked = 0;
    for (const service of registry.services) {
      for (const [key, template] of Object.entries(service.prefetch)) {
        const url = renderTemplate(template, new Map([['context.patientId', 'dev-tace']]));
        expect(url).toBeDefined();
        const answer = (await client.request(url as string)) as unknown as fhir4.Resource;
        expect([key, answer.resourceType]).toEqual([key, key === 'patient' ? 'Patient' : 'Bundle']);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(19);
    const observations = renderTemplate(registry.find('hcc-tace-order-select')![0]!.prefetch.observations as string, new Map([['context.patientId', 'dev-tace']]));
    // All 13 Observations of the patient carry codes of the service's list (the server does not filter by status).
    expect(((await client.request(observations as string)) as unknown as Bundle).total).toBe(13);
  });

  it('pages with _count and _offset: next/previous links added, followed with nextPage/prevPage', async () => {
    const page1 = await search('Observation', { patient: 'dev-tace', _sort: '-date', _count: '5' });
    expect(page1.total).toBe(13);
    expect(ids(page1)).toHaveLength(5);
    expect(link(page1, 'self')).toContain('_count=5');
    expect(link(page1, 'previous')).toBeUndefined();
    const page2 = (await client.nextPage({ bundle: page1 as never })) as unknown as Bundle;
    expect(link(page2, 'previous')).toContain('_offset=0');
    const page3 = (await client.nextPage({ bundle: page2 as never })) as unknown as Bundle;
    expect(ids(page2)).toHaveLength(5);
    expect(ids(page3)).toHaveLength(3);
    expect(link(page3, 'next')).toBeUndefined();
    expect(client.nextPage({ bundle: page3 as never })).toBeUndefined();
    const all = [...ids(page1), ...ids(page2), ...ids(page3)];
    expect(new Set(all).size).toBe(13);
    const back = (await client.prevPage({ bundle: page3 as never })) as unknown as Bundle;
    expect(ids(back)).toEqual(ids(page2));
    const dates = [page1, page2, page3].flatMap((page) => (page.entry ?? []).map((entry) => (entry.resource as fhir4.Observation).effectiveDateTime as string));
    expect([...dates].sort((a, b) => Date.parse(b) - Date.parse(a))).toEqual(dates);
  });
});

describe('validation and errors', () => {
  const observation = { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/dev-tace' } };

  it('answers /metadata with an R4 CapabilityStatement and /healthz', async () => {
    const metadata = await http('GET', '/metadata');
    expect(metadata.status).toBe(200);
    expect(metadata.type).toMatch(/^application\/fhir\+json/);
    expect(metadata.json.resourceType).toBe('CapabilityStatement');
    expect(metadata.json.fhirVersion).toBe('4.0.1');
    const rest = metadata.json.rest[0];
    expect(rest.interaction.map((item: { code: string }) => item.code)).toEqual(['transaction', 'batch']);
    const obs = rest.resource.find((item: { type: string }) => item.type === 'Observation');
    expect(obs.searchParam.map((param: { name: string }) => param.name)).toEqual(expect.arrayContaining(['patient', 'code', 'date', 'subject']));
    expect(rest.resource.some((item: { type: string }) => item.type === 'Project')).toBe(false);
    const health = await fetch(server.baseUrl.replace(/\/fhir$/, '/healthz'));
    expect(health.status).toBe(200);
  });

  it('refuses invalid writes with 400 OperationOutcome (missing required, unknown property, code outside a required value set)', async () => {
    for (const body of [
      { resourceType: 'Observation', code: { text: 'x' } },
      { ...observation, foo: 1 },
      { ...observation, status: 'Final' },
      { ...observation, valueQuantity: { value: 'high' } },
    ]) {
      const answer = await http('POST', '/Observation', body);
      expect(answer.status).toBe(400);
      expect(answer.type).toMatch(/^application\/fhir\+json/);
      expect(answer.json.resourceType).toBe('OperationOutcome');
      expect(answer.json.issue.length).toBeGreaterThan(0);
    }
    expect((await http('PUT', '/Patient/dev-bad', { resourceType: 'Patient', id: 'dev-bad', gender: 'x' })).status).toBe(400);
    expect((await http('GET', '/Patient/dev-bad')).status).toBe(404);
    const created = await http('POST', '/Observation', observation);
    expect(created.status).toBe(201);
  });

  it('refuses a transaction with an invalid entry as a whole, naming the entry; nothing is written', async () => {
    const answer = await http('POST', '', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Patient', id: 'dev-tx' }, request: { method: 'PUT', url: 'Patient/dev-tx' } },
        { resource: { ...observation, id: 'dev-tx-obs', status: 'done' }, request: { method: 'PUT', url: 'Observation/dev-tx-obs' } },
      ],
    });
    expect(answer.status).toBe(400);
    expect(answer.json.issue[0].diagnostics).toContain('Observation/dev-tx-obs');
    expect(answer.json.issue[0].expression).toEqual(['Bundle.entry[1].resource.status']);
    expect((await http('GET', '/Patient/dev-tx')).status).toBe(404);
  });

  it('answers unknown types, unknown search parameters, bad JSON and wrong content types with OperationOutcome', async () => {
    expect((await http('GET', '/Foo')).status).toBe(404);
    const unknownParam = await http('GET', '/Observation?patient=dev-tace&colour=blue');
    expect(unknownParam.status).toBe(400);
    expect(unknownParam.json.issue[0].diagnostics).toContain('colour');
    expect((await http('GET', '/Patient/none')).json.resourceType).toBe('OperationOutcome');
    const badJson = await fetch(`${server.baseUrl}/Patient`, { method: 'POST', headers: { 'Content-Type': 'application/fhir+json' }, body: '{' });
    expect(badJson.status).toBe(400);
    const xml = await fetch(`${server.baseUrl}/Patient`, { method: 'POST', headers: { 'Content-Type': 'application/xml' }, body: '<Patient/>' });
    expect(xml.status).toBe(415);
    expect(((await xml.json()) as fhir4.OperationOutcome).resourceType).toBe('OperationOutcome');
    expect((await fetch(server.baseUrl.replace(/\/fhir$/, '/other'))).status).toBe(404);
  });
});

describe('date sorting', () => {
  it('_sort=-date orders by instant across offsets and Periods, then pages (the engine alone sorts by text)', async () => {
    const observation = (id: string, effective: Record<string, unknown>) => ({ resourceType: 'Observation', id, status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/dev-sort' }, ...effective });
    for (const [id, effective] of [
      ['dev-sort-period-2020', { effectivePeriod: { start: '2020-01-01' } }],
      ['dev-sort-0500z', { effectiveDateTime: '2026-01-01T10:00:00+05:00' }],
      ['dev-sort-0600z', { effectiveDateTime: '2026-01-01T06:00:00Z' }],
      ['dev-sort-date', { effectiveDateTime: '2025-06-01' }],
    ] as const) {
      expect((await http('PUT', `/Observation/${id}`, observation(id, effective))).status).toBe(200);
    }
    const page1 = await search('Observation', { patient: 'dev-sort', _sort: '-date', _count: '2' });
    expect(page1.total).toBe(4);
    expect(ids(page1)).toEqual(['dev-sort-0600z', 'dev-sort-0500z']);
    const page2 = (await client.nextPage({ bundle: page1 as never })) as unknown as Bundle;
    expect(ids(page2)).toEqual(['dev-sort-date', 'dev-sort-period-2020']);
    expect(link(page2, 'next')).toBeUndefined();
    expect(ids(await search('Observation', { patient: 'dev-sort', _sort: 'date' }))).toEqual(['dev-sort-period-2020', 'dev-sort-date', 'dev-sort-0500z', 'dev-sort-0600z']);
  });
});

describe('large transactions', () => {
  it('accepts a transaction of 150 PUTs + a POST (over the router limit of 50) and rewrites urn:uuid references', async () => {
    const patientUrn = 'urn:uuid:7d7c1a0e-0c55-4c8e-9a3e-5b6f0a1b2c3d';
    const entry: fhir4.BundleEntry[] = [{ fullUrl: patientUrn, resource: { resourceType: 'Patient', gender: 'male' } as fhir4.Patient, request: { method: 'POST', url: 'Patient' } }];
    for (let index = 0; index < 150; index += 1) {
      entry.push({
        resource: { resourceType: 'Observation', id: `dev-big-${index}`, status: 'final', code: { text: 'big' }, subject: { reference: patientUrn }, effectiveDateTime: `2025-01-01T00:00:${String(index % 60).padStart(2, '0')}Z` } as fhir4.Observation,
        request: { method: 'PUT', url: `Observation/dev-big-${index}` },
      });
    }
    const answer = await http('POST', '', { resourceType: 'Bundle', type: 'transaction', entry });
    expect(answer.status).toBe(200);
    expect(answer.json.type).toBe('transaction-response');
    expect(answer.json.entry).toHaveLength(151);
    const patientId = String(answer.json.entry[0].response.location).split('/')[1] as string;
    const first = await search('Observation', { patient: patientId, _count: '100' });
    expect(first.total).toBe(150);
    const second = (await client.nextPage({ bundle: first as never })) as unknown as Bundle;
    expect(ids(first).length + ids(second).length).toBe(150);
  });
});

describe('lifecycle', () => {
  it('close() frees the port', async () => {
    const other = await startFhirServer();
    expect(other.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/fhir$/);
    expect((await fetch(`${other.baseUrl}/metadata`)).status).toBe(200);
    await other.close();
    await expect(fetch(`${other.baseUrl}/metadata`)).rejects.toThrow();
    await new Promise<void>((resolve, reject) => {
      const probe = createServer();
      probe.once('error', reject);
      probe.listen(other.port, '127.0.0.1', () => probe.close(() => resolve()));
    });
  });
});
