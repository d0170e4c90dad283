import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBuiltServer } from '../helpers/spawn-server.js';
import { tempDir } from '../helpers/service.js';
import { signToken, testKey, writeClientsFile } from './jwt-helpers.js';

/** The built server (dist/src/server.js) as a process: what an operator sees at start-up. */
describe('start-up with and without CDS_CLIENTS_FILE', () => {
  it('open mode: exactly one warning line says authentication is off', async () => {
    // With the governance secrets set: their own warnings are the next test's.
    const server = await startBuiltServer({ FEEDBACK_DB: join(tempDir(), 'fb.sqlite'), PATIENT_PSEUDONYM_KEY: 'test-pseudonym-key-of-at-least-32-characters', ADMIN_TOKEN: 'test-admin-token' });
    try {
      expect((await fetch(`${server.baseUrl}/cds-services`)).status).toBe(200);
      expect(server.logs.filter((line) => /authentication is OFF/i.test(line))).toHaveLength(1);
      expect(server.logs.filter((line) => line.includes('"level":40'))).toHaveLength(1);
    } finally {
      await server.stop();
    }
  });

  it('names every rule that is not active, and warns once each about the development pseudonym key and no ADMIN_TOKEN', async () => {
    const policy = join(tempDir(), 'policy.json');
    writeFileSync(policy, JSON.stringify({ ruleModes: { 'AFP-ELEVATED': 'off', 'SURV-OVERDUE': { default: 'silent', services: { 'hcc-patient-view': 'active' } }, 'AFP-HIGH': 'active' } }));
    const server = await startBuiltServer({ FEEDBACK_DB: join(tempDir(), 'fb.sqlite'), SITE_POLICY_FILE: policy });
    try {
      const warnings = server.logs.filter((line) => line.includes('"level":40')).map((line) => (JSON.parse(line) as { msg: string }).msg);
      expect(warnings.filter((msg) => msg.startsWith('rule not active: '))).toEqual(['rule not active: SURV-OVERDUE: silent (service hcc-patient-view: active)', 'rule not active: AFP-ELEVATED: off']);
      expect(warnings.filter((msg) => msg.startsWith('PATIENT_PSEUDONYM_KEY is not set'))).toHaveLength(1);
      expect(warnings.filter((msg) => msg.startsWith('ADMIN_TOKEN is not set'))).toHaveLength(1);
      expect(warnings).toHaveLength(5);
    } finally {
      await server.stop();
    }
  });

  it('with a clients file: no warning, a call without a token gets a bare 401, a signed one 200', async () => {
    const key = await testKey('ES384', 'k1');
    const file = writeClientsFile({ clients: [{ iss: 'https://ehr.example.org', jwks: { keys: [key.publicJwk] } }] });
    const server = await startBuiltServer({ FEEDBACK_DB: join(tempDir(), 'fb.sqlite'), CDS_CLIENTS_FILE: file, NODE_ENV: 'production', PATIENT_PSEUDONYM_KEY: 'test-pseudonym-key-of-at-least-32-characters', PUBLIC_BASE_URL: 'https://cds.example.org' });
    try {
      expect(server.logs.some((line) => /authentication is OFF/i.test(line))).toBe(false);
      expect(server.logs.some((line) => /authentication is ON/.test(line))).toBe(true);
      const refused = await fetch(`${server.baseUrl}/cds-services`);
      expect(refused.status).toBe(401);
      expect(await refused.json()).toEqual({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login', diagnostics: 'unauthorized' }] });
      const token = await signToken(key, { iss: 'https://ehr.example.org', aud: 'https://cds.example.org/cds-services' });
      expect((await fetch(`${server.baseUrl}/cds-services`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      expect((await fetch(`${server.baseUrl}/healthz`)).status).toBe(200);
      expect(server.logs.join('\n')).not.toContain(token);
    } finally {
      await server.stop();
    }
  });

  it('a bad clients file stops start-up with a message naming the file and the field', async () => {
    const file = writeClientsFile({ clients: [{ iss: 'https://ehr.example.org', jku: 'http://insecure.example.org/jwks' }] });
    await expect(startBuiltServer({ FEEDBACK_DB: join(tempDir(), 'fb.sqlite'), CDS_CLIENTS_FILE: file })).rejects.toThrow(/cannot start: CDS_CLIENTS_FILE .*cds-clients\.json: clients\[0\]\.jku/);
  });
});
