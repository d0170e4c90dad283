/**
 * The pipeline-facing facade over a real SQLite store: silent and off modes, snooze after override (absent while the
 * facts are unchanged, back when they change or when the days are over), TACE cards never snoozed, tenants apart.
 */
import { join } from 'node:path';
import type { Card } from '../../src/cds-hooks/types.js';
import { Governance, type HookCallIdentity } from '../../src/governance/governance.js';
import { patientPseudonymizer } from '../../src/governance/pseudonym.js';
import { governancePolicyFrom, RuleModes } from '../../src/governance/rule-modes.js';
import type { Finding } from '../../src/knowledge/types.js';
import type { Store } from '../../src/store/types.js';
import { tempDir } from '../helpers/service.js';
import type { RuleCatalog } from '../../src/knowledge/rule-catalog.js';
import { loadRuleCatalog } from '../../src/rule-files.js';

let rules: RuleCatalog;
beforeAll(async () => {
  rules = await loadRuleCatalog();
});
import { openTestStore } from './fixture.js';

let n = 0;
const cardOf = (f: Finding): Card => ({ uuid: `card-${(n += 1)}`, summary: f.summary, indicator: f.indicator, source: { label: 'hcc-cds', topic: { system: 'urn:test', code: f.ruleId } } });
const finding = (ruleId: Finding['ruleId'], afp = '8 ng/mL', indicator: Finding['indicator'] = 'warning'): Finding => ({
  ruleId, indicator, summary: `${ruleId} card`, facts: [{ label: 'AFP', value: afp, date: '2026-01-10', resource: 'Observation/afp1' }], missing: [], assumptions: [], notes: [], sources: [], suggestions: [],
});

describe('governance in the pipeline', () => {
  let store: Store;
  let clock = new Date('2026-03-02T10:00:00Z');
  let governance: Governance;
  const pv: HookCallIdentity = { serviceId: 'hcc-patient-view', hook: 'patient-view', hookInstance: 'h1', patientId: 'pat-1', iss: 'https://ehr.example.org', tenant: 'north' };
  const sign: HookCallIdentity = { ...pv, serviceId: 'hcc-tace-order-sign', hook: 'order-sign' };

  beforeAll(async () => {
    store = await openTestStore({ FEEDBACK_DB: join(tempDir(), 'feedback.sqlite') });
    const modes = new RuleModes(governancePolicyFrom({ ruleModes: { 'AFP-ELEVATED': 'silent', 'FU-POST-RESECTION-AFP': 'off' }, snoozeDaysAfterOverride: { 'SURV-OVERDUE': 30 } }, { rules }));
    governance = new Governance({ modes, pseudonymize: patientPseudonymizer('k'.repeat(32)), snoozes: store.snoozes, cardLog: store.cardLog, timeZone: 'Europe/Berlin', now: () => clock });
  });

  afterAll(async () => store.close());

  async function call(identity: HookCallIdentity, findings: Finding[]) {
    const cards = findings.map(cardOf);
    const decided = await governance.decide(identity, cards, findings);
    await store.cardLog.record(decided.rows);
    return { cards, ...decided, modes: Object.fromEntries(decided.rows.map((r) => [r.ruleId, r.mode])) };
  }

  it('silent cards are logged and not returned; off rules are neither; the other cards are untouched', async () => {
    expect([...governance.offRuleIds('hcc-patient-view', pv.iss)]).toEqual(['FU-POST-RESECTION-AFP']);
    const day0 = await call(pv, [finding('SURV-OVERDUE'), finding('AFP-ELEVATED'), finding('FU-POST-RESECTION-AFP')]);
    expect(day0.returned).toEqual([day0.cards[0]]);
    expect(day0.modes).toEqual({ 'SURV-OVERDUE': 'shown', 'AFP-ELEVATED': 'silent' });
    expect(day0.rows[0]).toMatchObject({ uuid: day0.cards[0]!.uuid, serviceId: 'hcc-patient-view', hook: 'patient-view', hookInstance: 'h1', indicator: 'warning', iss: pv.iss, tenant: 'north', issuedAt: '2026-03-02T10:00:00.000Z', patientPseudonym: expect.stringMatching(/^[0-9a-f]{64}$/), fingerprint: expect.stringMatching(/^[0-9a-f]{24}$/) });
    expect(JSON.stringify(day0.rows)).not.toContain('pat-1');
  });

  it('override SURV-OVERDUE at day 0: snoozed at day 1, back at once on a new AFP, back after 30 days; TACE cards still shown', async () => {
    clock = new Date('2026-03-02T10:00:00Z');
    const day0 = await call(pv, [finding('SURV-OVERDUE')]);
    const tace0 = await call(sign, [finding('TACE-COAG', '8 ng/mL', 'critical')]);
    const overrides = [day0.cards[0]!, tace0.cards[0]!].map((card) => ({ card: card.uuid, outcome: 'overridden' as const, outcomeTimestamp: '2099-01-01T00:00:00Z' }));
    await store.feedback.add(pv.serviceId, overrides);
    // Only the patient-view card is snoozed, until the start of 1 April in Berlin (30 days after the feedback arrived).
    expect(await governance.snoozeAfterFeedback(overrides)).toEqual([expect.objectContaining({ ruleId: 'SURV-OVERDUE', untilIso: '2026-03-31T22:00:00.000Z' })]);

    clock = new Date('2026-03-03T10:00:00Z');
    const day1 = await call(pv, [finding('SURV-OVERDUE')]);
    expect(day1.returned).toEqual([]);
    expect(day1.modes).toEqual({ 'SURV-OVERDUE': 'snoozed' });
    expect((await call(sign, [finding('TACE-COAG', '8 ng/mL', 'critical')])).modes).toEqual({ 'TACE-COAG': 'shown' });
    // Another tenant's patient with the same id is another patient.
    expect((await call({ ...pv, tenant: 'south' }, [finding('SURV-OVERDUE')])).modes).toEqual({ 'SURV-OVERDUE': 'shown' });
    // A new AFP value: the facts changed, the card is back at once.
    expect((await call(pv, [finding('SURV-OVERDUE', '9 ng/mL')])).modes).toEqual({ 'SURV-OVERDUE': 'shown' });

    clock = new Date('2026-03-31T21:59:00Z');
    expect((await call(pv, [finding('SURV-OVERDUE')])).modes).toEqual({ 'SURV-OVERDUE': 'snoozed' });
    clock = new Date('2026-03-31T22:00:00Z');
    expect((await call(pv, [finding('SURV-OVERDUE')])).modes).toEqual({ 'SURV-OVERDUE': 'shown' });
  });

  it('order-hook cards are never snoozed, even under a policy that (bypassing its validation) names a TACE rule', async () => {
    // The policy validator refuses order-hook rule ids; this checks the guards behind it, not the validator.
    const modes = new RuleModes({ ruleModes: {}, snoozeDaysAfterOverride: { 'TACE-COAG': 30 } });
    const pseudonymize = patientPseudonymizer('k'.repeat(32));
    const lax = new Governance({ modes, pseudonymize, snoozes: store.snoozes, cardLog: store.cardLog, timeZone: 'Europe/Berlin', now: () => clock });
    const order: HookCallIdentity = { ...sign, patientId: 'pat-tace-snooze' };
    clock = new Date('2026-05-02T10:00:00Z');
    const tace = [finding('TACE-COAG', '8 ng/mL', 'critical')];
    const first = await lax.decide(order, tace.map(cardOf), tace);
    await store.cardLog.record(first.rows);
    const overridden = [{ card: first.rows[0]!.uuid, outcome: 'overridden' as const, outcomeTimestamp: '2026-05-02T10:00:00Z' }];
    await store.feedback.add(order.serviceId, overridden);
    expect(await lax.snoozeAfterFeedback(overridden)).toEqual([]);
    // A running snooze for that rule, patient and fingerprint (as if written by hand) still does not hide the card.
    await store.snoozes.put({ ruleId: 'TACE-COAG', patientPseudonym: first.rows[0]!.patientPseudonym, fingerprint: first.rows[0]!.fingerprint, untilIso: '2026-06-01T00:00:00.000Z' });
    clock = new Date('2026-05-03T10:00:00Z');
    const next = await lax.decide(order, tace.map(cardOf), tace);
    expect(next.rows.map((row) => row.mode)).toEqual(['shown']);
    expect(next.returned).toHaveLength(1);
  });

  it('a snooze lookup that fails shows the card (never hidden because the store is down)', async () => {
    const failures: unknown[] = [];
    const broken = new Governance({
      modes: new RuleModes(governancePolicyFrom({ snoozeDaysAfterOverride: { 'SURV-OVERDUE': 30 } }, { rules })),
      pseudonymize: patientPseudonymizer('k'.repeat(32)),
      snoozes: { active: async () => Promise.reject(new Error('down')), put: async () => undefined },
      cardLog: store.cardLog,
      timeZone: 'UTC',
      onSnoozeLookupFailure: (error) => failures.push(error),
    });
    const findings = [finding('SURV-OVERDUE')];
    const decided = await broken.decide(pv, findings.map(cardOf), findings);
    expect(decided.rows.map((r) => r.mode)).toEqual(['shown']);
    expect(failures).toHaveLength(1);
  });
});
