import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import nock from 'nock';
import request from 'supertest';
import { composeService, type ComposedService } from '../../src/compose.js';
import { createLogger } from '../../src/http/logger.js';
import { testConfig, testService } from '../helpers/service.js';
import { validFeedback, validRequest } from '../fuzz/valid-requests.js';
import { authFailures, hmacToken, nowSec, signToken, testKey, unsignedToken, UNAUTHORIZED_BODY, writeClientsFile, type TestKey } from './jwt-helpers.js';

const BASE = 'https://cds.example.org';
const EHR = 'https://ehr.example.org';
const RS_EHR = 'https://rs.example.org';
const TENANT_EHR = 'https://tenant.example.org';
const SPEC_ISS = 'https://fhir-ehr.example.com/';
const SANDBOX_ISS = 'https://sandbox.cds-hooks.org';
const DISCOVERY = '/cds-services';
const SERVICE = '/cds-services/hcc-patient-view';
const FEEDBACK = '/cds-services/hcc-patient-view/feedback';

const vector = (name: string): string => readFileSync(new URL(`./vectors/${name}`, import.meta.url), 'utf8');

let es: TestKey;
let rs: TestKey;
let evil: TestKey;
let tenantKey: TestKey;
let service: ComposedService;
let clientsFile: string;

beforeAll(async () => {
  [es, rs, evil, tenantKey] = await Promise.all([testKey('ES384', 'ehr-es384'), testKey('RS384', 'ehr-rs384'), testKey('ES384', 'ehr-es384'), testKey('ES384', 'tenant-key')]);
  clientsFile = writeClientsFile({
    clients: [
      { iss: EHR, jwks: { keys: [es.publicJwk] } },
      { iss: RS_EHR, jwks: { keys: [rs.publicJwk] }, algs: ['RS384'] },
      { iss: TENANT_EHR, jwks: { keys: [tenantKey.publicJwk] }, tenant: 'org-1' },
      { iss: SPEC_ISS, jwks: JSON.parse(vector('spec-jwks-public.json')) },
      { iss: SANDBOX_ISS, jwks: JSON.parse(vector('sandbox-jwks.json')) },
    ],
  });
  service = await testService({ CDS_CLIENTS_FILE: clientsFile, PUBLIC_BASE_URL: BASE });
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
});

afterAll(async () => {
  await service.close();
  nock.cleanAll();
  nock.enableNetConnect();
});

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

async function expectUnauthorized(res: request.Response, reason: string, before: Record<string, number>): Promise<void> {
  expect(res.status).toBe(401);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body).toEqual(UNAUTHORIZED_BODY);
  expect(res.text).not.toContain(reason);
  const after = await authFailures(service);
  expect(after[reason] ?? 0).toBe((before[reason] ?? 0) + 1);
}

/** Sends a discovery call with `token` and asserts a bare 401 counted under `reason`. */
async function rejects(token: string | undefined, reason: string, path = DISCOVERY): Promise<void> {
  const before = await authFailures(service);
  const req = request(service.app).get(path);
  const res = await (token === undefined ? req : req.set('Authorization', token));
  await expectUnauthorized(res, reason, before);
}

describe('valid tokens pass', () => {
  it('ES384 on discovery, service and feedback, each with its own aud', async () => {
    await request(service.app).get(DISCOVERY).set(bearer(await signToken(es, { iss: EHR, aud: BASE + DISCOVERY }))).expect(200);
    const hook = await request(service.app).post(SERVICE).set(bearer(await signToken(es, { iss: EHR, aud: BASE + SERVICE }))).send(validRequest('hcc-patient-view'));
    expect(hook.status).toBe(200);
    expect(Array.isArray(hook.body.cards)).toBe(true);
    await request(service.app).post(FEEDBACK).set(bearer(await signToken(es, { iss: EHR, aud: BASE + FEEDBACK }))).send(validFeedback()).expect(200, {});
    const list = await request(service.app).get(FEEDBACK).set(bearer(await signToken(es, { iss: EHR, aud: BASE + FEEDBACK }))).expect(200);
    expect(list.body.feedback).toHaveLength(3);
  });

  it('RS384 on discovery, order-sign and feedback', async () => {
    await request(service.app).get(DISCOVERY).set(bearer(await signToken(rs, { iss: RS_EHR, aud: BASE + DISCOVERY }))).expect(200);
    const sign = '/cds-services/hcc-tace-order-sign';
    await request(service.app).post(sign).set(bearer(await signToken(rs, { iss: RS_EHR, aud: BASE + sign }))).send(validRequest('hcc-tace-order-sign')).expect(200);
    const fb = `${sign}/feedback`;
    await request(service.app).post(fb).set(bearer(await signToken(rs, { iss: RS_EHR, aud: BASE + fb }))).send(validFeedback()).expect(200, {});
  });

  it('aud as an array containing the endpoint, and with a trailing slash', async () => {
    await request(service.app).get(DISCOVERY).set(bearer(await signToken(es, { iss: EHR, aud: ['https://other.example.org/x', BASE + DISCOVERY] }))).expect(200);
    await request(service.app).get(DISCOVERY).set(bearer(await signToken(es, { iss: EHR, aud: `${BASE}${DISCOVERY}/` }))).expect(200);
    await request(service.app).get(`${DISCOVERY}/`).set(bearer(await signToken(es, { iss: EHR, aud: BASE + DISCOVERY }))).expect(200);
  });

  it('iat slightly in the future (within the 60 s clock skew) is accepted; exp a few seconds ahead too', async () => {
    await request(service.app).get(DISCOVERY).set(bearer(await signToken(es, { iss: EHR, aud: BASE + DISCOVERY, iat: nowSec() + 30 }))).expect(200);
    await request(service.app).get(DISCOVERY).set(bearer(await signToken(es, { iss: EHR, aud: BASE + DISCOVERY, exp: nowSec() + 5 }))).expect(200);
  });

  it('a token without typ passes (contract §5 does not require it); the other checks still apply', async () => {
    await request(service.app).get(DISCOVERY).set(bearer(await signToken(es, { iss: EHR, aud: BASE + DISCOVERY, typ: null }))).expect(200);
  });

  it('tenant equal to the configured one passes', async () => {
    await request(service.app).get(DISCOVERY).set(bearer(await signToken(tenantKey, { iss: TENANT_EHR, aud: BASE + DISCOVERY, tenant: 'org-1' }))).expect(200);
  });

  it('a static-key client may send a jku header (the Sandbox always does): it is never fetched, the configured keys verify', async () => {
    const scope = nock('https://jwks.example.org').get('/jwks.json').reply(200, { keys: [] });
    await request(service.app).get(DISCOVERY).set(bearer(await signToken(es, { iss: EHR, aud: BASE + DISCOVERY, jku: 'https://jwks.example.org/jwks.json' }))).expect(200);
    expect(scope.isDone()).toBe(false);
    nock.cleanAll();
  });

  it('the token can be used once per endpoint call only; a new jti each time passes', async () => {
    for (let i = 0; i < 3; i += 1) {
      await request(service.app).get(DISCOVERY).set(bearer(await signToken(es, { iss: EHR, aud: BASE + DISCOVERY }))).expect(200);
    }
  });
});

describe('invalid tokens fail with a bare 401', () => {
  const aud = BASE + DISCOVERY;

  it('no Authorization header', async () => rejects(undefined, 'missing-token'));
  it('malformed header "Bearer x.y"', async () => rejects('Bearer x.y', 'malformed-token'));
  it('not a Bearer scheme', async () => rejects(`Basic ${Buffer.from('a:b').toString('base64')}`, 'malformed-token'));
  it('garbage three-part token', async () => rejects('Bearer aaa.bbb.ccc', 'malformed-token'));

  it('alg none', async () => {
    await rejects(`Bearer ${unsignedToken({ alg: 'none', typ: 'JWT', kid: es.kid }, { iss: EHR, aud, exp: nowSec() + 300, iat: nowSec(), jti: 'n-1' })}`, 'alg-not-allowed');
  });

  it('HS256 (symmetric), even with a known kid', async () => rejects(`Bearer ${await hmacToken(es.kid, { iss: EHR, aud })}`, 'alg-not-allowed'));

  it('an alg the client is not allowed (RS client, ES384 token)', async () => {
    const esForRs = { ...es, kid: rs.kid };
    await rejects(`Bearer ${await signToken(esForRs, { iss: RS_EHR, aud })}`, 'alg-not-allowed');
  });

  it('typ not JWT', async () => rejects(`Bearer ${await signToken(es, { iss: EHR, aud, typ: 'at+jwt' })}`, 'typ-not-jwt'));

  it('expired (61 s past)', async () => rejects(`Bearer ${await signToken(es, { iss: EHR, aud, exp: nowSec() - 61 })}`, 'expired'));
  it('expired by 5 s: no grace on exp (contract §5: exp in the future)', async () => rejects(`Bearer ${await signToken(es, { iss: EHR, aud, exp: nowSec() - 5 })}`, 'expired'));
  it('exp missing', async () => rejects(`Bearer ${await signToken(es, { iss: EHR, aud, omit: ['exp'] })}`, 'claim-missing'));
  it('iat missing', async () => rejects(`Bearer ${await signToken(es, { iss: EHR, aud, omit: ['iat'] })}`, 'claim-missing'));
  it('jti missing', async () => rejects(`Bearer ${await signToken(es, { iss: EHR, aud, omit: ['jti'] })}`, 'claim-missing'));
  it('iat far in the future', async () => rejects(`Bearer ${await signToken(es, { iss: EHR, aud, iat: nowSec() + 600 })}`, 'iat-in-future'));
  it('exp more than an hour away', async () => rejects(`Bearer ${await signToken(es, { iss: EHR, aud, exp: nowSec() + 3600 + 120 })}`, 'exp-too-far'));

  it('wrong aud: another endpoint of ours, another host, missing', async () => {
    await rejects(`Bearer ${await signToken(es, { iss: EHR, aud: BASE + SERVICE })}`, 'aud-mismatch');
    await rejects(`Bearer ${await signToken(es, { iss: EHR, aud: `https://evil.example.org${DISCOVERY}` })}`, 'aud-mismatch');
    await rejects(`Bearer ${await signToken(es, { iss: EHR, aud: [] })}`, 'aud-mismatch');
    await rejects(`Bearer ${await signToken(es, { iss: EHR, aud, omit: ['aud'] })}`, 'claim-missing');
  });

  it('a service token is not accepted on the feedback endpoint (its own aud)', async () => {
    const before = await authFailures(service);
    const res = await request(service.app).post(FEEDBACK).set(bearer(await signToken(es, { iss: EHR, aud: BASE + SERVICE }))).send(validFeedback());
    await expectUnauthorized(res, 'aud-mismatch', before);
  });

  it('unknown iss', async () => rejects(`Bearer ${await signToken(evil, { iss: 'https://evil.example.org', aud })}`, 'unknown-iss'));
  it('unknown kid', async () => rejects(`Bearer ${await signToken(es, { iss: EHR, aud, kid: 'not-a-kid' })}`, 'unknown-kid'));
  it('kid missing', async () => rejects(`Bearer ${unsignedToken({ alg: 'ES384', typ: 'JWT' }, { iss: EHR, aud })}x`, 'kid-missing'));
  it('a forged signature (right kid, another key)', async () => rejects(`Bearer ${await signToken(evil, { iss: EHR, aud })}`, 'bad-signature'));

  it('replayed jti', async () => {
    const token = await signToken(es, { iss: EHR, aud, jti: 'replay-me' });
    await request(service.app).get(DISCOVERY).set(bearer(token)).expect(200);
    await rejects(`Bearer ${token}`, 'replayed-jti');
  });

  it('tenant different from the configured one, or missing', async () => {
    await rejects(`Bearer ${await signToken(tenantKey, { iss: TENANT_EHR, aud, tenant: 'org-2' })}`, 'tenant-mismatch');
    await rejects(`Bearer ${await signToken(tenantKey, { iss: TENANT_EHR, aud })}`, 'tenant-mismatch');
  });

  it("the spec's example compact JWT (exp 2015) is rejected as expired", async () => {
    const before = await authFailures(service);
    const res = await request(service.app).post('/cds-services/some-service').set('Authorization', `Bearer ${vector('spec-jwt-compact-example.txt').trim()}`).send({});
    await expectUnauthorized(res, 'expired', before);
  });

  it('a static-key client with a foreign jku and a foreign key: 401, and the jku is not fetched', async () => {
    const scope = nock('https://attacker.example.org').get('/jwks').reply(200, { keys: [evil.publicJwk] });
    await rejects(`Bearer ${await signToken(evil, { iss: EHR, aud, jku: 'https://attacker.example.org/jwks' })}`, 'bad-signature');
    expect(scope.isDone()).toBe(false);
    nock.cleanAll();
  });

  it('the 401 is the same bare body on service and feedback routes', async () => {
    const hook = await request(service.app).post(SERVICE).send(validRequest('hcc-patient-view'));
    expect(hook.status).toBe(401);
    expect(hook.body).toEqual(UNAUTHORIZED_BODY);
    const fb = await request(service.app).post(FEEDBACK).send(validFeedback());
    expect(fb.status).toBe(401);
    expect(fb.body).toEqual(UNAUTHORIZED_BODY);
    const list = await request(service.app).get(FEEDBACK);
    expect(list.status).toBe(401);
  });
});

describe('no token needed', () => {
  it('OPTIONS preflight on discovery, service and feedback', async () => {
    for (const path of [DISCOVERY, SERVICE, FEEDBACK]) {
      const res = await request(service.app).options(path).set('Origin', 'https://ehr.example.org').set('Access-Control-Request-Method', 'POST').set('Access-Control-Request-Headers', 'authorization,content-type');
      expect(res.status).toBeLessThan(300);
      expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toContain('authorization');
    }
  });

  it('/healthz and /metrics', async () => {
    await request(service.app).get('/healthz').expect(200);
    await request(service.app).get('/metrics').expect(200);
  });
});

describe('logs', () => {
  it('name the reason, never the token', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => { lines.push(String(chunk)); done(); } });
    const logged = await composeService(testConfig({ CDS_CLIENTS_FILE: clientsFile, PUBLIC_BASE_URL: BASE }), createLogger('debug', sink), { defaultMetrics: false });
    const token = await signToken(es, { iss: EHR, aud: BASE + SERVICE });
    await request(logged.app).get(DISCOVERY).set(bearer(token)).expect(401);
    await logged.close();
    const text = lines.join('');
    expect(text).toContain('aud-mismatch');
    expect(text).not.toContain(token);
    expect(text).not.toContain(token.split('.')[2]!);
  });
});
