import nock from 'nock';
import request from 'supertest';
import type { ComposedService } from '../../src/compose.js';
import { testService } from '../helpers/service.js';
import { authFailures, signToken, testKey, writeClientsFile, type TestKey } from './jwt-helpers.js';

const BASE = 'https://cds.example.org';
const DISCOVERY = '/cds-services';
const EPIC = 'https://fhir.epic.example.org';
const JKU = `${EPIC}/interconnect/api/epic/2019/Security/Open/PublicKeys/jwks`;
const JKU_PATH = new URL(JKU).pathname;

let k1: TestKey;
let k2: TestKey;
let k3: TestKey;
let service: ComposedService | undefined;
const unmatched: string[] = [];
/** Outbound requests nock had no interceptor for (loopback supertest traffic passes through and is ignored). */
const onNoMatch = (req: { href?: string; path?: string; url?: string }): void => {
  const target = String(req.href ?? req.url ?? req.path);
  if (!/^https?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(target)) unmatched.push(target);
};

beforeAll(async () => {
  [k1, k2, k3] = await Promise.all([testKey('RS384', 'epic-2024'), testKey('RS384', 'epic-2025'), testKey('RS384', 'epic-unknown')]);
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  nock.emitter.on('no match', onNoMatch);
});

afterEach(async () => {
  await service?.close();
  service = undefined;
  nock.cleanAll();
  unmatched.length = 0;
});

afterAll(() => {
  nock.emitter.removeListener('no match', onNoMatch);
  nock.enableNetConnect();
});

async function epicService(cooldownMs: number, extra: Record<string, unknown> = {}): Promise<ComposedService> {
  const file = writeClientsFile({ clients: [{ iss: EPIC, jku: JKU, algs: ['RS384'], ...extra }] });
  service = await testService({ CDS_CLIENTS_FILE: file, PUBLIC_BASE_URL: BASE }, { authOptions: { jwksCooldownMs: cooldownMs, jwksTimeoutMs: 300 } });
  return service;
}

const call = async (svc: ComposedService, key: TestKey, jku: string | undefined = JKU): Promise<number> => {
  const token = await signToken(key, { iss: EPIC, aud: BASE + DISCOVERY, ...(jku ? { jku } : {}) });
  return (await request(svc.app).get(DISCOVERY).set('Authorization', `Bearer ${token}`)).status;
};

describe('jku configured for the issuer (Epic-style RS384)', () => {
  it('fetches the key set from the configured URL once, then answers from the cache', async () => {
    const svc = await epicService(30_000);
    const scope = nock(EPIC).get(JKU_PATH).once().reply(200, { keys: [k1.publicJwk] });
    expect(await call(svc, k1)).toBe(200);
    expect(scope.isDone()).toBe(true);
    expect(await call(svc, k1)).toBe(200);
    expect(await call(svc, k1, undefined)).toBe(200); // no jku header: the configured URL's keys are used
    expect(unmatched).toEqual([]);
  });

  it('an unknown kid refetches at most once per cool-down', async () => {
    const svc = await epicService(300);
    const first = nock(EPIC).get(JKU_PATH).once().reply(200, { keys: [k1.publicJwk] });
    expect(await call(svc, k1)).toBe(200);
    expect(first.isDone()).toBe(true);
    // Key rotated at the EHR, but we are inside the cool-down: no fetch, 401.
    const rotated = nock(EPIC).get(JKU_PATH).once().reply(200, { keys: [k1.publicJwk, k2.publicJwk] });
    expect(await call(svc, k2)).toBe(401);
    expect(rotated.isDone()).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 350));
    // Cool-down over: the unknown kid triggers exactly one refetch, which finds the new key.
    expect(await call(svc, k2)).toBe(200);
    expect(rotated.isDone()).toBe(true);
    // Another unknown kid right after: no fetch (nothing is intercepted, and nothing unmatched was attempted).
    expect(await call(svc, k3)).toBe(401);
    expect(unmatched).toEqual([]);
    expect((await authFailures(svc))['unknown-kid']).toBe(2);
  });

  it('a jku header other than the configured URL is refused without any fetch', async () => {
    const svc = await epicService(30_000);
    const configured = nock(EPIC).get(JKU_PATH).reply(200, { keys: [k1.publicJwk] });
    const attacker = nock('https://attacker.example.org').get('/jwks').reply(200, { keys: [k1.publicJwk] });
    expect(await call(svc, k1, 'https://attacker.example.org/jwks')).toBe(401);
    expect(await call(svc, k1, `${JKU}?x=1`)).toBe(401);
    expect(configured.isDone()).toBe(false);
    expect(attacker.isDone()).toBe(false);
    expect(unmatched).toEqual([]);
    expect((await authFailures(svc))['jku-not-allowed']).toBe(2);
  });

  it('a key set URL that does not answer in time: 401 (jwks-timeout), never a hang', async () => {
    const svc = await epicService(30_000);
    nock(EPIC).get(JKU_PATH).delay(900).reply(200, { keys: [k1.publicJwk] });
    const started = Date.now();
    expect(await call(svc, k1)).toBe(401);
    expect(Date.now() - started).toBeLessThan(800);
    expect((await authFailures(svc))['jwks-timeout']).toBe(1);
  });

  it('a key set URL answering 500 or garbage: 401 (jwks-unavailable)', async () => {
    const svc = await epicService(0);
    nock(EPIC).get(JKU_PATH).reply(500, 'oops');
    expect(await call(svc, k1)).toBe(401);
    nock(EPIC).get(JKU_PATH).reply(200, '<html>');
    expect(await call(svc, k1)).toBe(401);
    expect((await authFailures(svc))['jwks-unavailable']).toBe(2);
  });
});
