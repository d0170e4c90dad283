/**
 * One client cannot lock out the others (hardening item 9): the JWT replay store is partitioned per `iss` with a
 * per-issuer quota (JWT_REPLAY_QUOTA_PER_ISSUER); the client over its quota alone gets 401s, others keep working;
 * the accepted token lifetime is 5 minutes by default (JWT_MAX_LIFETIME_SEC) so entries drain; the refusals are an
 * alertable metric. Real HTTP with signed tokens.
 */
import request from 'supertest';
import type { ComposedService } from '../../src/compose.js';
import { testService } from '../helpers/service.js';
import { authFailures, nowSec, signToken, testKey, writeClientsFile, type TestKey } from './jwt-helpers.js';

const BASE = 'https://cds.example.org';
const FLOODER = 'https://sandbox.example.org';
const EHR = 'https://ehr.example.org';
const DISCOVERY = '/cds-services';
const QUOTA = 5;

let flooderKey: TestKey;
let ehrKey: TestKey;
let clientsFile: string;
const services: ComposedService[] = [];

beforeAll(async () => {
  [flooderKey, ehrKey] = await Promise.all([testKey('ES384', 'public-key'), testKey('ES384', 'ehr-key')]);
  clientsFile = writeClientsFile({ clients: [{ iss: FLOODER, jwks: { keys: [flooderKey.publicJwk] } }, { iss: EHR, jwks: { keys: [ehrKey.publicJwk] } }] });
});
afterAll(async () => {
  for (const service of services) await service.close();
});

async function serviceWith(env: Record<string, string> = {}): Promise<ComposedService> {
  const service = await testService({ CDS_CLIENTS_FILE: clientsFile, PUBLIC_BASE_URL: BASE, ...env });
  services.push(service);
  return service;
}

const discovery = async (service: ComposedService, key: TestKey, iss: string, claims: { exp?: number } = {}) =>
  request(service.app).get(DISCOVERY).set('Authorization', `Bearer ${await signToken(key, { iss, aud: BASE + DISCOVERY, ...claims })}`);

describe('the JWT replay store, per issuer', () => {
  it('refuses only the client over its quota; another client\'s valid tokens still pass', async () => {
    const service = await serviceWith({ JWT_REPLAY_QUOTA_PER_ISSUER: String(QUOTA) });
    for (let i = 0; i < QUOTA; i += 1) expect((await discovery(service, flooderKey, FLOODER)).status).toBe(200);
    const refused = await discovery(service, flooderKey, FLOODER);
    expect(refused.status).toBe(401);
    expect(refused.body.issue[0].diagnostics).toBe('unauthorized');
    expect((await authFailures(service))['replay-quota-exceeded']).toBe(1);
    // The other registered client is not locked out: its own quota is whole (a shared store would have been full).
    for (let i = 0; i < QUOTA; i += 1) expect((await discovery(service, ehrKey, EHR)).status).toBe(200);
    expect((await discovery(service, flooderKey, FLOODER)).status).toBe(401);

    const metrics = (await request(service.app).get('/metrics').expect(200)).text;
    expect(metrics).toContain(`hcc_cds_jwt_replay_over_quota_total{issuer="${FLOODER}"} 2`);
    expect(metrics).toContain(`hcc_cds_jwt_replay_entries{issuer="${FLOODER}"} ${QUOTA}`);
    expect(metrics).toContain(`hcc_cds_jwt_replay_entries{issuer="${EHR}"} ${QUOTA}`);
  });

  it('accepts tokens of at most 5 minutes by default, so remembered ids drain within minutes', async () => {
    const service = await serviceWith();
    expect((await discovery(service, ehrKey, EHR, { exp: nowSec() + 300 })).status).toBe(200);
    const before = (await authFailures(service))['exp-too-far'] ?? 0;
    expect((await discovery(service, ehrKey, EHR, { exp: nowSec() + 600 })).status).toBe(401);
    expect((await authFailures(service))['exp-too-far']).toBe(before + 1);
  });

  it('JWT_MAX_LIFETIME_SEC lets a site accept longer tokens, up to the spec\'s hour', async () => {
    const service = await serviceWith({ JWT_MAX_LIFETIME_SEC: '900' });
    expect((await discovery(service, ehrKey, EHR, { exp: nowSec() + 600 })).status).toBe(200);
    await expect(serviceWith({ JWT_MAX_LIFETIME_SEC: '7200' })).rejects.toThrow(/JWT_MAX_LIFETIME_SEC must be at most 3600/);
  });
});
