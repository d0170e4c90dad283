/**
 * A discovery URL typed with a trailing slash (`http://host/cds-services/`) makes clients call
 * `/cds-services//{id}`. The service serves repeated slashes as the single-slash path, and with client JWTs on,
 * accepts `aud` both as the URL the client called and as the normalised one (CDS Hooks 2.0: `aud` "MUST be the URL
 * of the CDS Service endpoint being invoked").
 */
import request from 'supertest';
import { collapseRepeatedSlashes } from '../../src/http/repeated-slashes.js';
import { authFailures, signToken, testKey, writeClientsFile, type TestKey } from '../auth/jwt-helpers.js';
import { testService } from '../helpers/service.js';
import { validFeedback, validRequest } from '../fuzz/valid-requests.js';

const BASE = 'https://cds.example.org';
const EHR = 'https://ehr.example.org';

type Service = Awaited<ReturnType<typeof testService>>;

const ruleIds = (body: { cards: { source: { topic: { code: string } } }[] }): string[] => body.cards.map((card) => card.source.topic.code).sort();

describe('collapseRepeatedSlashes', () => {
  it('collapses the path only, never the query', () => {
    expect(collapseRepeatedSlashes('/cds-services//hcc-patient-view')).toBe('/cds-services/hcc-patient-view');
    expect(collapseRepeatedSlashes('//cds-services///x//feedback')).toBe('/cds-services/x/feedback');
    expect(collapseRepeatedSlashes('/a//b?next=http://x//y')).toBe('/a/b?next=http://x//y');
    expect(collapseRepeatedSlashes('/cds-services?x=//')).toBe('/cds-services?x=//');
  });
});

describe('repeated slashes, no client authentication', () => {
  let service: Service;
  beforeAll(async () => {
    service = await testService();
  });
  afterAll(async () => {
    await service.close();
  });

  it('a hook call to /cds-services//{id} gets the same cards as /cds-services/{id}, not a 404', async () => {
    const single = await request(service.app).post('/cds-services/hcc-patient-view').send(validRequest('hcc-patient-view')).expect(200);
    expect(single.body.cards.length).toBeGreaterThan(0);
    const doubled = await request(service.app).post('/cds-services//hcc-patient-view').send(validRequest('hcc-patient-view'));
    expect(doubled.status).toBe(200);
    expect(ruleIds(doubled.body)).toEqual(ruleIds(single.body));
  });

  it('discovery, feedback and the 405 for a wrong method see the single-slash path too', async () => {
    const discovery = await request(service.app).get('//cds-services').expect(200);
    expect(discovery.body.services.length).toBeGreaterThan(0);
    await request(service.app).post('/cds-services//hcc-patient-view//feedback').send(validFeedback()).expect(200, {});
    const wrong = await request(service.app).get('/cds-services//hcc-patient-view');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('POST, OPTIONS');
    const preflight = await request(service.app).options('/cds-services//hcc-patient-view').set('Origin', 'https://sandbox.cds-hooks.org').set('Access-Control-Request-Method', 'POST');
    expect(preflight.status).toBe(204);
  });
});

describe('repeated slashes with client JWTs: aud as called or as normalised', () => {
  let service: Service;
  let key: TestKey;
  beforeAll(async () => {
    key = await testKey('ES384', 'ehr-es384');
    service = await testService({ CDS_CLIENTS_FILE: writeClientsFile({ clients: [{ iss: EHR, jwks: { keys: [key.publicJwk] } }] }), PUBLIC_BASE_URL: BASE });
  });
  afterAll(async () => {
    await service.close();
  });

  const call = async (path: string, aud: string) =>
    request(service.app).post(path).set('Authorization', `Bearer ${await signToken(key, { iss: EHR, aud })}`).send(validRequest('hcc-patient-view'));

  it('accepts aud = the URL the client called (with //) and aud = the normalised URL', async () => {
    expect((await call('/cds-services//hcc-patient-view', `${BASE}/cds-services//hcc-patient-view`)).status).toBe(200);
    expect((await call('/cds-services//hcc-patient-view', `${BASE}/cds-services/hcc-patient-view`)).status).toBe(200);
    expect((await call('/cds-services/hcc-patient-view', `${BASE}/cds-services/hcc-patient-view`)).status).toBe(200);
  });

  it('still refuses an aud naming another endpoint or another host', async () => {
    const before = await authFailures(service);
    expect((await call('/cds-services//hcc-patient-view', `${BASE}/cds-services//hcc-tace-order-sign`)).status).toBe(401);
    expect((await call('/cds-services//hcc-patient-view', `${BASE}/cds-services`)).status).toBe(401);
    expect((await call('/cds-services//hcc-patient-view', `https://other.example.org/cds-services//hcc-patient-view`)).status).toBe(401);
    expect((await authFailures(service))['aud-mismatch']).toBe((before['aud-mismatch'] ?? 0) + 3);
  });
});
