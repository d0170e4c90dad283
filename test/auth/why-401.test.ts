/**
 * README "Why is every call 401?": each usual mismatch between what a client signs and what the service expects gives
 * the same bare 401, and its reason is findable in the request log line (`authFailure`) and in the metric
 * `hcc_cds_auth_failures_total{reason}`, whose label values come from a fixed list.
 */
import { Writable } from 'node:stream';
import request from 'supertest';
import { AUTH_FAILURE_REASONS } from '../../src/auth/jwt-authenticator.js';
import { composeService, type ComposedService } from '../../src/compose.js';
import { createLogger } from '../../src/http/logger.js';
import { validRequest } from '../fuzz/valid-requests.js';
import { testConfig } from '../helpers/service.js';
import { nowSec, signToken, testKey, UNAUTHORIZED_BODY, writeClientsFile, type TestKey, type TokenOptions } from './jwt-helpers.js';

const PUBLIC_BASE_URL = 'http://localhost:3000';
const EHR = 'https://ehr.example.org';
const PATH = '/cds-services/hcc-patient-view';

let key: TestKey;
let service: ComposedService;
const lines: string[] = [];

beforeAll(async () => {
  key = await testKey('ES384', 'ehr-key-1');
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const config = testConfig({ CDS_CLIENTS_FILE: writeClientsFile({ clients: [{ iss: EHR, jwks: { keys: [key.publicJwk] } }] }), PUBLIC_BASE_URL });
  service = await composeService(config, createLogger('info', sink), { defaultMetrics: false });
});

afterAll(async () => {
  await service.close();
});

const token = (options: Partial<TokenOptions>): Promise<string> => signToken(key, { iss: EHR, aud: `${PUBLIC_BASE_URL}${PATH}`, ...options });

async function call(bearer: string, path = PATH): Promise<request.Response> {
  return request(service.app).post(path).set('Authorization', `Bearer ${bearer}`).send(validRequest('hcc-patient-view'));
}

function lastRequestLine(): Record<string, unknown> {
  const requestLines = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg === 'request');
  return requestLines[requestLines.length - 1] as Record<string, unknown>;
}

async function metricValue(reason: string): Promise<number> {
  const text = (await request(service.app).get('/metrics').expect(200)).text;
  const match = new RegExp(`^hcc_cds_auth_failures_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}

describe('why is every call 401: the usual mismatches, each findable by its reason', () => {
  const cases: [string, string, () => Promise<string>][] = [
    ['127.0.0.1 entered in the client, PUBLIC_BASE_URL says localhost', 'aud-mismatch', () => token({ aud: `http://127.0.0.1:3000${PATH}` })],
    ['https in the client, http in PUBLIC_BASE_URL (or behind a TLS proxy the other way round)', 'aud-mismatch', () => token({ aud: `https://localhost:3000${PATH}` })],
    ['another port (a proxy on 8080)', 'aud-mismatch', () => token({ aud: `http://localhost:8080${PATH}` })],
    ['the client clock runs 2 minutes ahead', 'iat-in-future', () => token({ iat: nowSec() + 120 })],
    ['the client clock runs behind: the token has already expired', 'expired', () => token({ iat: nowSec() - 400, exp: nowSec() - 10 })],
    ['iss not listed (differs by a trailing slash)', 'unknown-iss', () => token({ iss: `${EHR}/` })],
    ['kid not found (the client rotated its key)', 'unknown-kid', () => token({ kid: 'ehr-key-2' })],
  ];

  it.each(cases)('%s: bare 401, log authFailure and metric reason "%s"', async (_name, reason, makeToken) => {
    const before = await metricValue(reason);
    const res = await call(await makeToken());
    expect(res.status).toBe(401);
    expect(res.body).toEqual(UNAUTHORIZED_BODY);
    expect(lastRequestLine()).toMatchObject({ route: 'service', status: 401, authFailure: reason });
    expect(await metricValue(reason)).toBe(before + 1);
  });

  it('a replayed token (the same jti twice): the second call is refused as replayed-jti', async () => {
    const once = await token({});
    expect((await call(once)).status).toBe(200);
    expect(lastRequestLine().authFailure).toBeUndefined();
    const before = await metricValue('replayed-jti');
    const again = await call(once);
    expect(again.status).toBe(401);
    expect(again.body).toEqual(UNAUTHORIZED_BODY);
    expect(lastRequestLine()).toMatchObject({ status: 401, authFailure: 'replayed-jti' });
    expect(await metricValue('replayed-jti')).toBe(before + 1);
  });

  it('not mismatches: a trailing slash on aud, and // in the path called', async () => {
    expect((await call(await token({ aud: `${PUBLIC_BASE_URL}${PATH}/` }))).status).toBe(200);
    expect((await call(await token({ aud: `${PUBLIC_BASE_URL}/cds-services//hcc-patient-view` }), '/cds-services//hcc-patient-view')).status).toBe(200);
  });

  it('the reason label only takes values from the fixed list, whatever the caller sends', async () => {
    await call(`${'x'.repeat(20)}.${'y'.repeat(20)}.z`);
    await call(await token({ iss: 'https://evil.example.org/"} 1\nhcc_injected 1', aud: 'anything' }));
    const text = (await request(service.app).get('/metrics').expect(200)).text;
    const reasons = [...text.matchAll(/^hcc_cds_auth_failures_total\{reason="([^"]*)"\}/gm)].map((match) => match[1]);
    expect(reasons.length).toBeGreaterThan(0);
    for (const reason of reasons) expect(AUTH_FAILURE_REASONS).toContain(reason);
    expect(text).not.toContain('hcc_injected');
  });
});
