/**
 * Prefetch derived from the value sets: hooks/*.json name `{{valueset:labs}}` and `{{valueset:imaging}}`, filled in at
 * start-up from the loaded value sets. The built-in expansion is exactly the lists the templates spelled out by hand;
 * a code a site adds through VALUE_SET_FILE is published in discovery, asked for on the FHIR road, and used on both
 * roads.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nock from 'nock';
import request from 'supertest';
import { compileValidators } from '../../src/cds-hooks/schemas.js';
import { loadServiceRegistry } from '../../src/cds-hooks/service-registry.js';
import { PACKAGE_ROOT } from '../../src/config.js';
import { builtInValueSets } from '../../src/fhir/value-sets.js';
import { searchset } from '../fhir/fixture.js';
import { HAND_WRITTEN_IMAGING_CODES, HAND_WRITTEN_OBSERVATION_CODES } from '../helpers/hand-written-codes.js';
import { nullPrefetch, ORDER_KEYS, orderSelectRequest } from '../helpers/requests.js';
import { onlyLoopbackAndInterceptors } from '../helpers/nock-loopback.js';
import { tempDir, testService } from '../helpers/service.js';

const TODAY = '2026-03-15';
const now = () => new Date(`${TODAY}T12:00:00Z`);
const FHIR = 'http://fhir.test';
const BASE = `${FHIR}/r4`;

const SITE_LAB = { system: 'http://acme.example/lab', code: 'TBIL-7' };
/** A code with characters that mean something in a search or a URL: `,` separates values, `&` parameters, `+` a space. */
const AWKWARD_LAB = { system: 'http://acme.example/lab', code: 'K+&3,a' };
const SITE_CT = { system: 'http://acme.example/rad', code: 'CT-LIVER-3PH' };

function siteValueSetFile(): string {
  const file = join(tempDir(), 'site-value-sets.json');
  writeFileSync(file, JSON.stringify({ labs: { bilirubin: [SITE_LAB], albumin: [AWKWARD_LAB] }, imaging: { ct: [SITE_CT] } }));
  return file;
}

const bilirubin = {
  resourceType: 'Observation',
  id: 'site-bili',
  status: 'final',
  code: { coding: [SITE_LAB] },
  subject: { reference: 'Patient/p1' },
  effectiveDateTime: '2026-03-14',
  valueQuantity: { value: 3.4, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' },
};
const tace = {
  resourceType: 'Procedure',
  id: 'tace-old',
  status: 'completed',
  code: { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: '37243' }] },
  subject: { reference: 'Patient/p1' },
  performedDateTime: '2026-01-05',
};
const siteCt = {
  resourceType: 'DiagnosticReport',
  id: 'site-ct',
  status: 'final',
  code: { coding: [SITE_CT] },
  subject: { reference: 'Patient/p1' },
  effectiveDateTime: '2026-02-20',
};

const ruleIds = (res: request.Response): string[] => (res.body.cards as { source: { topic: { code: string } } }[]).map((card) => card.source.topic.code).sort();

describe('the built-in value sets give the queries the templates spelled out by hand', () => {
  it('labs and imaging expand to exactly the hand-written lists', () => {
    expect(builtInValueSets().searchQueries().labs).toBe(HAND_WRITTEN_OBSERVATION_CODES);
    expect(builtInValueSets().searchQueries().imaging).toBe(HAND_WRITTEN_IMAGING_CODES);
  });

  it('every service of hooks/ publishes the same templates as before', () => {
    const registry = loadServiceRegistry(join(PACKAGE_ROOT, 'hooks'), compileValidators());
    for (const service of registry.services) {
      expect(service.prefetch.observations).toBe(`Observation?patient={{context.patientId}}&code=${HAND_WRITTEN_OBSERVATION_CODES}&_sort=-date&_count=200`);
      expect(service.prefetch.imagingReports).toBe(`DiagnosticReport?patient={{context.patientId}}&code=${HAND_WRITTEN_IMAGING_CODES}&_sort=-date&_count=100`);
      expect(JSON.stringify(service.prefetch)).not.toContain('valueset:');
    }
  });

  it('an unknown value set name stops start-up naming the file and the key', async () => {
    const dir = tempDir();
    const definition = JSON.parse(JSON.stringify(loadServiceRegistry(join(PACKAGE_ROOT, 'hooks'), compileValidators()).services[0]));
    delete definition.file;
    definition.prefetch.observations = 'Observation?patient={{context.patientId}}&code={{valueset:labz}}';
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(definition));
    await expect(testService({ HOOKS_DIR: dir })).rejects.toThrow(/HOOKS_DIR .*bad\.json: prefetch\.observations: \{\{valueset:labz\}\} names no value set with codes \(known: labs, imaging\)/);
  });
});

describe('a code added through VALUE_SET_FILE', () => {
  let site: Awaited<ReturnType<typeof testService>>;
  let builtIn: Awaited<ReturnType<typeof testService>>;
  beforeAll(async () => {
    site = await testService({ VALUE_SET_FILE: siteValueSetFile(), FHIR_TIMEOUT_MS: '500' }, { now });
    builtIn = await testService({ FHIR_TIMEOUT_MS: '500' }, { now });
  });
  afterAll(async () => {
    await site.close();
    await builtIn.close();
  });
  onlyLoopbackAndInterceptors();

  it('is in the discovery templates, escaped where a search or a URL would misread it', async () => {
    const res = await request(site.app).get('/cds-services').expect(200);
    for (const service of res.body.services as { prefetch: Record<string, string> }[]) {
      const observations = new URL(`${BASE}/${service.prefetch.observations}`).searchParams.get('code')!.split(/(?<!\\),/);
      expect(observations.slice(0, 47).join(',')).toBe(HAND_WRITTEN_OBSERVATION_CODES);
      expect(observations).toContain(`${SITE_LAB.system}|${SITE_LAB.code}`);
      expect(observations).toContain(`${AWKWARD_LAB.system}|K+&3\\,a`);
      expect(service.prefetch.observations).toContain('K%2B%263%5C%2Ca');
      expect(service.prefetch.imagingReports).toContain(`${SITE_CT.system}|${SITE_CT.code}`);
    }
  });

  it('is asked for on the FHIR road and its result is used: the same card as by prefetch', async () => {
    let observationQuery: string | null = null;
    nock(FHIR)
      .get((path) => path.startsWith('/r4/Observation?'))
      .reply(200, (path) => {
        observationQuery = new URL(path, FHIR).searchParams.get('code');
        return searchset([bilirubin as fhir4.FhirResource]);
      });
    const prefetch: Record<string, unknown> = nullPrefetch(ORDER_KEYS);
    delete prefetch.observations;
    const byServer = await request(site.app).post('/cds-services/hcc-tace-order-select').send(orderSelectRequest({ fhirServer: BASE, prefetch })).expect(200);
    expect(observationQuery).toContain(`${SITE_LAB.system}|${SITE_LAB.code}`);
    expect(ruleIds(byServer)).toContain('TACE-BILI-HIGH');

    const byPrefetch = await request(site.app)
      .post('/cds-services/hcc-tace-order-select')
      .send(orderSelectRequest({ prefetch: { ...nullPrefetch(ORDER_KEYS), observations: searchset([bilirubin as fhir4.FhirResource]) } }))
      .expect(200);
    expect(ruleIds(byPrefetch)).toEqual(ruleIds(byServer));
  });

  it('an imaging code of the site counts as response imaging on both roads (without it, re-imaging is asked for)', async () => {
    const prefetch = { ...nullPrefetch(ORDER_KEYS), procedures: searchset([tace as fhir4.FhirResource]), imagingReports: searchset([siteCt as fhir4.FhirResource]) };
    const send = (service: typeof site, body: unknown) => request(service.app).post('/cds-services/hcc-tace-order-select').send(body as object).expect(200);
    expect(ruleIds(await send(builtIn, orderSelectRequest({ prefetch })))).toContain('TACE-REIMAGE');
    expect(ruleIds(await send(site, orderSelectRequest({ prefetch })))).not.toContain('TACE-REIMAGE');

    let reportQuery: string | null = null;
    nock(FHIR)
      .get((path) => path.startsWith('/r4/DiagnosticReport?'))
      .reply(200, (path) => {
        reportQuery = new URL(path, FHIR).searchParams.get('code');
        return searchset([siteCt as fhir4.FhirResource]);
      });
    const { imagingReports: _fetched, ...rest } = prefetch;
    const byServer = await send(site, orderSelectRequest({ fhirServer: BASE, prefetch: rest }));
    expect(reportQuery).toContain(`${SITE_CT.system}|${SITE_CT.code}`);
    expect(ruleIds(byServer)).not.toContain('TACE-REIMAGE');
    expect(ruleIds(byServer)).toEqual(ruleIds(await send(site, orderSelectRequest({ prefetch }))));
  });
});
