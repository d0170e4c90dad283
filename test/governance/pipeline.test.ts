/**
 * Governance wired into the service, through real HTTP (issue 13 "Done when"): silent and off rules, all-silent
 * answers, snooze after override (days, a new AFP, order-hook cards never), the log rows and the cards metric.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import type { Card } from '../../src/cds-hooks/types.js';
import { StoreUnavailableError, type CardOutcome } from '../../src/store/types.js';
import { signToken, testKey, writeClientsFile, type TestKey } from '../auth/jwt-helpers.js';
import { tempDir, testService } from '../helpers/service.js';
import { afpObservation as afp, orderSelectRequest, overduePatientView as patientView } from '../helpers/requests.js';

type Service = Awaited<ReturnType<typeof testService>>;

const DAY_MS = 86_400_000;
const DAY0 = Date.parse('2026-06-01T10:00:00Z');
function policyFile(policy: object): string {
  const file = join(tempDir('hcc-cds-governance-'), 'site-policy.json');
  writeFileSync(file, JSON.stringify(policy));
  return file;
}

async function serviceWith(policy: object, clock: { now: number }): Promise<Service> {
  return testService({ SITE_POLICY_FILE: policyFile(policy), CDS_TIME_ZONE: 'Europe/Berlin' }, { now: () => new Date(clock.now) });
}

const rules = (cards: Card[]): string[] => cards.map((card) => card.source.topic.code);
const logged = (service: Service): Promise<CardOutcome[]> => service.store.cardLog.outcomes('2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z');
/** Cards as JSON with their (random) card and suggestion uuids taken out. */
const withoutUuids = (cards: Card[]): unknown => JSON.parse(JSON.stringify(cards).replace(/"uuid":"[^"]+"/g, '"uuid":"-"'));

describe('rule modes through HTTP', () => {
  let active: Service;
  const clock = { now: DAY0 };
  beforeAll(async () => {
    active = await serviceWith({}, clock);
  });
  afterAll(async () => {
    await active.close();
  });

  it('silent: no card of the rule, one row with mode silent, the other cards unchanged', async () => {
    const silent = await serviceWith({ ruleModes: { 'AFP-ELEVATED': 'silent' } }, clock);
    try {
      const all = (await request(active.app).post('/cds-services/hcc-patient-view').send(patientView()).expect(200)).body.cards as Card[];
      expect(rules(all)).toEqual(['SURV-OVERDUE', 'AFP-ELEVATED']);
      const res = await request(silent.app).post('/cds-services/hcc-patient-view').send(patientView()).expect(200);
      expect(rules(res.body.cards)).toEqual(['SURV-OVERDUE']);
      expect(withoutUuids(res.body.cards)).toEqual(withoutUuids(all.filter((card) => card.source.topic.code !== 'AFP-ELEVATED')));
      const rows = await logged(silent);
      expect(rows.map((row) => [row.ruleId, row.mode]).sort()).toEqual([['AFP-ELEVATED', 'silent'], ['SURV-OVERDUE', 'shown']]);
      const silentRow = rows.find((row) => row.mode === 'silent')!;
      expect(silentRow).toMatchObject({ serviceId: 'hcc-patient-view', hook: 'patient-view', hookInstance: 'a2b1f6f2-8d83-4c62-9d1c-8d0b0b1f0a01', indicator: 'warning', issuedAt: new Date(DAY0).toISOString() });
      expect(silentRow.patientPseudonym).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(rows)).not.toContain('p1');
      const metrics = (await request(silent.app).get('/metrics').expect(200)).text;
      expect(metrics).toMatch(/hcc_cds_cards_total\{[^}]*rule_id="AFP-ELEVATED"[^}]*mode="silent"[^}]*\} 1/);
      expect(metrics).toMatch(/hcc_cds_cards_total\{[^}]*rule_id="SURV-OVERDUE"[^}]*mode="shown"[^}]*\} 1/);
    } finally {
      await silent.close();
    }
  });

  it('off: no card and no row; discovery does not change', async () => {
    const off = await serviceWith({ ruleModes: { 'AFP-ELEVATED': 'off' } }, clock);
    try {
      const res = await request(off.app).post('/cds-services/hcc-patient-view').send(patientView()).expect(200);
      expect(rules(res.body.cards)).toEqual(['SURV-OVERDUE']);
      expect((await logged(off)).map((row) => [row.ruleId, row.mode])).toEqual([['SURV-OVERDUE', 'shown']]);
      expect((await request(off.app).get('/cds-services').expect(200)).body).toEqual((await request(active.app).get('/cds-services').expect(200)).body);
    } finally {
      await off.close();
    }
  });

  it('all silent answers {"cards": []}, every card logged; narrowed per service it is active again', async () => {
    const silent = await serviceWith({ ruleModes: { 'SURV-OVERDUE': 'silent', 'AFP-ELEVATED': { default: 'silent' } } }, clock);
    const narrowed = await serviceWith({ ruleModes: { 'SURV-OVERDUE': { default: 'silent', services: { 'hcc-patient-view': 'active' } } } }, clock);
    try {
      const res = await request(silent.app).post('/cds-services/hcc-patient-view').send(patientView()).expect(200);
      expect(res.text).toBe('{"cards":[]}');
      expect((await logged(silent)).map((row) => row.mode)).toEqual(['silent', 'silent']);
      expect(rules((await request(narrowed.app).post('/cds-services/hcc-patient-view').send(patientView()).expect(200)).body.cards)).toEqual(['SURV-OVERDUE', 'AFP-ELEVATED']);
    } finally {
      await silent.close();
      await narrowed.close();
    }
  });
});

describe('snooze after override through HTTP', () => {
  const SNOOZE_DAYS = 7;
  const clock = { now: DAY0 };
  let service: Service;
  beforeAll(async () => {
    service = await serviceWith({ snoozeDaysAfterOverride: { 'SURV-OVERDUE': SNOOZE_DAYS } }, clock);
  });
  afterAll(async () => {
    await service.close();
  });

  const call = async (body: object, id = 'hcc-patient-view'): Promise<Card[]> => (await request(service.app).post(`/cds-services/${id}`).send(body).expect(200)).body.cards;
  const override = async (id: string, card: Card): Promise<void> => {
    await request(service.app)
      .post(`/cds-services/${id}/feedback`)
      .send({ feedback: [{ card: card.uuid, outcome: 'overridden', outcomeTimestamp: new Date(clock.now).toISOString() }] })
      .expect(200, {});
  };
  const rowsAt = async (iso: string) => (await logged(service)).filter((row) => row.issuedAt === iso);

  it('overridden SURV-OVERDUE is absent and logged snoozed next day, back after N days; a TACE card under the same override is still shown', async () => {
    clock.now = DAY0;
    const day0 = await call(patientView());
    const overdue = day0.find((card) => card.source.topic.code === 'SURV-OVERDUE')!;
    await override('hcc-patient-view', overdue);
    const tace = (await call(orderSelectRequest(), 'hcc-tace-order-select'))[0]!;
    await override('hcc-tace-order-select', tace);

    clock.now = DAY0 + DAY_MS;
    expect(rules(await call(patientView()))).toEqual(['AFP-ELEVATED']);
    const day1 = await rowsAt(new Date(clock.now).toISOString());
    expect(day1.find((row) => row.ruleId === 'SURV-OVERDUE')?.mode).toBe('snoozed');
    expect(rules(await call(orderSelectRequest(), 'hcc-tace-order-select'))).toContain(tace.source.topic.code);

    clock.now = DAY0 + (SNOOZE_DAYS - 1) * DAY_MS;
    expect(rules(await call(patientView()))).toEqual(['AFP-ELEVATED']);
    clock.now = DAY0 + SNOOZE_DAYS * DAY_MS;
    expect(rules(await call(patientView()))).toEqual(['SURV-OVERDUE', 'AFP-ELEVATED']);
    expect((await rowsAt(new Date(clock.now).toISOString())).map((row) => row.mode)).toEqual(['shown', 'shown']);
  });

  it('is back at once when a new AFP arrives (the facts changed)', async () => {
    clock.now = DAY0 + 20 * DAY_MS;
    const overdue = (await call(patientView())).find((card) => card.source.topic.code === 'SURV-OVERDUE')!;
    await override('hcc-patient-view', overdue);
    clock.now += DAY_MS;
    expect(rules(await call(patientView()))).toEqual(['AFP-ELEVATED']);
    const newAfp = [afp('afp-1', 35, '2026-05-20'), afp('afp-2', 41, new Date(clock.now).toISOString().slice(0, 10))];
    expect(rules(await call(patientView(newAfp)))).toEqual(['SURV-OVERDUE', 'AFP-ELEVATED']);
  });

  it('a snoozed card does not count as naming a cut-off key: DQ-INCOMPLETE then says the data is incomplete', async () => {
    // The imaging reports come with more pages the service cannot read (no fhirServer): SURV-OVERDUE names that.
    const truncated = (): object => {
      const body = patientView(undefined, randomUUID()) as { prefetch: Record<string, unknown> };
      body.prefetch.imagingReports = { resourceType: 'Bundle', type: 'searchset', entry: [], link: [{ relation: 'next', url: 'https://ehr.example/fhir/DiagnosticReport?page=2' }] };
      return body;
    };
    clock.now = DAY0 + 100 * DAY_MS;
    const first = await call(truncated());
    expect(rules(first)).toContain('SURV-OVERDUE');
    expect(rules(first)).not.toContain('DQ-INCOMPLETE');
    await override('hcc-patient-view', first.find((card) => card.source.topic.code === 'SURV-OVERDUE')!);
    clock.now = DAY0 + 101 * DAY_MS;
    const next = await call(truncated());
    expect(rules(next)).not.toContain('SURV-OVERDUE');
    expect(rules(next)).toContain('DQ-INCOMPLETE');
    expect(next.find((card) => card.source.topic.code === 'DQ-INCOMPLETE')!.detail).toContain('Imaging reports: not all were read');
  });
});

describe('the client, the admin routes and a log that cannot be written', () => {
  const ISS = 'https://ehr.hospital.example';
  const PUBLIC_BASE = 'https://cds.hospital.example';
  const ADMIN_TOKEN = 'pipeline-admin-token-0123456789abcdef';
  let key: TestKey;
  let service: Service;
  const token = (path: string, tenant?: string) => signToken(key, { iss: ISS, aud: PUBLIC_BASE + path, ...(tenant ? { tenant } : {}) });
  const today = () => new Date().toISOString().slice(0, 10);
  const body = () => patientView([afp('afp-1', 35, today())], randomUUID());

  beforeAll(async () => {
    key = await testKey('ES384', 'ehr-key');
    const policy = policyFile({ ruleModes: { 'AFP-ELEVATED': { default: 'active', issuers: { [ISS]: 'silent' } } } });
    service = await testService({ SITE_POLICY_FILE: policy, CDS_CLIENTS_FILE: writeClientsFile({ clients: [{ iss: ISS, jwks: { keys: [key.publicJwk] } }] }), PUBLIC_BASE_URL: PUBLIC_BASE, ADMIN_TOKEN });
  });
  afterAll(async () => {
    await service.close();
  });

  it('the authenticated iss narrows the rule mode and reaches the log with the tenant', async () => {
    const res = await request(service.app).post('/cds-services/hcc-patient-view').set('Authorization', `Bearer ${await token('/cds-services/hcc-patient-view', 'ward-7')}`).send(body()).expect(200);
    expect(rules(res.body.cards)).toEqual(['SURV-OVERDUE']);
    const rows = await logged(service);
    expect(rows.map((row) => [row.ruleId, row.mode, row.iss, row.tenant]).sort()).toEqual([
      ['AFP-ELEVATED', 'silent', ISS, 'ward-7'],
      ['SURV-OVERDUE', 'shown', ISS, 'ward-7'],
    ]);
  });

  it('an authenticated call whose log cannot be written is a 503, never the cards unlogged', async () => {
    const { cardLog } = service.store;
    const record = cardLog.record;
    cardLog.record = async () => {
      throw new StoreUnavailableError('card log', 'test');
    };
    try {
      const res = await request(service.app).post('/cds-services/hcc-patient-view').set('Authorization', `Bearer ${await token('/cds-services/hcc-patient-view')}`).send(body()).expect(503);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(res.body.issue[0].code).toBe('transient');
    } finally {
      cardLog.record = record;
    }
  });

  it('the report counts an accepted suggestion by its label', async () => {
    const accepted = async (): Promise<void> => {
      const res = await request(service.app).post('/cds-services/hcc-patient-view').set('Authorization', `Bearer ${await token('/cds-services/hcc-patient-view')}`).send(body()).expect(200);
      const overdue = (res.body.cards as Card[]).find((card) => card.source.topic.code === 'SURV-OVERDUE')!;
      const suggestion = overdue.suggestions![0]!;
      await request(service.app)
        .post('/cds-services/hcc-patient-view/feedback')
        .set('Authorization', `Bearer ${await token('/cds-services/hcc-patient-view/feedback')}`)
        .send({ feedback: [{ card: overdue.uuid, outcome: 'accepted', acceptedSuggestions: [{ id: suggestion.uuid }], outcomeTimestamp: new Date().toISOString() }] })
        .expect(200, {});
      expect(suggestion.label).toBe('Order Liver ultrasound');
    };
    await accepted();
    await accepted();
    const report = await request(service.app).get('/admin/reports/rules').set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(200);
    const row = report.body.rules.find((entry: { ruleId: string; mode: string }) => entry.ruleId === 'SURV-OVERDUE' && entry.mode === 'shown');
    expect(row.acceptedSuggestions).toEqual([{ label: 'Order Liver ultrasound', count: 2 }]);
  });

  it('the admin routes: their own credential, no CORS, 405 / 404 for what they do not serve', async () => {
    const report = await request(service.app).get('/admin/reports/rules').set('Origin', 'https://elsewhere.example').set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(200);
    expect(report.headers['access-control-allow-origin']).toBeUndefined();
    expect(report.body.rules.map((row: { ruleId: string }) => row.ruleId)).toEqual(expect.arrayContaining(['SURV-OVERDUE', 'AFP-ELEVATED']));
    const jwt = await request(service.app).get('/admin/reports/rules').set('Authorization', `Bearer ${await token('/admin/reports/rules')}`).expect(401);
    expect(jwt.body.resourceType).toBe('OperationOutcome');
    const preflight = await request(service.app).options('/admin/reports/rules').set('Origin', 'https://elsewhere.example').set('Access-Control-Request-Method', 'GET');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const post = await request(service.app).post('/admin').set('Origin', 'https://elsewhere.example').expect(405);
    expect(post.headers.allow).toBe('GET');
    expect(post.headers['access-control-allow-origin']).toBeUndefined();
    expect((await request(service.app).get('/admin/nothing').set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(404)).headers['access-control-allow-origin']).toBeUndefined();
    // The CDS routes keep their CORS.
    expect((await request(service.app).get('/healthz').set('Origin', 'https://elsewhere.example')).headers['access-control-allow-origin']).toBe('*');
  });

  it('without authentication the cards are answered when the log cannot be written; the failure is counted', async () => {
    const open = await testService({});
    const { cardLog } = open.store;
    cardLog.record = async () => {
      throw new StoreUnavailableError('card log', 'test');
    };
    try {
      const res = await request(open.app).post('/cds-services/hcc-patient-view').send(body()).expect(200);
      expect(rules(res.body.cards)).toEqual(['SURV-OVERDUE', 'AFP-ELEVATED']);
      expect((await request(open.app).get('/metrics').expect(200)).text).toMatch(/^hcc_cds_card_log_failures_total 2$/m);
    } finally {
      await open.close();
    }
  });
});
