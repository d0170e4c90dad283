/**
 * ORDER_HOOK_PREFETCH=full|none through real HTTP: what discovery asks the EHR for, and that without prefetch a TACE
 * order fetches its data from a loopback FHIR server (same cards as with prefetch) while any other order reads nothing.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { fixtureHookRequest, loadFixture, loadManifest } from '../../dev/fixtures/fixtures.js';
import { loadConfig } from '../../src/config.js';
import { testService } from '../helpers/service.js';

const TODAY = '2026-03-15';
const now = () => new Date(`${TODAY}T12:00:00Z`);
const fixture = loadManifest().fixtures.find((entry) => entry.name === 'tace-cpc')!;
const bundle = loadFixture(fixture.file, TODAY);
const resources = (bundle.entry ?? []).map((entry) => entry.resource as fhir4.FhirResource);

/** A FHIR server on loopback that answers reads and searches from the fixture, and counts what it was asked. */
function fixtureFhirServer(): { server: Server; requests: string[] } {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const [path = ''] = (req.url ?? '').split('?');
    const [, , type = '', id] = path.split('/'); // /fhir/{type}[/{id}]
    const matching = resources.filter((resource) => resource.resourceType === type);
    const body = id
      ? matching.find((resource) => resource.id === id)
      : { resourceType: 'Bundle', type: 'searchset', total: matching.length, entry: matching.map((resource) => ({ fullUrl: `http://fhir.local/${type}/${resource.id}`, resource, search: { mode: 'match' } })) };
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/fhir+json' });
    res.end(JSON.stringify(body ?? { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] }));
  });
  return { server, requests };
}

const NAPROXEN_ORDER = {
  resourceType: 'MedicationRequest',
  id: 'naproxen-1',
  status: 'draft',
  intent: 'order',
  medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '198013', display: 'Naproxen 500 MG Oral Tablet' }] },
  subject: { reference: `Patient/${fixture.patientId}` },
};

let full: Awaited<ReturnType<typeof testService>>;
let none: Awaited<ReturnType<typeof testService>>;
let fhir: ReturnType<typeof fixtureFhirServer>;
let fhirBase: string;
beforeAll(async () => {
  full = await testService({}, { now });
  none = await testService({ ORDER_HOOK_PREFETCH: 'none' }, { now });
  fhir = fixtureFhirServer();
  await new Promise<void>((resolve) => fhir.server.listen(0, '127.0.0.1', resolve));
  fhirBase = `http://127.0.0.1:${(fhir.server.address() as AddressInfo).port}/fhir`;
});
afterAll(async () => {
  await Promise.all([full.close(), none.close(), new Promise((resolve) => fhir.server.close(resolve))]);
});
beforeEach(() => {
  fhir.requests.length = 0;
});

async function discovery(service: typeof full): Promise<Record<string, any>[]> {
  const res = await request(service.app).get('/cds-services').expect(200);
  return res.body.services as Record<string, any>[];
}

const summaryOf = (cards: Record<string, any>[]) => cards.map((card) => ({ ruleId: card.source.topic.code, indicator: card.indicator, summary: card.summary, detail: card.detail }));

describe('ORDER_HOOK_PREFETCH', () => {
  it('is read from the environment: full by default, none, anything else stops start-up naming the variable', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).orderHookPrefetch).toBe('full');
    expect(loadConfig({ NODE_ENV: 'test', ORDER_HOOK_PREFETCH: ' None ' }).orderHookPrefetch).toBe('none');
    expect(() => loadConfig({ NODE_ENV: 'test', ORDER_HOOK_PREFETCH: 'patient' })).toThrow(/ORDER_HOOK_PREFETCH must be "full" or "none"/);
  });

  it('full (the default): every service publishes its prefetch', async () => {
    for (const service of await discovery(full)) expect(Object.keys(service.prefetch).length).toBeGreaterThan(0);
  });

  it('none: the order services publish no prefetch, patient-view keeps its own', async () => {
    const services = await discovery(none);
    const byHook = Object.fromEntries(services.map((service) => [service.hook, service]));
    expect(byHook['order-select']).not.toHaveProperty('prefetch');
    expect(byHook['order-sign']).not.toHaveProperty('prefetch');
    expect(byHook['patient-view'].prefetch).toEqual((await discovery(full)).find((service) => service.hook === 'patient-view')!.prefetch);
  });

  it.each(['order-select', 'order-sign'] as const)('none: a TACE %s fetches from fhirServer and gives the same cards as full prefetch', async (hook) => {
    const fullService = (await discovery(full)).find((service) => service.hook === hook)!;
    const withPrefetch = fixtureHookRequest(fixture, hook, fullService.prefetch, bundle);
    const fullRes = await request(full.app).post(`/cds-services/${fullService.id}`).send(withPrefetch).expect(200);
    expect(fhir.requests).toEqual([]);

    const withoutPrefetch = { ...fixtureHookRequest(fixture, hook, fullService.prefetch), fhirServer: fhirBase };
    expect(withoutPrefetch).not.toHaveProperty('prefetch');
    const noneRes = await request(none.app).post(`/cds-services/${fullService.id}`).send(withoutPrefetch).expect(200);
    expect(fhir.requests.length).toBe(Object.keys(fullService.prefetch).length);
    expect(fhir.requests).toContain(`/fhir/Patient/${fixture.patientId}`);
    expect(fullRes.body.cards.length).toBeGreaterThan(0);
    expect(summaryOf(noneRes.body.cards)).toEqual(summaryOf(fullRes.body.cards));
  });

  it('none: a non-TACE order reads nothing and answers {"cards": []}', async () => {
    const body = {
      hook: 'order-select',
      hookInstance: 'e5d6a7b8-0000-4000-8000-000000000001',
      fhirServer: fhirBase,
      context: {
        userId: 'Practitioner/example',
        patientId: fixture.patientId,
        selections: ['MedicationRequest/naproxen-1'],
        draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: NAPROXEN_ORDER }] },
      },
    };
    const res = await request(none.app).post('/cds-services/hcc-tace-order-select').send(body).expect(200);
    expect(res.body).toEqual({ cards: [] });
    expect(fhir.requests).toEqual([]);
  });

  it('none: a TACE order with neither prefetch nor fhirServer is 412, never an all-clear', async () => {
    const fullService = (await discovery(full)).find((service) => service.hook === 'order-select')!;
    const res = await request(none.app).post(`/cds-services/${fullService.id}`).send(fixtureHookRequest(fixture, 'order-select', fullService.prefetch)).expect(412);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  it('prefetch sent anyway under none (an EHR with an old discovery) is used, not refetched', async () => {
    const fullService = (await discovery(full)).find((service) => service.hook === 'order-sign')!;
    const body = { ...fixtureHookRequest(fixture, 'order-sign', fullService.prefetch, bundle), fhirServer: fhirBase };
    const noneRes = await request(none.app).post(`/cds-services/${fullService.id}`).send(body).expect(200);
    expect(fhir.requests).toEqual([]);
    const fullRes = await request(full.app).post(`/cds-services/${fullService.id}`).send(body).expect(200);
    expect(noneRes.body.cards.length).toBeGreaterThan(0);
    expect(summaryOf(noneRes.body.cards)).toEqual(summaryOf(fullRes.body.cards));
  });
});
