/**
 * The outbound FHIR transport against a real loopback FHIR server, through the whole service over real HTTP:
 * bounded bodies (endless, steady, dripping streams; decompression bombs), the deadline stopping the body read,
 * the allow-list on normalised URLs, and no private addresses in production.
 */
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { getEventListeners } from 'node:events';
import { join } from 'node:path';
import request from 'supertest';
import { compileValidators } from '../../src/cds-hooks/schemas.js';
import { loadServiceRegistry, type ServiceDefinition } from '../../src/cds-hooks/service-registry.js';
import { PACKAGE_ROOT } from '../../src/config.js';
import { FhirTransport, FhirTransportError } from '../../src/fhir/fhir-transport.js';
import { isNonPublicAddress } from '../../src/fhir/outbound-policy.js';
import { FhirDataResolver } from '../../src/cds-hooks/prefetch/resolve.js';
import { serverProblem } from '../../src/fhir/outbound-policy.js';
import { bomb, eventually, startHostileFhir, type HostileFhir, type HostileShape } from '../helpers/hostile-fhir.js';
import { testService } from '../helpers/service.js';
import { startBuiltServer } from '../helpers/spawn-server.js';
import { startFlags } from '../../scripts/start-flags.js';

const TOKEN = 'secret-token-transport';
const CAP = 1024 * 1024;
const CONCURRENT = 10;

function hookBody(fhirServer: string, prefetch: Record<string, unknown> = {}) {
  return {
    hook: 'patient-view',
    hookInstance: 'd1577c69-dfbe-44ad-ba6d-3e05e953b2ea',
    context: { userId: 'Practitioner/u1', patientId: 'p1' },
    fhirServer,
    fhirAuthorization: { access_token: TOKEN, token_type: 'Bearer', expires_in: 300, scope: 'user/*.read', subject: 'hcc-cds' },
    prefetch,
  };
}

type Service = Awaited<ReturnType<typeof testService>>;
const post = (service: Service, payload: unknown) => request(service.app).post('/cds-services/hcc-patient-view').send(payload as object);

/** CONCURRENT hook calls at once; each answer with the time it took. */
async function concurrently(service: Service, fhirServer: string): Promise<{ status: number; body: any; ms: number }[]> {
  return Promise.all(
    Array.from({ length: CONCURRENT }, async () => {
      const started = performance.now();
      const res = await post(service, hookBody(fhirServer));
      return { status: res.status, body: res.body, ms: performance.now() - started };
    }),
  );
}

let fhir: HostileFhir | undefined;
afterEach(async () => {
  await fhir?.close();
  fhir = undefined;
});

/** CONCURRENT hook calls at once to the built service; each answer with the time it took. */
async function concurrentlyTo(baseUrl: string, fhirServer: string): Promise<{ status: number; body: any; ms: number }[]> {
  return Promise.all(
    Array.from({ length: CONCURRENT }, async () => {
      const started = performance.now();
      const res = await fetch(`${baseUrl}/cds-services/hcc-patient-view`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(hookBody(fhirServer)) });
      const body = await res.json();
      return { status: res.status, body, ms: performance.now() - started };
    }),
  );
}

/**
 * The built service in its own process with `npm start`'s Node flags, as in production: there (small young
 * generation, frequent GCs) fetch's abort was lost while a body kept arriving, which an in-process service did not
 * show. The streams go on for 6 s when nobody hangs up.
 */
describe('streams that keep arriving: the answer leaves by the deadline, 10 calls at once (built service)', () => {
  const run = async (env: Record<string, string>, shape: HostileShape) => {
    fhir = await startHostileFhir(shape);
    const server = await startBuiltServer({ NODE_ENV: 'test', LOG_LEVEL: 'info', FEEDBACK_DB: ':memory:', FHIR_MAX_RESPONSE_BYTES: String(CAP), ...env }, 10_000, startFlags());
    try {
      const answers = await concurrentlyTo(server.baseUrl, fhir.base);
      // Every hostile answer cut by the service (its socket destroyed), none read to its end, while it still runs.
      expect(await eventually(() => fhir!.open === 0)).toBe(true);
      expect(fhir.completed).toBe(0);
      return answers;
    } finally {
      await server.stop('SIGKILL');
    }
  };
  const expectCut = async (answers: { status: number; body: any; ms: number }[], message: RegExp, deadlineMs: number) => {
    for (const answer of answers) {
      expect(answer.status).toBe(412);
      expect(answer.body.issue[0]).toMatchObject({ expression: ['prefetch.observations'] });
      expect(answer.body.issue[0].diagnostics).toMatch(message);
      expect(JSON.stringify(answer.body)).not.toContain(TOKEN);
      expect(answer.ms).toBeLessThan(deadlineMs + 1500);
    }
  };
  const timeouts = { FHIR_TIMEOUT_MS: '1000', HOOK_DEADLINE_MS: '1500' };

  it('endless stream: cut at FHIR_MAX_RESPONSE_BYTES', async () => {
    await expectCut(await run(timeouts, { kind: 'endless' }), /^prefetch key "observations": the FHIR server's answer is larger than 1048576 bytes \(FHIR_MAX_RESPONSE_BYTES\)/, 1500);
  });

  it('steady stream (500 kB/s): cut by FHIR_TIMEOUT_MS', async () => {
    await expectCut(await run(timeouts, { kind: 'steady', bytes: 50_000, everyMs: 100 }), /^prefetch key "observations": the FHIR server did not answer within 1000 ms/, 1500);
  });

  it('dripping stream (a byte a second): cut by FHIR_TIMEOUT_MS', async () => {
    await expectCut(await run(timeouts, { kind: 'drip', everyMs: 1000 }), /^prefetch key "observations": the FHIR server did not answer within 1000 ms/, 1500);
  });

  it('the hook deadline stops the body read too (FHIR_TIMEOUT_MS longer than HOOK_DEADLINE_MS)', async () => {
    await expectCut(await run({ FHIR_TIMEOUT_MS: '10000', HOOK_DEADLINE_MS: '1500' }, { kind: 'steady', bytes: 50_000, everyMs: 100 }), /"observations": the hook call's deadline \(1500 ms\) passed/, 1500);
  });
});

describe('decompression bombs and encodings (10 calls at once)', () => {
  let service: Service;
  beforeAll(async () => {
    service = await testService({ FHIR_TIMEOUT_MS: '1000', HOOK_DEADLINE_MS: '1500', FHIR_MAX_RESPONSE_BYTES: String(CAP) });
  });
  afterAll(async () => service.close());

  it.each(['gzip', 'deflate', 'br'] as const)('a %s bomb (64 MiB decoded) is cut at FHIR_MAX_RESPONSE_BYTES, counted after decoding', async (coding) => {
    expect(bomb(coding, 64 * CAP).length).toBeLessThan(CAP);
    fhir = await startHostileFhir({ kind: 'bomb', coding, decodedBytes: 64 * CAP });
    const answers = await concurrently(service, fhir.base);
    for (const answer of answers) {
      expect(answer.status).toBe(412);
      expect(answer.body.issue[0].diagnostics).toMatch(/^prefetch key "observations": the FHIR server's answer is larger than 1048576 bytes \(FHIR_MAX_RESPONSE_BYTES\)/);
      expect(answer.ms).toBeLessThan(1500 + 1500);
    }
  });

  it('compressed answers within the limit are decoded and used; an identity body over the limit is refused by its Content-Length', async () => {
    const observation = { resourceType: 'Observation', id: 'o1', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '1834-1' }] }, subject: { reference: 'Patient/p1' } };
    const searchset = JSON.stringify({ resourceType: 'Bundle', type: 'searchset', entry: [{ resource: observation }] });
    const { gzipSync, brotliCompressSync } = await import('node:zlib');
    for (const [coding, body] of [['gzip', gzipSync(searchset)], ['br', brotliCompressSync(searchset)]] as const) {
      fhir = await startHostileFhir({ kind: 'raw', headers: { 'content-encoding': coding }, body });
      const res = await post(service, hookBody(fhir.base));
      expect(res.status).toBe(200);
      await fhir.close();
    }
    fhir = await startHostileFhir({ kind: 'raw', body: `${searchset.slice(0, -1)},"padding":"${'x'.repeat(CAP)}"}` });
    const res = await post(service, hookBody(fhir.base));
    expect(res.status).toBe(412);
    expect(res.body.issue[0].diagnostics).toMatch(/larger than 1048576 bytes/);
  });

  it('a redirect is never followed (the token stays where it was sent)', async () => {
    fhir = await startHostileFhir((path) => (path.startsWith('/fhir/Observation?') ? { kind: 'raw', status: 302, headers: { location: '/elsewhere/Observation' }, body: '' } : undefined));
    const res = await post(service, hookBody(fhir.base));
    expect(res.status).toBe(412);
    expect(res.body.issue[0].diagnostics).toMatch(/^prefetch key "observations": FHIR server answered 302/);
    expect(fhir.requests.filter((r) => r.path.startsWith('/elsewhere'))).toEqual([]);
  });

  it('a token node:http cannot send (a line break): 412, no crash, nothing sent', async () => {
    fhir = await startHostileFhir(() => undefined);
    const res = await post(service, { ...hookBody(fhir.base), fhirAuthorization: { access_token: 'abc\r\nX-Injected: 1', token_type: 'Bearer', expires_in: 300, scope: 'user/*.read', subject: 'hcc-cds' } });
    expect(res.status).toBe(412);
    expect(res.body.issue[0].diagnostics).toMatch(/could not be reached/);
    expect(fhir.requests).toEqual([]);
  });

  it('a corrupt gzip body is malformed data: 412 naming the key', async () => {
    fhir = await startHostileFhir({ kind: 'raw', headers: { 'content-encoding': 'gzip' }, body: Buffer.concat([bomb('gzip', 1000).subarray(0, 10), Buffer.from('not gzip at all')]) });
    const res = await post(service, hookBody(fhir.base));
    expect(res.status).toBe(412);
    expect(res.body.issue[0].diagnostics).toMatch(/^prefetch key "observations": the FHIR server sent a body that could not be decoded/);
  });
});

describe('an optional key whose answer is too large', () => {
  it('becomes an unavailable gap, not a 412', async () => {
    const registry = loadServiceRegistry(join(PACKAGE_ROOT, 'hooks'), compileValidators());
    const patientView = registry.find('hcc-patient-view')?.[0] as ServiceDefinition;
    const resolver = new FhirDataResolver({ fhirTimeoutMs: 1000, hookDeadlineMs: 2000, fhirMaxPages: 10, fhirMaxResources: 5000, fhirMaxResponseBytes: CAP, fhirServerAllowlist: [], production: false });
    fhir = await startHostileFhir({ kind: 'endless' });
    try {
      const data = await resolver.resolve({ ...patientView, optionalPrefetch: ['observations'] }, hookBody(fhir.base) as never, AbortSignal.timeout(2000));
      expect(data.gaps).toEqual([{ key: 'observations', kind: 'unavailable', detail: "the FHIR server's answer is larger than 1048576 bytes (FHIR_MAX_RESPONSE_BYTES)" }]);
      expect(data.keys.find((k) => k.key === 'observations')).toMatchObject({ complete: false, resources: [] });
    } finally {
      resolver.close();
    }
  });
});

describe('FHIR_SERVER_ALLOWLIST is checked on the normalised URL of every request', () => {
  it('serverProblem: dot segments, encoded or not, do not pass an allowed base path', () => {
    const allow = { fhirServerAllowlist: ['https://a.org/fhir'], production: false };
    expect(serverProblem('https://a.org/fhir/r4', allow)).toBeUndefined();
    expect(serverProblem('https://A.ORG:443/fhir/r4', allow)).toBeUndefined();
    for (const escape of ['https://a.org/fhir/../private', 'https://a.org/fhir/%2e%2e/private', 'https://a.org/fhir/.%2E/private', 'https://a.org/fhir/..%2fprivate', 'https://a.org/fhir\\..\\private', 'https://a.org:8443/fhir']) {
      expect([escape, serverProblem(escape, allow)?.refused]).toEqual([escape, true]);
    }
  });

  it.each(['/fhir/../private', '/fhir/%2e%2e/private', '/fhir/..%2fprivate'])('fhirServer <allowed>%s: 412, no request reaches the server', async (path) => {
    fhir = await startHostileFhir(() => undefined);
    const service = await testService({ FHIR_SERVER_ALLOWLIST: fhir.base });
    try {
      const res = await post(service, hookBody(`http://127.0.0.1:${fhir.port}${path}`));
      expect(res.status).toBe(412);
      expect(res.body.issue[0].diagnostics).toMatch(/FHIR_SERVER_ALLOWLIST/);
      expect(fhir.requests).toEqual([]);
    } finally {
      await service.close();
    }
  });

  it('a next link on the same origin but outside the allowed base path is not followed (no token goes there)', async () => {
    const page = (next: string) => ({ kind: 'raw', body: JSON.stringify({ resourceType: 'Bundle', type: 'searchset', entry: [], link: [{ relation: 'next', url: next }] }) }) as const;
    let port = 0;
    fhir = await startHostileFhir((path) => (path.startsWith('/fhir/Observation?') ? page(`http://127.0.0.1:${port}/fhir/../private/Observation?page=2`) : undefined));
    port = fhir.port;
    const service = await testService({ FHIR_SERVER_ALLOWLIST: fhir.base });
    try {
      const res = await post(service, hookBody(fhir.base));
      expect(res.status).toBe(200);
      expect(fhir.requests.filter((r) => !r.path.startsWith('/fhir/'))).toEqual([]);
      expect(fhir.requests.length).toBeGreaterThan(0);
    } finally {
      await service.close();
    }
  });
});

describe('production: no loopback, link-local or private fhirServer unless allow-listed', () => {
  let tcp: TcpServer;
  let connections = 0;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    tcp = createTcpServer((socket) => {
      connections++;
      sockets.add(socket);
    });
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => tcp.close(resolve));
  });
  const port = () => (tcp.address() as AddressInfo).port;

  it.each(['127.0.0.1', 'localhost'])('https://%s:<port>: 412 naming the key, the address is never connected to', async (host) => {
    const service = await testService({ NODE_ENV: 'production', PATIENT_PSEUDONYM_KEY: 'test-pseudonym-key-of-at-least-32-characters', FHIR_TIMEOUT_MS: '500' });
    try {
      connections = 0;
      const res = await post(service, hookBody(`https://${host}:${port()}/fhir`));
      expect(res.status).toBe(412);
      // The first required key refused ends the call (fail fast): the answer names that key. Which key is refused
      // first depends on when each request's address lookup returns ('localhost' is resolved), so any of them.
      const [issue] = res.body.issue as { code: string; expression: string[]; diagnostics: string }[];
      const key = /^prefetch\.(\w+)$/.exec(issue!.expression[0] ?? '')?.[1];
      expect(['patient', 'conditions', 'observations', 'procedures', 'imagingReports', 'imagingStudies']).toContain(key);
      expect(issue).toMatchObject({ code: 'security' });
      expect(issue!.diagnostics).toMatch(new RegExp(`^prefetch key "${key}": fhirServer is at a loopback, link-local or private address`));
      expect(connections).toBe(0);
      const metrics = await request(service.app).get('/metrics');
      expect(metrics.text).toMatch(/hcc_cds_fhir_requests_total\{resource_type="\w+",outcome="refused"\} [1-9]/);
      expect(metrics.text).not.toMatch(/hcc_cds_fhir_requests_total\{resource_type="\w+",outcome="ok"\}/);
    } finally {
      await service.close();
    }
  });

  it('an allow-listed loopback server is contacted in production', async () => {
    const base = `https://127.0.0.1:${port()}/fhir`;
    const service = await testService({ NODE_ENV: 'production', PATIENT_PSEUDONYM_KEY: 'test-pseudonym-key-of-at-least-32-characters', FHIR_TIMEOUT_MS: '300', FHIR_SERVER_ALLOWLIST: base });
    try {
      connections = 0;
      // The TCP server speaks no TLS: the key is still unobtainable, but the connection was made.
      expect((await post(service, hookBody(base))).status).toBe(412);
      expect(connections).toBeGreaterThan(0);
    } finally {
      await service.close();
    }
  });

  it('the checks on addresses, and a literal IPv6 loopback refused before any connection', async () => {
    for (const address of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '[::1]', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1']) {
      expect([address, isNonPublicAddress(address)]).toEqual([address, true]);
    }
    for (const address of ['8.8.8.8', '172.32.0.1', '2001:4860:4860::8888', 'fhir.example.org']) expect([address, isNonPublicAddress(address)]).toEqual([address, false]);
    const transport = new FhirTransport({ maxResponseBytes: CAP, allowlist: [], production: true });
    const refused = await transport.connection(`https://[::1]:${port()}/fhir`).request('GET', 'Patient/p1').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(FhirTransportError);
    expect((refused as FhirTransportError).kind).toBe('non-public-address');
    transport.close();
  });
});

describe('the transport itself: settles once, cleans up', () => {
  const transport = new FhirTransport({ maxResponseBytes: CAP, allowlist: [], production: false });
  afterAll(() => transport.close());

  it('an abort after the end changes nothing, and no abort listener is left on the signal', async () => {
    fhir = await startHostileFhir(() => undefined);
    const controller = new AbortController();
    const patient = await transport.connection(fhir.base).request('GET', 'Patient/p1', { signal: controller.signal });
    expect(patient).toMatchObject({ resourceType: 'Patient', id: 'p1' });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    controller.abort();
    // The connection is still good for the next request.
    expect(await transport.connection(fhir.base).request('GET', 'Patient/p1', { signal: new AbortController().signal })).toMatchObject({ id: 'p1' });
  });

  it('an abort while waiting for headers or in the body rejects at once, destroys the socket, and leaves no listener', async () => {
    for (const shape of [{ kind: 'drip', everyMs: 1000 }, { kind: 'steady', bytes: 1000, everyMs: 10 }] as const) {
      fhir = await startHostileFhir(shape);
      const controller = new AbortController();
      const pending = transport.connection(fhir.base).request('GET', 'Observation?patient=p1', { signal: controller.signal });
      expect(await eventually(() => fhir!.open === 1)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 50));
      controller.abort();
      const error = await pending.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FhirTransportError);
      expect((error as FhirTransportError).kind).toBe('aborted');
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      expect(await eventually(() => fhir!.open === 0)).toBe(true);
      expect(fhir.cut).toBe(1);
      await fhir.close();
    }
    fhir = undefined;
    // Before any answer: a server that accepts and never answers.
    // Reads (so it sees the client hang up) and never answers.
    const silent = createTcpServer((socket) => socket.resume());
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const controller = new AbortController();
    const pending = transport.connection(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/fhir`).request('GET', 'Patient/p1', { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect(((await pending.catch((e: unknown) => e)) as FhirTransportError).kind).toBe('aborted');
    await new Promise((resolve) => silent.close(resolve));
  });

  it('a signal already aborted sends nothing', async () => {
    fhir = await startHostileFhir(() => undefined);
    const error = await transport.connection(fhir.base).request('GET', 'Patient/p1', { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect((error as FhirTransportError).kind).toBe('aborted');
    expect(fhir.requests).toEqual([]);
  });

  it('timeoutMs: no answer in time rejects with kind timeout, and the socket is closed', async () => {
    let closed = 0;
    const silent = createTcpServer((socket) => {
      socket.resume();
      socket.on('close', () => (closed += 1));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const started = performance.now();
    const error = await transport.connection(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/fhir`).request('GET', 'Patient/p1', { timeoutMs: 150 } as object).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FhirTransportError);
    expect((error as FhirTransportError).kind).toBe('timeout');
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(await eventually(() => closed === 1)).toBe(true);
    await new Promise((resolve) => silent.close(resolve));
  });

  it('timeoutMs covers the one retry on a stale kept-alive socket: the second attempt gets what is left, not a new limit', async () => {
    // Connection 1 answers its first request, then hangs up 200 ms into the second (a stale socket: the client sends
    // again); connection 2 never answers. With the limit shared, the call ends at ~300 ms; with a fresh one, ~500 ms.
    let connections = 0;
    const server = createTcpServer((socket: Socket) => {
      connections += 1;
      const first = connections === 1;
      let requests = 0;
      socket.on('data', () => {
        requests += 1;
        if (!first) return;
        if (requests === 1) socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/fhir+json\r\ncontent-length: 39\r\nconnection: keep-alive\r\n\r\n{"resourceType":"Patient","id":"p1"}   ');
        else setTimeout(() => socket.destroy(), 200);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const connection = transport.connection(`http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`);
    expect(await connection.request('GET', 'Patient/p1', { timeoutMs: 1000 } as object)).toMatchObject({ id: 'p1' });
    const started = performance.now();
    const error = await connection.request('GET', 'Patient/p1', { timeoutMs: 300 } as object).catch((e: unknown) => e);
    const took = performance.now() - started;
    expect((error as FhirTransportError).kind).toBe('timeout');
    expect(connections).toBe(2);
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(450);
    await new Promise((resolve) => server.close(resolve));
  });

  it('an identity body cut before its Content-Length is a broken connection, not data', async () => {
    const server = createTcpServer((socket: Socket) => {
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/fhir+json\r\ncontent-length: 500\r\n\r\n{"resourceType":"Bundle","type":"searchset","entry":[');
        setTimeout(() => socket.destroy(), 20);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const error = await transport.connection(`http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`).request('GET', 'Observation?patient=p1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FhirTransportError);
    expect((error as FhirTransportError).kind).toBe('network');
    expect((error as FhirTransportError).message).toBe('the connection broke while the answer was read');
    await new Promise((resolve) => server.close(resolve));
  });

  it('a UTF-8 byte order mark before the JSON is skipped', async () => {
    fhir = await startHostileFhir({ kind: 'raw', headers: { 'content-type': 'application/fhir+json' }, body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"resourceType":"Bundle","type":"searchset","entry":[]}')]) });
    expect(await transport.connection(fhir.base).request('GET', 'Observation?patient=p1')).toMatchObject({ resourceType: 'Bundle', entry: [] });
  });

  it('never sends the token to another origin', async () => {
    const error = await transport.connection('http://127.0.0.1:1/fhir', 'tok').request('GET', 'http://127.0.0.2:1/fhir/Patient/p1').catch((e: unknown) => e);
    expect((error as FhirTransportError).kind).toBe('other-origin');
  });
});
