/**
 * Data integrity through real HTTP, on both roads (prefetch; FHIR server by nock or a loopback server):
 * incomplete data is never an empty card list (DQ-INCOMPLETE), repeated resource ids never depend on entry order,
 * and only resources that name this patient are used.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import request from 'supertest';
import { tempDir, testConfig, testService } from '../helpers/service.js';
import { onlyLoopbackAndInterceptors } from '../helpers/nock-loopback.js';
import { handleHookCall } from '../../src/cds-hooks/hook-call.js';
import { composeDeps } from '../../src/compose.js';
import { createLogger } from '../../src/http/logger.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { searchset } from './fixture.js';

const TODAY = '2026-03-15';
const now = () => new Date(`${TODAY}T12:00:00Z`);
const FHIR = 'http://fhir.test';
const BASE = `${FHIR}/r4`;
const PID = 'p1';
const SUBJECT = { reference: `Patient/${PID}` };
const ORDER_KEYS = ['patient', 'conditions', 'observations', 'procedures', 'imagingReports', 'imagingStudies'] as const;

type Resource = fhir4.FhirResource;
type Card = { indicator: string; summary: string; detail?: string; source: { topic: { code: string } }; overrideReasons?: unknown[] };

const lab = (id: string, loinc: string, value: number, unit: string, date = '2026-03-13', extra: Partial<fhir4.Observation> = {}): fhir4.Observation => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: loinc }] },
  subject: SUBJECT,
  effectiveDateTime: date,
  valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
  ...extra,
});
const bilirubin = (id: string, value: number, extra: Partial<fhir4.Observation> = {}, date = '2026-03-13') => lab(id, '1975-2', value, 'mg/dL', date, extra);
const ecog: fhir4.Observation = { resourceType: 'Observation', id: 'o-ecog', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '89247-1' }] }, subject: SUBJECT, effectiveDateTime: '2026-03-10', valueInteger: 0 };
/** Fresh, normal pre-TACE labs: a TACE order for this patient raises no card at all. */
const healthyLabs = (): fhir4.Observation[] => [
  bilirubin('o-bili', 0.8),
  lab('o-alb', '1751-7', 4.0, 'g/dL'),
  lab('o-inr', '6301-6', 1.1, '{INR}'),
  lab('o-plt', '777-3', 180, '10*9/L'),
  lab('o-wbc', '6690-2', 6.0, '10*9/L'),
  lab('o-cr', '2160-0', 0.9, 'mg/dL'),
  ecog,
];
const condition = (id: string, system: string, code: string, extra: Partial<fhir4.Condition> = {}): fhir4.Condition => ({
  resourceType: 'Condition',
  id,
  clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
  code: { coding: [{ system, code }] },
  subject: SUBJECT,
  ...extra,
});
const hcc = condition('c-hcc', 'http://snomed.info/sct', '109841003');
const patient: fhir4.Patient = { resourceType: 'Patient', id: PID, gender: 'male', birthDate: '1960-05-01' };

interface Data {
  observations?: Resource[];
  conditions?: Resource[];
  procedures?: Resource[];
  imagingStudies?: Resource[];
}
const prefetchOf = (data: Data, keys: readonly string[] = ORDER_KEYS): Record<string, unknown> => {
  const all: Record<string, unknown> = {
    patient,
    conditions: searchset(data.conditions ?? [hcc]),
    observations: searchset(data.observations ?? healthyLabs()),
    procedures: searchset(data.procedures ?? []),
    imagingReports: searchset([]),
    imagingStudies: searchset(data.imagingStudies ?? []),
    familyHistory: searchset([]),
  };
  return Object.fromEntries(keys.map((k) => [k, all[k]]));
};

const taceOrder = { resourceType: 'ServiceRequest', id: 'tace-1', status: 'draft', intent: 'proposal', code: { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: '37243' }] }, subject: SUBJECT };
function orderSelect(prefetch: Record<string, unknown>, fhirServer?: string) {
  return {
    hook: 'order-select',
    hookInstance: 'a1577c69-dfbe-44ad-ba6d-3e05e953b2ea',
    ...(fhirServer ? { fhirServer } : {}),
    context: { userId: 'Practitioner/u1', patientId: PID, selections: ['ServiceRequest/tace-1'], draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: taceOrder }] } },
    prefetch,
  };
}
function patientView(prefetch: Record<string, unknown>, fhirServer?: string) {
  return { hook: 'patient-view', hookInstance: 'b1577c69-dfbe-44ad-ba6d-3e05e953b2ea', ...(fhirServer ? { fhirServer } : {}), context: { userId: 'Practitioner/u1', patientId: PID }, prefetch };
}

let service: Awaited<ReturnType<typeof testService>>;
beforeAll(async () => {
  service = await testService({ FHIR_TIMEOUT_MS: '500' }, { now });
});
afterAll(async () => service.close());
onlyLoopbackAndInterceptors();

type App = Parameters<typeof request>[0];
async function cards(body: object, path = 'hcc-tace-order-select', app: App = service.app): Promise<Card[]> {
  const res = await request(app).post(`/cds-services/${path}`).send(body).expect(200);
  return res.body.cards as Card[];
}
const rules = (list: Card[]): string[] => list.map((c) => `${c.source.topic.code}:${c.indicator}`).sort();
const card = (list: Card[], ruleId: string): Card | undefined => list.find((c) => c.source.topic.code === ruleId);
/** Cards as a clinician sees them: everything but the fresh uuids. */
const comparable = (list: Card[]): unknown => JSON.parse(JSON.stringify(list, (k, v) => (k === 'uuid' ? undefined : v)));

/** A loopback FHIR server answering each search with `pages(type)` (page 2 at `?page=2`). */
async function loopback(pages: (type: string, page: number, base: string) => unknown): Promise<{ base: string; close(): Promise<void> }> {
  let base = '';
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const type = url.pathname.split('/')[2] ?? '';
    res.writeHead(200, { 'content-type': 'application/fhir+json' });
    res.end(JSON.stringify(pages(type, Number(url.searchParams.get('page') ?? '1'), base)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
  return {
    base,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('incomplete data is never answered as all clear (DQ-INCOMPLETE)', () => {
  it('the healthy TACE patient used below gets no card when the data are complete', async () => {
    expect(await cards(orderSelect(prefetchOf({})))).toEqual([]);
  });

  it('patient-view: a prefetched Bundle with unread pages and no fhirServer gives an info card naming the data', async () => {
    const truncated = { ...searchset([]), entry: searchset(healthyLabs()).entry, link: [{ relation: 'next', url: `${BASE}/Observation?page=2` }] };
    const list = await cards(patientView({ ...prefetchOf({}, [...ORDER_KEYS, 'familyHistory']), observations: truncated }), 'hcc-patient-view');
    expect(rules(list)).toEqual(['DQ-INCOMPLETE:info']);
    const detail = card(list, 'DQ-INCOMPLETE')!.detail!;
    expect(detail).toContain('Laboratory results and measurements: not all were read: the EHR sent only the first part of the list and the rest could not be fetched');
    expect(detail).toContain('do not read the absence of a card as all-clear');
    expect(detail).not.toMatch(/prefetch|FHIR_MAX|OperationOutcome/);
  });

  it('order-select on the FHIR road: reading stopped at FHIR_MAX_PAGES gives a warning with override reasons', async () => {
    const bounded = await testService({ FHIR_MAX_PAGES: '1' }, { now });
    try {
      const scope = nock(FHIR).get((p) => p.startsWith('/r4/Observation?')).reply(200, searchset(healthyLabs(), `${BASE}/Observation?page=2`));
      const { observations: _absent, ...prefetch } = prefetchOf({});
      const list = await cards(orderSelect(prefetch, BASE), 'hcc-tace-order-select', bounded.app);
      expect(scope.isDone()).toBe(true);
      expect(rules(list)).toEqual(['DQ-INCOMPLETE:warning']);
      const dq = card(list, 'DQ-INCOMPLETE')!;
      expect(dq.summary).toBe('Incomplete data (laboratory results and measurements): results may be missing; absence of a card is not an all-clear');
      expect(dq.detail).toContain("reading stopped at this service's limit on the number of pages; more results exist");
      expect(dq.overrideReasons?.length).toBeGreaterThan(0);
    } finally {
      await bounded.close();
    }
  });

  it('order-sign on a loopback FHIR server: reading stopped at FHIR_MAX_RESOURCES (imaging studies)', async () => {
    const studies = Array.from({ length: 11 }, (_, i): fhir4.ImagingStudy => ({ resourceType: 'ImagingStudy', id: `is-${i}`, status: 'available', subject: SUBJECT, started: '2026-01-01' }));
    const server = await loopback((type) => (type === 'Patient' ? patient : searchset(type === 'ImagingStudy' ? studies : type === 'Observation' ? healthyLabs() : type === 'Condition' ? [hcc] : [])));
    const bounded = await testService({ FHIR_MAX_RESOURCES: '10' }, { now });
    try {
      const body = { ...orderSelect({}, server.base), hook: 'order-sign', context: { userId: 'Practitioner/u1', patientId: PID, draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: taceOrder }] } } };
      const list = await cards(body, 'hcc-tace-order-sign', bounded.app);
      expect(rules(list)).toEqual(['DQ-INCOMPLETE:warning']);
      expect(card(list, 'DQ-INCOMPLETE')!.detail).toContain("Imaging studies: not all were read: reading stopped at this service's limit on the number of results; more results exist");
    } finally {
      await bounded.close();
      await server.close();
    }
  });

  it('a problem reported by the FHIR server with the results is named', async () => {
    const outcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'warning', code: 'incomplete', diagnostics: 'partial results' }] };
    const page = { ...searchset(healthyLabs()), entry: [...searchset(healthyLabs()).entry!, { resource: outcome, search: { mode: 'outcome' } }] };
    nock(FHIR).get((p) => p.startsWith('/r4/Observation?')).reply(200, page);
    const { observations: _absent, ...prefetch } = prefetchOf({});
    const list = await cards(orderSelect(prefetch, BASE));
    expect(rules(list)).toEqual(['DQ-INCOMPLETE:warning']);
    expect(card(list, 'DQ-INCOMPLETE')!.detail).toContain('the record system reported a problem while sending them');
  });

  it('a resource that cannot be read is named, never dropped silently (a malformed liver-abscess Condition on a TACE order)', async () => {
    // A getter that throws stands for fields of impossible types the readers cannot survive; it cannot cross HTTP
    // (the client would fail to serialise it), so the call goes to the hook pipeline with the composed service's deps.
    const abscess = condition('c-abscess', 'http://hl7.org/fhir/sid/icd-10-cm', 'K75.0');
    Object.defineProperty(abscess, 'clinicalStatus', { enumerable: true, get: () => { throw new Error('unreadable'); } });
    const deps = await composeDeps(testConfig({ FHIR_TIMEOUT_MS: '500' }), createLogger('silent'), { now, defaultMetrics: false });
    try {
      const { cards: list } = await handleHookCall('hcc-tace-order-select', orderSelect(prefetchOf({ conditions: [hcc, abscess] })), deps);
      // Unread diagnoses leave ascites and encephalopathy unknown: Child-Pugh may be B8-9, and that warning names the record.
      expect(rules(list)).toEqual(['TACE-CP-B8-9:warning']);
      expect(card(list, 'TACE-CP-B8-9')!.detail).toContain('Condition/c-abscess is malformed and was not used');
      // Where no card names it, DQ-INCOMPLETE does (the gap is counted as incompleteness, not only shown in passing).
      const view = await handleHookCall('hcc-patient-view', patientView({ ...prefetchOf({ conditions: [hcc, abscess] }, [...ORDER_KEYS, 'familyHistory']) }), deps);
      expect(rules(view.cards)).toContain('DQ-INCOMPLETE:info');
      expect(card(view.cards, 'DQ-INCOMPLETE')!.detail).toContain('Diagnoses: 1 record could not be read (fields of impossible types) and was left out (Condition/c-abscess)');
    } finally {
      await deps.store.close();
    }
  });

  it('a diagnosis whose bodySite is not a list still counts (TACE-INFECTION)', async () => {
    const abscess = condition('c-abscess', 'http://hl7.org/fhir/sid/icd-10-cm', 'K75.0', { bodySite: { text: 'liver' } as unknown as fhir4.CodeableConcept[] });
    expect(rules(await cards(orderSelect(prefetchOf({ conditions: [hcc, abscess] }))))).toEqual(['TACE-INFECTION:critical']);
  });

  it('is not added when a warning card of the answer already names the gap', async () => {
    const withoutAlbumin = healthyLabs().filter((o) => o.id !== 'o-alb');
    const truncated = { ...searchset(withoutAlbumin), link: [{ relation: 'next', url: `${BASE}/Observation?page=2` }] };
    const list = await cards(orderSelect({ ...prefetchOf({}), observations: truncated }));
    expect(rules(list)).not.toContain('DQ-INCOMPLETE:warning');
    expect(card(list, 'TACE-MISSING-LABS')!.detail).toMatch(/Incomplete data \(observations\): the prefetched Bundle has more pages/);
  });

  it('is added when the only cards naming the gap are silent (a rule in silent mode tells the clinician nothing)', async () => {
    const withoutAlbumin = healthyLabs().filter((o) => o.id !== 'o-alb');
    const truncated = { ...searchset(withoutAlbumin), link: [{ relation: 'next', url: `${BASE}/Observation?page=2` }] };
    const policy = join(tempDir(), 'site-policy.json');
    writeFileSync(policy, JSON.stringify({ ruleModes: { 'TACE-MISSING-LABS': 'silent', 'TACE-CP-C-POSSIBLE': 'silent', 'TACE-CP-B8-9': 'silent', 'TACE-CP-B7': 'silent' } }));
    const silenced = await testService({ SITE_POLICY_FILE: policy }, { now });
    try {
      const list = await cards(orderSelect({ ...prefetchOf({}), observations: truncated }), 'hcc-tace-order-select', silenced.app);
      expect(rules(list)).toContain('DQ-INCOMPLETE:warning');
      expect(card(list, 'DQ-INCOMPLETE')!.detail).toContain('Laboratory results and measurements: not all were read');
    } finally {
      await silenced.close();
    }
  });

  it('both roads give the same cards for data cut at the page bound', async () => {
    const bounded = await testService({ FHIR_MAX_PAGES: '1' }, { now });
    try {
      const page = searchset(healthyLabs(), `${BASE}/Observation?page=2`);
      const viaPrefetch = await cards(orderSelect({ ...prefetchOf({}), observations: page }, BASE), 'hcc-tace-order-select', bounded.app);
      nock(FHIR).get((p) => p.startsWith('/r4/Observation?')).reply(200, page);
      const { observations: _absent, ...prefetch } = prefetchOf({});
      const viaServer = await cards(orderSelect(prefetch, BASE), 'hcc-tace-order-select', bounded.app);
      expect(rules(viaPrefetch)).toEqual(['DQ-INCOMPLETE:warning']);
      expect(comparable(viaServer)).toEqual(comparable(viaPrefetch));
    } finally {
      await bounded.close();
    }
  });
});

describe('a repeated resource id: the result never depends on entry order', () => {
  const withCopies = (...copies: fhir4.Observation[]) => prefetchOf({ observations: [...healthyLabs().filter((o) => o.id !== 'o-bili'), ...copies] });

  it('two differing copies with no version (bilirubin 0.8 and 5.0, same date): the worse counts either way, and the card names both', async () => {
    const low = bilirubin('o-dup', 0.8);
    const high = bilirubin('o-dup', 5.0);
    const lowFirst = await cards(orderSelect(withCopies(low, high)));
    const highFirst = await cards(orderSelect(withCopies(high, low)));
    expect(rules(lowFirst)).toEqual(['TACE-BILI-HIGH:critical', 'TACE-CP-B7:info']);
    expect(comparable(lowFirst)).toEqual(comparable(highFirst));
    expect(card(lowFirst, 'TACE-BILI-HIGH')!.detail).toContain('worse of 2 differing copies of Observation/o-dup with no version to tell which is current: 0.8 mg/dL, 5 mg/dL');
  });

  it.each([
    ['meta.versionId', (v: number) => ({ versionId: String(v) })],
    ['meta.lastUpdated', (v: number) => ({ lastUpdated: `2026-03-1${v}T08:00:00Z` })],
  ])('differing copies ordered by %s: the newest counts and the card says a version was superseded', async (_name, meta) => {
    const oldLow = bilirubin('o-dup', 0.8, { meta: meta(1) });
    const newHigh = bilirubin('o-dup', 5.0, { meta: meta(2) });
    const a = await cards(orderSelect(withCopies(oldLow, newHigh)));
    const b = await cards(orderSelect(withCopies(newHigh, oldLow)));
    expect(comparable(a)).toEqual(comparable(b));
    expect(card(a, 'TACE-BILI-HIGH')!.detail).toContain('latest version used; 1 older version of this resource with other content superseded');
    // The other way round, the newer normal value counts whatever the order.
    const oldHigh = bilirubin('o-dup', 5.0, { meta: meta(1) });
    const newLow = bilirubin('o-dup', 0.8, { meta: meta(2) });
    expect(await cards(orderSelect(withCopies(oldHigh, newLow)))).toEqual([]);
    expect(await cards(orderSelect(withCopies(newLow, oldHigh)))).toEqual([]);
  });

  it.each([
    ['entered in error', bilirubin('o-dup', 5.0, { status: 'entered-in-error' })],
    ['implausible', bilirubin('o-dup', 900)],
  ])('differing copies where one is unusable (%s): the result is disputed, never taken as the clean value', async (_name, unusable) => {
    for (const order of [[bilirubin('o-dup', 1.0), unusable], [unusable, bilirubin('o-dup', 1.0)]]) {
      const list = await cards(orderSelect(withCopies(...order)));
      expect(rules(list)).toContain('TACE-MISSING-LABS:warning');
      expect(card(list, 'TACE-MISSING-LABS')!.detail).toContain('Observation/o-dup');
      expect(card(list, 'TACE-MISSING-LABS')!.detail).toContain('differing copies of this result with no version to tell which is current');
    }
  });

  it('a disputed newest result is not replaced by an older clean one: the lab is unusable and the card names the dispute', async () => {
    const older = bilirubin('o-older', 1.0, {}, '2026-03-06');
    for (const order of [[bilirubin('o-dup', 5.0), bilirubin('o-dup', 5.0, { status: 'entered-in-error' })], [bilirubin('o-dup', 5.0, { status: 'entered-in-error' }), bilirubin('o-dup', 5.0)]]) {
      const list = await cards(orderSelect(withCopies(older, ...order)));
      expect(rules(list)).toContain('TACE-MISSING-LABS:warning');
      expect(card(list, 'TACE-MISSING-LABS')!.detail).toContain('differing copies of this result with no version to tell which is current');
    }
    // Without the dispute the older clean result is the latest and counts (no missing-lab card for bilirubin).
    const clean = await cards(orderSelect(withCopies(older)));
    expect(rules(clean)).not.toContain('TACE-MISSING-LABS:warning');
  });

  it('identical copies (across keys or repeated) are one result, with no conflict named', async () => {
    const high = bilirubin('o-dup', 5.0);
    const list = await cards(orderSelect(withCopies(high, structuredClone(high))));
    expect(rules(list)).toEqual(['TACE-BILI-HIGH:critical', 'TACE-CP-B7:info']);
    expect(card(list, 'TACE-BILI-HIGH')!.detail).not.toMatch(/copies|superseded|same-time/);
  });

  it('FHIR road: the copies on two pages of a loopback server give the cards of the prefetch road, in either order', async () => {
    const low = bilirubin('o-dup', 0.8);
    const high = bilirubin('o-dup', 5.0);
    const others = healthyLabs().filter((o) => o.id !== 'o-bili');
    for (const [first, second] of [[low, high], [high, low]] as const) {
      const server = await loopback((type, page, base) => {
        if (type === 'Patient') return patient;
        if (type === 'Condition') return searchset([hcc]);
        if (type !== 'Observation') return searchset([]);
        return page === 1 ? searchset([...others, first], `${base}/Observation?page=2`) : searchset([second]);
      });
      try {
        const viaServer = await cards(orderSelect({}, server.base));
        const viaPrefetch = await cards(orderSelect(withCopies(low, high)));
        expect(comparable(viaServer)).toEqual(comparable(viaPrefetch));
        expect(rules(viaServer)).toContain('TACE-BILI-HIGH:critical');
      } finally {
        await server.close();
      }
    }
  });
});

describe("only resources that name this patient are this patient's", () => {
  const foreignShapes: [string, Partial<fhir4.Observation>][] = [
    ['no subject', { subject: undefined }],
    ['a urn:uuid subject', { subject: { reference: 'urn:uuid:6f1c1d8e-4b7a-4f5e-9a51-2b0f3c8d7e10' } }],
    ['an identifier-only subject', { subject: { identifier: { system: 'urn:mrn', value: '123' } } }],
    ['a display-only subject', { subject: { display: 'J. Smith' } }],
    ['a trailing slash', { subject: { reference: `Patient/${PID}/` } }],
    ['a lower-case patient/', { subject: { reference: `patient/${PID}` } }],
    ['another patient', { subject: { reference: 'Patient/p2' } }],
    ['an absolute reference under another base', { subject: { reference: `https://other.example/fhir/Patient/${PID}` } }],
    ['a Group', { subject: { reference: 'Group/g1' } }],
  ];

  it.each(foreignShapes)('a foreign bilirubin 5.0 with %s raises no card but is named as left out', async (_name, subject) => {
    const foreign = bilirubin('o-foreign', 5.0, subject, '2026-03-14');
    const list = await cards(orderSelect(prefetchOf({ observations: [...healthyLabs(), foreign] }), BASE));
    expect(rules(list)).toEqual(['DQ-INCOMPLETE:warning']);
    const detail = card(list, 'DQ-INCOMPLETE')!.detail!;
    expect(detail).toContain('Laboratory results and measurements: 1 record does not name this patient and was left out (Observation/o-foreign).');
    expect(detail).not.toContain('p2');
  });

  it("a newer foreign normal value does not mask the patient's own critical one", async () => {
    const own = bilirubin('o-bili', 5.0, {}, '2026-03-12');
    const foreign = bilirubin('o-foreign', 0.8, { subject: undefined }, '2026-03-15');
    const list = await cards(orderSelect(prefetchOf({ observations: [...healthyLabs().filter((o) => o.id !== 'o-bili'), own, foreign] })));
    expect(rules(list)).toEqual(['DQ-INCOMPLETE:warning', 'TACE-BILI-HIGH:critical', 'TACE-CP-B7:info']);
    expect(card(list, 'TACE-BILI-HIGH')!.detail).toContain('Observation/o-bili');
  });

  it.each([
    ['versioned', `Patient/${PID}/_history/3`],
    ['absolute under fhirServer', `${BASE}/Patient/${PID}`],
    ['absolute under fhirServer with a trailing slash on the base', `${BASE}/Patient/${PID}`, `${BASE}/`],
    ['absolute and versioned', `${BASE}/Patient/${PID}/_history/2`],
  ])('a reference to this patient, %s, is used', async (_name, reference, server = BASE) => {
    const own = bilirubin('o-bili', 5.0, { subject: { reference } });
    const list = await cards(orderSelect(prefetchOf({ observations: [...healthyLabs().filter((o) => o.id !== 'o-bili'), own] }), server));
    expect(rules(list)).toEqual(['TACE-BILI-HIGH:critical', 'TACE-CP-B7:info']);
  });

  it('a FamilyMemberHistory is attributed by its patient element', async () => {
    const history = (patientRef: string): fhir4.FamilyMemberHistory => ({
      resourceType: 'FamilyMemberHistory', id: 'fh-1', status: 'completed', patient: { reference: patientRef }, relationship: { coding: [{ code: 'FTH' }] },
      condition: [{ code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'C22.0' }] } }],
    });
    const hbv = condition('c-hbv', 'http://hl7.org/fhir/sid/icd-10-cm', 'B18.1');
    // A man of 30 with chronic hepatitis B is eligible for surveillance only with a family history of liver cancer.
    const young: fhir4.Patient = { ...patient, birthDate: '1996-01-01' };
    const pv = (ref: string) => patientView({ ...prefetchOf({ conditions: [hbv] }, [...ORDER_KEYS, 'familyHistory']), patient: young, familyHistory: searchset([history(ref)]) });
    const own = await cards(pv(`Patient/${PID}`), 'hcc-patient-view');
    const foreign = await cards(pv('Patient/p2'), 'hcc-patient-view');
    expect(rules(own)).toContain('SURV-OVERDUE:warning');
    expect(rules(foreign)).not.toContain('SURV-OVERDUE:warning');
    expect(card(foreign, 'DQ-INCOMPLETE')!.detail).toContain('Family history: 1 record does not name this patient and was left out (FamilyMemberHistory/fh-1).');
  });

  it('a resource of another type than the search (a liver abscess among the laboratory results) is left out and named, on both roads', async () => {
    const abscess = condition('c-abscess', 'http://hl7.org/fhir/sid/icd-10-cm', 'K75.0');
    const viaPrefetch = await cards(orderSelect(prefetchOf({ observations: [...healthyLabs(), abscess] })));
    expect(rules(viaPrefetch)).toEqual(['DQ-INCOMPLETE:warning']);
    expect(card(viaPrefetch, 'DQ-INCOMPLETE')!.detail).toContain('Laboratory results and measurements: 1 record of another kind came with them and was left out (Condition/c-abscess).');
    const server = await loopback((type) => (type === 'Patient' ? patient : searchset(type === 'Observation' ? [...healthyLabs(), abscess] : type === 'Condition' ? [hcc] : [])));
    try {
      expect(comparable(await cards(orderSelect({}, server.base)))).toEqual(comparable(viaPrefetch));
    } finally {
      await server.close();
    }
  });

  it('FHIR road (nock): a foreign result in the server answer gives the same cards as in prefetch', async () => {
    const foreign = bilirubin('o-foreign', 5.0, { subject: { reference: 'urn:uuid:0b1c' } }, '2026-03-14');
    const viaPrefetch = await cards(orderSelect(prefetchOf({ observations: [...healthyLabs(), foreign] }), BASE));
    nock(FHIR).get((p) => p.startsWith('/r4/Observation?')).reply(200, searchset([...healthyLabs(), foreign]));
    const { observations: _absent, ...prefetch } = prefetchOf({});
    const viaServer = await cards(orderSelect(prefetch, BASE));
    expect(rules(viaServer)).toEqual(['DQ-INCOMPLETE:warning']);
    expect(comparable(viaServer)).toEqual(comparable(viaPrefetch));
  });
});
