/**
 * Every start-up problem, through the real entry point (dist/src/server.js, built by `npm test`): exit code 1 and one
 * line on stderr naming the variable or file and the field; no stack trace.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/config.js';
import { tempDir } from '../helpers/service.js';

const ENTRY = join(PACKAGE_ROOT, 'dist', 'src', 'server.js');

function start(env: Record<string, string>): { status: number | null; stderr: string; stdout: string } {
  const run = spawnSync(process.execPath, [ENTRY], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', FEEDBACK_DB: ':memory:', ...env },
    encoding: 'utf8',
    timeout: 15_000,
  });
  return { status: run.status, stderr: run.stderr, stdout: run.stdout };
}

function file(name: string, content: unknown): string {
  const path = join(tempDir(), name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function expectOneLine(result: ReturnType<typeof start>, message: RegExp): void {
  expect(result.status).toBe(1);
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^hcc-cds: cannot start: /);
  expect(lines[0]).toMatch(message);
  expect(`${result.stderr}${result.stdout}`).not.toMatch(/^\s+at /m);
}

describe('start-up problems stop the real entry point with one line and exit code 1', () => {
  it.each([
    ['an environment variable', () => ({ FHIR_TIMEOUT_MS: 'soon' }), /FHIR_TIMEOUT_MS must be an integer >= 1, got "soon"/],
    ['the AFP factor set the old way', () => ({ AFP_NG_PER_IU: '1.3' }), /AFP_NG_PER_IU is no longer read: set "afpNgPerIu" in SITE_POLICY_FILE/],
    ['production without a clients file', () => ({ NODE_ENV: 'production' }), /NODE_ENV=production needs CDS_CLIENTS_FILE/],
    ['a clients file', () => ({ CDS_CLIENTS_FILE: file('clients.json', { clients: [{ iss: 'https://ehr.example.org', jku: 'http://insecure.example.org/jwks' }] }) }), /CDS_CLIENTS_FILE \S+clients\.json: clients\[0\]\.jku must match pattern/],
    ['a site policy of the wrong type', () => ({ SITE_POLICY_FILE: file('policy.json', { inrMax: 'high' }) }), /SITE_POLICY_FILE \S+policy\.json: inrMax must be number$/],
    ['a site policy with an unknown setting', () => ({ SITE_POLICY_FILE: file('policy.json', { inrMaximum: 1.5 }) }), /SITE_POLICY_FILE \S+policy\.json: \(root\) must NOT have additional properties: unknown setting "inrMaximum"/],
    ['a site policy that is not JSON', () => ({ SITE_POLICY_FILE: file('policy.json', '{"inrMax": ') }), /SITE_POLICY_FILE \S+policy\.json: not valid JSON \(/],
    ['the AFP factor out of range', () => ({ SITE_POLICY_FILE: file('policy.json', { afpNgPerIu: 0 }) }), /SITE_POLICY_FILE \S+policy\.json: afpNgPerIu must be > 0/],
    ['a rule mode that does not exist', () => ({ SITE_POLICY_FILE: file('policy.json', { ruleModes: { 'SURV-OVERDUE': 'quiet' } }) }), /SITE_POLICY_FILE \S+policy\.json: "ruleModes\.SURV-OVERDUE": unknown mode "quiet" \(use "active", "silent" or "off"\)$/],
    ['a rule mode for an unknown rule', () => ({ SITE_POLICY_FILE: file('policy.json', { ruleModes: { 'SURV-OVERDUEE': 'silent' } }) }), /SITE_POLICY_FILE \S+policy\.json: "ruleModes\.SURV-OVERDUEE": unknown rule id$/],
    ['a TACE rule in snooze', () => ({ SITE_POLICY_FILE: file('policy.json', { snoozeDaysAfterOverride: { 'TACE-BILI-HIGH': 30 } }) }), /SITE_POLICY_FILE \S+policy\.json: "snoozeDaysAfterOverride\.TACE-BILI-HIGH": order-hook \(TACE\) safety cards are never snoozed$/],
    ['a card log retention that is not a number', () => ({ CARD_LOG_RETENTION_DAYS: 'a year' }), /CARD_LOG_RETENTION_DAYS must be an integer >= 0, got "a year"/],
    ['a missing site policy', () => ({ SITE_POLICY_FILE: join(tempDir(), 'absent.json') }), /SITE_POLICY_FILE \S+absent\.json: cannot be read \(ENOENT\)/],
    ['a value set file with an unknown concept', () => ({ VALUE_SET_FILE: file('vs.json', { labs: { albumen: [] } }) }), /VALUE_SET_FILE \S+vs\.json: labs must NOT have additional properties: unknown concept "albumen"/],
    ['a value set file with a bad code', () => ({ VALUE_SET_FILE: file('vs.json', { labs: { albumin: [{ system: 'http://acme.example/lab' }] } }) }), /VALUE_SET_FILE \S+vs\.json: labs\.albumin\[0\]/],
    [
      'a service definition',
      () => {
        const dir = tempDir();
        writeFileSync(join(dir, 'broken.json'), JSON.stringify({ id: 'x', hook: 'patient-view', title: 't', description: 'd', prefetch: { p: 'Patient/{{Patient.id}}' }, ruleGroups: ['surveillance'] }));
        return { HOOKS_DIR: dir };
      },
      /HOOKS_DIR \S+broken\.json: prefetch\.p: token \{\{Patient\.id\}\}/,
    ],
    ['an empty hooks directory', () => ({ HOOKS_DIR: tempDir() }), /HOOKS_DIR \S+: no service definitions/],
    ['a feedback database under /proc', () => ({ FEEDBACK_DB: '/proc/hcc-cds/feedback.sqlite' }), /FEEDBACK_DB \/proc\/hcc-cds\/feedback\.sqlite: is under \/proc/],
  ])('%s', (_name, env, message) => {
    expectOneLine(start(env()), message);
  });

  it('a port in use', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    try {
      const port = (holder.address() as AddressInfo).port;
      expectOneLine(start({ PORT: String(port) }), new RegExp(`PORT ${port}: cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\)`));
    } finally {
      holder.close();
    }
  });
});
