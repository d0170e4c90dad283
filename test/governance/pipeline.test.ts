/**
 * Governance wired into the service, through real HTTP (issue 13 "Done when"): silent and off rules, all-silent
 * answers, snooze after override (days, a new AFP, order-hook cards never), the log rows and the cards metric.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import type { Card } from '../../src/cds-hooks/types.js';
import type { CardOutcome } from '../../src/store/types.js';
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
    const silent = await serviceWith({ ruleModes: { 'SURV-OVERDUE': 'silent', 'AFP-ELEVATED': { default: 'silent' }, 'DQ-INCOMPLETE': 'silent' } }, clock);
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
});
