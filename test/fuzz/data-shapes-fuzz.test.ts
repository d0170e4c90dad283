import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { send, startHarness, type Harness } from './http-harness.js';
import { PATIENT_ID, SERVICE_IDS, validRequest, type ServiceId } from './valid-requests.js';

/**
 * Property-based data shapes through real HTTP, prefetch-side and FHIR-response-side (a loopback FHIR server):
 * repeated resource ids (identical, differing, versioned or not) and resources that do not name this patient.
 * The cards never depend on entry order, and a foreign resource never changes the cards except by a DQ-INCOMPLETE
 * card naming it. FUZZ_RUNS scales the number of runs (default 1); fast-check prints the seed of any failure.
 */
const SCALE = Number(process.env.FUZZ_RUNS ?? '1') || 1;
const runs = (n: number): fc.Parameters<unknown> => ({ numRuns: Math.round(n * SCALE), endOnFailure: true });
const DAY_MS = 86_400_000;
const instant = (offsetDays: number): string => new Date(Date.now() + offsetDays * DAY_MS).toISOString();

type Body = Record<string, any>;
type Entry = { resource: fhir4.FhirResource; fullUrl?: string; search?: unknown };
type Card = Record<string, any>;
const SEARCH_KEYS = ['conditions', 'observations', 'procedures', 'imagingReports', 'familyHistory'] as const;
const KEY_OF_TYPE: Record<string, (typeof SEARCH_KEYS)[number]> = { Condition: 'conditions', Observation: 'observations', Procedure: 'procedures', DiagnosticReport: 'imagingReports', FamilyMemberHistory: 'familyHistory' };

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => harness.close());

async function cardsOf(id: ServiceId, body: Body): Promise<Card[]> {
  const outcome = await send(harness.base, `/cds-services/${id}`, JSON.stringify(body));
  if (outcome.status !== 200) throw new Error(`${id} -> ${outcome.status}: ${outcome.text.slice(0, 300)}`);
  return (outcome.body as { cards: Card[] }).cards;
}
/** Cards as a clinician sees them: everything but the fresh uuids. */
const comparable = (cards: Card[]): string => JSON.stringify(cards, (k, v) => (k === 'uuid' ? undefined : v));
const ruleOf = (card: Card): string => card.source.topic.code;
const entries = (body: Body, key: string): Entry[] => (body.prefetch[key]?.entry ?? []) as Entry[];
const keysOf = (body: Body): string[] => SEARCH_KEYS.filter((key) => key in body.prefetch);

// ------------------------------------------------------------------ generators

/** A copy of one of the patient's own resources: identical, or with other content, with or without versions. */
const duplicate = fc.record({
  pick: fc.nat(),
  kind: fc.constantFrom('identical', 'differing', 'differing-versioned', 'differing-updated', 'same-version'),
  factor: fc.constantFrom(0.25, 0.5, 2, 4, 10),
  versions: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
});
type Duplicate = typeof duplicate extends fc.Arbitrary<infer T> ? T : never;

function addDuplicate(body: Body, dup: Duplicate): void {
  const own = keysOf(body).flatMap((key) => entries(body, key));
  if (own.length === 0) return;
  const original = own[dup.pick % own.length]!;
  const copy = structuredClone(original.resource) as any;
  if (dup.kind !== 'identical') {
    if (copy.valueQuantity) copy.valueQuantity.value = Number((copy.valueQuantity.value * dup.factor).toFixed(2));
    else if (copy.clinicalStatus) copy.clinicalStatus = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'resolved' }] };
    else copy.status = copy.status === 'completed' ? 'in-progress' : 'completed';
  }
  const [a, b] = dup.versions;
  const meta = (v: number) => (dup.kind === 'differing-updated' ? { lastUpdated: instant(-v) } : { versionId: String(v) });
  if (dup.kind === 'differing-versioned' || dup.kind === 'differing-updated' || dup.kind === 'same-version') {
    (original.resource as any).meta = meta(a);
    copy.meta = meta(dup.kind === 'same-version' ? a : b);
  }
  entries(body, KEY_OF_TYPE[copy.resourceType]!).push({ resource: copy, search: { mode: 'match' } });
}

/** Subjects that do not resolve to Patient/<this patient>. `null` means: no subject at all. */
const foreignSubject = fc.constantFrom<unknown>(
  null,
  { reference: 'urn:uuid:6f1c1d8e-4b7a-4f5e-9a51-2b0f3c8d7e10' },
  { identifier: { system: 'urn:mrn', value: '0042' } },
  { display: 'Someone Else' },
  { reference: `Patient/${PATIENT_ID}/` },
  { reference: `patient/${PATIENT_ID}` },
  { reference: `Patient/${PATIENT_ID.toUpperCase()}` },
  { reference: 'Patient/someone-else' },
  { reference: `https://other.example/fhir/Patient/${PATIENT_ID}` },
  { reference: `http://ehr.example.org/fhir/Patient/${PATIENT_ID}` },
  { reference: 'Group/g1' },
  { reference: 42 },
  `Patient/${PATIENT_ID}`,
);

/** Clinically loud resources (they would raise or hide cards if taken as this patient's), some with the patient's own ids. */
const foreignResource = fc.record({
  id: fc.constantFrom('f1', 'f2', 'f3', 'o-bili', 'o-plt', 'c-hcc', 'p-tace'),
  kind: fc.constantFrom('lab', 'condition', 'tace', 'family'),
  loinc: fc.constantFrom('1975-2', '1751-7', '6301-6', '777-3', '6690-2', '2160-0', '1834-1'),
  value: fc.constantFrom(0.3, 1, 2.5, 5, 40, 900, 20000),
  condition: fc.constantFrom('K75.0', 'A41.9', 'C22.0', 'K74.60', 'B18.1', 'R64'),
  daysAgo: fc.integer({ min: 0, max: 40 }),
  subject: foreignSubject,
}).map((f): fhir4.FhirResource => {
  const subject = f.subject === null ? {} : f.kind === 'family' ? { patient: f.subject } : { subject: f.subject };
  const at = instant(-f.daysAgo);
  switch (f.kind) {
    case 'lab':
      return { resourceType: 'Observation', id: f.id, status: 'final', code: { coding: [{ system: 'http://loinc.org', code: f.loinc }] }, effectiveDateTime: at, valueQuantity: { value: f.value, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: f.loinc === '777-3' || f.loinc === '6690-2' ? '10*9/L' : f.loinc === '1751-7' ? 'g/dL' : f.loinc === '6301-6' ? '{INR}' : f.loinc === '1834-1' ? 'ng/mL' : 'mg/dL' }, ...subject } as fhir4.Observation;
    case 'condition':
      return { resourceType: 'Condition', id: f.id, clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] }, code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: f.condition }] }, ...subject } as fhir4.Condition;
    case 'tace':
      return { resourceType: 'Procedure', id: f.id, status: 'completed', code: { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: '37243' }] }, performedDateTime: at, ...subject } as fhir4.Procedure;
    default:
      return { resourceType: 'FamilyMemberHistory', id: f.id, status: 'completed', relationship: { coding: [{ code: 'FTH' }] }, condition: [{ code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'C22.0' }] } }], ...subject } as unknown as fhir4.FhirResource;
  }
});

/** Puts `resource` into its key's Bundle at a position derived from `at`. */
function insert(body: Body, resource: fhir4.FhirResource, at: number): boolean {
  const key = KEY_OF_TYPE[resource.resourceType]!;
  if (!(key in body.prefetch)) return false;
  body.prefetch[key].entry ??= [];
  const list = entries(body, key);
  list.splice(at % (list.length + 1), 0, { resource, search: { mode: 'match' } });
  return true;
}

/** Every Bundle's entries in another order, from one seed per key. */
function shuffled(body: Body, seeds: number[]): Body {
  const out = structuredClone(body);
  keysOf(out).forEach((key, k) => {
    const list = entries(out, key);
    let seed = (seeds[k % seeds.length] ?? 1) + 1;
    for (let i = list.length - 1; i > 0; i--) {
      seed = (seed * 48271) % 2147483647;
      const j = seed % (i + 1);
      [list[i], list[j]] = [list[j]!, list[i]!];
    }
  });
  return out;
}

const serviceId = fc.constantFrom<ServiceId>(...SERVICE_IDS);
const seeds = fc.array(fc.nat(), { minLength: 1, maxLength: 6 });

// ------------------------------------------------------------------ properties

describe('data shapes through real HTTP', () => {
  it('prefetch side: repeated ids (identical, differing, versioned) give the same cards in any entry order', async () => {
    await fc.assert(
      fc.asyncProperty(serviceId, fc.array(duplicate, { minLength: 1, maxLength: 5 }), seeds, async (id, dups, order) => {
        const body = validRequest(id) as Body;
        for (const dup of dups) addDuplicate(body, dup);
        const [a, b] = [await cardsOf(id, body), await cardsOf(id, shuffled(body, order))];
        if (comparable(a) !== comparable(b)) throw new Error(`entry order changed the cards:\n${comparable(a)}\n${comparable(b)}`);
      }),
      runs(150),
    );
  });

  it('prefetch side: a foreign resource never changes the cards except by a DQ-INCOMPLETE card naming it', async () => {
    await fc.assert(
      fc.asyncProperty(serviceId, fc.array(duplicate, { maxLength: 3 }), fc.array(fc.tuple(foreignResource, fc.nat()), { minLength: 1, maxLength: 4 }), async (id, dups, foreign) => {
        const base = validRequest(id) as Body;
        for (const dup of dups) addDuplicate(base, dup);
        const polluted = structuredClone(base);
        const inserted = foreign.filter(([resource, at]) => insert(polluted, resource, at)).map(([resource]) => `${resource.resourceType}/${resource.id}`);
        const before = await cardsOf(id, base);
        const after = await cardsOf(id, polluted);
        const others = after.filter((card) => ruleOf(card) !== 'DQ-INCOMPLETE');
        if (comparable(others) !== comparable(before.filter((card) => ruleOf(card) !== 'DQ-INCOMPLETE'))) {
          throw new Error(`foreign resources ${inserted.join(', ')} changed the cards:\n${comparable(before)}\n${comparable(after)}`);
        }
        if (inserted.length === 0) return;
        const dq = after.find((card) => ruleOf(card) === 'DQ-INCOMPLETE');
        const missing = inserted.filter((ref) => !String(dq?.detail ?? '').includes(ref));
        if (missing.length > 0) throw new Error(`not named as left out: ${missing.join(', ')}`);
        if (dq?.indicator !== (id === 'hcc-patient-view' ? 'info' : 'warning')) throw new Error(`DQ-INCOMPLETE is ${String(dq?.indicator)}`);
      }),
      runs(150),
    );
  });

  it('FHIR-response side: the same shapes over two pages of a loopback FHIR server, shuffled, give the prefetch road\'s cards', async () => {
    let served: Body = {};
    const server: Server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const type = url.pathname.split('/')[2] ?? '';
      const key = type === 'Patient' ? 'patient' : type === 'ImagingStudy' ? 'imagingStudies' : KEY_OF_TYPE[type];
      const value = key ? served.prefetch[key] : undefined;
      res.writeHead(200, { 'content-type': 'application/fhir+json' });
      if (type === 'Patient' || !value) return res.end(JSON.stringify(value ?? { resourceType: 'Bundle', type: 'searchset', total: 0 }));
      const list = (value.entry ?? []) as Entry[];
      const half = Math.ceil(list.length / 2);
      const page2 = url.searchParams.get('page') === '2';
      const next = page2 || half === list.length ? [] : [{ relation: 'next', url: `http://${req.headers.host}/fhir/${type}?page=2` }];
      res.end(JSON.stringify({ resourceType: 'Bundle', type: 'searchset', link: next, entry: page2 ? list.slice(half) : list.slice(0, half) }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const fhirServer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
    try {
      await fc.assert(
        fc.asyncProperty(serviceId, fc.array(duplicate, { maxLength: 4 }), fc.array(fc.tuple(foreignResource, fc.nat()), { maxLength: 3 }), seeds, async (id, dups, foreign, order) => {
          const body = validRequest(id) as Body;
          body.fhirServer = fhirServer;
          delete body.fhirAuthorization;
          for (const dup of dups) addDuplicate(body, dup);
          for (const [resource, at] of foreign) insert(body, resource, at);
          served = shuffled(body, order);
          const viaServer = await cardsOf(id, { ...body, prefetch: {} });
          const viaPrefetch = await cardsOf(id, body);
          if (comparable(viaServer) !== comparable(viaPrefetch)) throw new Error(`the roads disagree:\n${comparable(viaPrefetch)}\n${comparable(viaServer)}`);
        }),
        runs(80),
      );
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
