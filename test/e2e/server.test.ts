import { startBuiltServer } from '../helpers/spawn-server.js';
import { orderSelectRequest, patientViewRequest } from '../helpers/requests.js';
import { tempDir } from '../helpers/service.js';
import { join } from 'node:path';
import http from 'node:http';

describe('the built server, started as a process', () => {
  it('serves discovery and hook calls, then stops cleanly on SIGTERM', async () => {
    const server = await startBuiltServer({ FEEDBACK_DB: join(tempDir(), 'fb.sqlite') });
    try {
      const discovery = await fetch(`${server.baseUrl}/cds-services`);
      expect(discovery.status).toBe(200);
      const services = ((await discovery.json()) as { services: { hook: string }[] }).services;
      expect(services.map((s) => s.hook).sort()).toEqual(['order-select', 'order-sign', 'patient-view']);

      const call = await fetch(`${server.baseUrl}/cds-services/hcc-patient-view`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(patientViewRequest()),
      });
      expect(call.status).toBe(200);
      const body = (await call.json()) as { cards: unknown };
      // fetch() parses in Node's realm, so check with Array.isArray rather than expect.any(Array).
      expect(Array.isArray(body.cards)).toBe(true);

      const tace = await fetch(`${server.baseUrl}/cds-services/hcc-tace-order-select`, {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json' },
        body: JSON.stringify(orderSelectRequest()),
      });
      expect(tace.status).toBe(200);
      expect(server.logs.some((line) => line.includes('CDS client authentication is OFF'))).toBe(true);
    } finally {
      expect(await server.stop('SIGTERM')).toBe(0);
    }
    expect(server.logs.some((line) => line.includes('"msg":"stopped"'))).toBe(true);
  });

  it('refuses to start in production without CDS_CLIENTS_FILE, unless told to run open', async () => {
    await expect(startBuiltServer({ NODE_ENV: 'production', FEEDBACK_DB: join(tempDir(), 'fb.sqlite') })).rejects.toThrow(/CDS_CLIENTS_FILE/);
    const open = await startBuiltServer({ NODE_ENV: 'production', CDS_ALLOW_UNAUTHENTICATED: 'true', PATIENT_PSEUDONYM_KEY: 'test-pseudonym-key-of-at-least-32-characters', FEEDBACK_DB: join(tempDir(), 'fb.sqlite') });
    expect((await fetch(`${open.baseUrl}/healthz`)).status).toBe(200);
    expect(await open.stop()).toBe(0);
  });

  it('stops at start-up with a message naming the file when a service definition is bad', async () => {
    const dir = tempDir();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'broken.json'), JSON.stringify({ id: 'x', hook: 'patient-view', title: 't', description: 'd', prefetch: { p: 'Patient/{{Patient.id}}' }, ruleGroups: ['surveillance'] }));
    await expect(startBuiltServer({ HOOKS_DIR: dir, FEEDBACK_DB: join(tempDir(), 'fb.sqlite') })).rejects.toThrow(/broken\.json: prefetch\.p: token \{\{Patient\.id\}\}/);
  });
});

describe('graceful shutdown', () => {
  it('lets an in-flight hook call finish after SIGTERM, then exits 0', async () => {
    // A FHIR server that answers after 800 ms, so the call is still in flight when SIGTERM arrives.
    const slow = http.createServer((req, res) => {
      const body = req.url?.includes('/Patient/')
        ? { resourceType: 'Patient', id: 'p1', gender: 'male', birthDate: '1960-01-01' }
        : { resourceType: 'Bundle', type: 'searchset', total: 0 };
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/fhir+json' }).end(JSON.stringify(body)), 800);
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const fhirServer = `http://127.0.0.1:${(slow.address() as { port: number }).port}/fhir`;
    const server = await startBuiltServer({ FEEDBACK_DB: join(tempDir(), 'fb.sqlite') });
    try {
      const call = fetch(`${server.baseUrl}/cds-services/hcc-patient-view`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...patientViewRequest(), prefetch: undefined, fhirServer }),
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      server.child.kill('SIGTERM');
      const res = await call;
      expect(res.status).toBe(200);
      expect(Array.isArray(((await res.json()) as { cards: unknown }).cards)).toBe(true);
      expect(await server.exited).toBe(0);
      expect(server.logs.some((line) => line.includes('"msg":"stopped"'))).toBe(true);
    } finally {
      await server.stop('SIGKILL');
      slow.closeAllConnections();
      await new Promise((resolve) => slow.close(resolve));
    }
  });
});
