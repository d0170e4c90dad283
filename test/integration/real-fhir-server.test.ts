/**
 * The FHIR-server road against a real FHIR R4 server (Medplum's engine on loopback, tests/demo only):
 * every fixture loaded with the fixture loader (zero rejected), then every fixture on every hook with NO prefetch,
 * checked against the manifest exactly as the prefetch road is; and the PatientRecord of each road compared.
 */
import request from 'supertest';
import { calendarDate } from '../../src/common/calendar.js';
import { compileValidators } from '../../src/cds-hooks/schemas.js';
import { loadServiceRegistry } from '../../src/cds-hooks/service-registry.js';
import { PACKAGE_ROOT } from '../../src/config.js';
import { startFhirServer } from '../../dev/fhir-server/fhir-server.js';
import { loadFixtures } from '../../dev/fhir-server/fixture-loader.js';
import { PatientRecordBuilder } from '../../src/fhir/build-record.js';
import { createDataSettings } from '../../src/fhir/data-settings.js';
import { FhirDataResolver } from '../../src/cds-hooks/prefetch/resolve.js';
import { builtInValueSets } from '../../src/fhir/value-sets.js';
import { FIXTURES_DIR, fixtureHookRequest, loadFixture, loadManifest } from '../../dev/fixtures/fixtures.js';
import { cardTextProblems } from '../helpers/card-text.js';
import { expectManifestCards, HOOKS, SERVICE_IDS } from '../helpers/manifest-check.js';
import { testService } from '../helpers/service.js';
import { join } from 'node:path';

const NOW = new Date();
const TODAY = calendarDate(NOW, 'UTC');
const manifest = loadManifest();
const registry = loadServiceRegistry(join(PACKAGE_ROOT, 'hooks'), compileValidators());

let fhir: Awaited<ReturnType<typeof startFhirServer>>;
let service: Awaited<ReturnType<typeof testService>>;

beforeAll(async () => {
  fhir = await startFhirServer({});
  const report = await loadFixtures({ fhirBaseUrl: fhir.baseUrl, fixturesDir: FIXTURES_DIR, today: TODAY });
  expect(report.rejected).toEqual([]);
  expect(report.ok).toBe(true);
  service = await testService({}, { now: () => NOW });
});
afterAll(async () => {
  await service?.close();
  await fhir?.close();
});

describe('every fixture on the FHIR-server road (no prefetch) against a real FHIR server', () => {
  const cases = manifest.fixtures.flatMap((f) => HOOKS.map((hook) => [f.name, hook, f] as const));
  it.each(cases)('%s on %s', async (_name, hook, fixture) => {
    const definition = registry.services.find((s) => s.id === SERVICE_IDS[hook])!;
    const body = { ...fixtureHookRequest(fixture, hook, definition.prefetch), fhirServer: fhir.baseUrl };
    const res = await request(service.app).post(`/cds-services/${SERVICE_IDS[hook]}`).send(body).expect(200);
    expectManifestCards(res.body.cards, fixture, hook);
    expect(res.body.cards.flatMap(cardTextProblems)).toEqual([]);
  });
});

describe('both roads give the same PatientRecord', () => {
  const resolver = new FhirDataResolver({ fhirTimeoutMs: 5000, hookDeadlineMs: 10000, fhirMaxPages: 10, fhirMaxResources: 5000, fhirMaxResponseBytes: 16 * 1024 * 1024, fhirServerAllowlist: [], production: false });
  const builder = new PatientRecordBuilder(builtInValueSets(), createDataSettings(), 'UTC');
  const patientView = registry.services.find((s) => s.hook === 'patient-view')!;

  it.each(manifest.fixtures.map((f) => [f.name, f] as const))('%s', async (_name, fixture) => {
    const withPrefetch = fixtureHookRequest(fixture, 'patient-view', patientView.prefetch, loadFixture(fixture.name, TODAY));
    const viaServer = { ...fixtureHookRequest(fixture, 'patient-view', patientView.prefetch), fhirServer: fhir.baseUrl };
    const options = { today: TODAY, patientId: fixture.patientId };
    const fromPrefetch = builder.build(await resolver.resolve(patientView, withPrefetch, AbortSignal.timeout(10000)), options);
    const serverData = await resolver.resolve(patientView, viaServer, AbortSignal.timeout(10000));
    expect(serverData.fhirRequests).toBe(Object.keys(patientView.prefetch).length);
    expect(builder.build(serverData, options)).toEqual(fromPrefetch);
  });
});

describe('the FHIR-server road, edges', () => {
  it('sends the fhirAuthorization token to the real server and still answers', async () => {
    const fixture = manifest.fixtures.find((f) => f.name === 'tace-cpc')!;
    const definition = registry.services.find((s) => s.hook === 'order-sign')!;
    const body = {
      ...fixtureHookRequest(fixture, 'order-sign', definition.prefetch),
      fhirServer: fhir.baseUrl,
      fhirAuthorization: { access_token: 'opaque-test-token', token_type: 'Bearer', expires_in: 300, scope: 'user/*.read', subject: 'hcc-cds' },
    };
    const res = await request(service.app).post('/cds-services/hcc-tace-order-sign').send(body).expect(200);
    expectManifestCards(res.body.cards, fixture, 'order-sign');
  });

  it('gives 412 within the timeout when the FHIR server is not there', async () => {
    const quick = await testService({ FHIR_TIMEOUT_MS: '500' });
    const fixture = manifest.fixtures.find((f) => f.name === 'surv-overdue')!;
    const body = { ...fixtureHookRequest(fixture, 'patient-view', registry.services.find((s) => s.hook === 'patient-view')!.prefetch), fhirServer: 'http://127.0.0.1:9/fhir' };
    const started = Date.now();
    const res = await request(quick.app).post('/cds-services/hcc-patient-view').send(body).expect(412);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(res.body.resourceType).toBe('OperationOutcome');
    await quick.close();
  });
});
