import { builtInValueSets } from '../../src/fhir/value-sets.js';
import { buildCard } from '../../src/cds-hooks/cards.js';
import { cardInvariantViolations } from '../../src/cds-hooks/card-invariants.js';
import { ConsensusKnowledgeBase } from '../../src/knowledge/engine.js';
const isTaceOrderCode = (code: { system?: string; code: string }): boolean => builtInValueSets().isTaceCode(code);
import { draftOrdersOf } from '../../src/cds-hooks/orders.js';
import type { EvaluationInput } from '../../src/knowledge/types.js';
import { rec, RULES, TACE_ORDER } from './record-builder.js';

const kb = new ConsensusKnowledgeBase(RULES);

function cards(input: EvaluationInput) {
  const groups = input.hook === 'patient-view' ? (['surveillance', 'follow-up', 'data-quality'] as const) : (['tace-safety', 'data-quality'] as const);
  return kb.evaluate(groups, input).map((f) => buildCard(kb.render(f, input)));
}

/** A patient that makes nearly every TACE rule fire. */
const sick = rec().lab('bilirubin', 3.4).lab('albumin', 2.5).lab('inr', 2.0).lab('platelets', 40).lab('wbc', 2.0).lab('creatinine', 2.5).lab('ecog', 3)
  .lab('tumorBurden', 75).condition('portalVeinThrombosis').condition('sepsis').condition('distantMetastasis').condition('cachexia').condition('avFistula')
  .condition('pregnancy').procedure('tace', 20).ignored('albumin', 'unit').condition('ascites', { severity: 'severe' }).build();

describe('rendered cards', () => {
  const tace = cards({ hook: 'order-sign', record: sick, taceOrders: [TACE_ORDER], patientId: 'p1' });

  it('every card meets the card invariants', () => {
    expect(tace.length).toBeGreaterThan(10);
    for (const card of tace) expect(cardInvariantViolations(card as unknown as Record<string, unknown>)).toEqual([]);
  });

  it('warning and critical cards on order hooks carry override reasons with display; info cards do not', () => {
    for (const card of tace) {
      if (card.indicator === 'info') expect(card.overrideReasons).toBeUndefined();
      else expect(card.overrideReasons!.every((r) => r.system === 'urn:hcc-cds:override-reason' && r.display)).toBe(true);
    }
  });

  it('detail is Markdown naming value, unit, date, resource, threshold and source', () => {
    const bili = tace.find((c) => c.source.topic.code === 'TACE-BILI-HIGH')!;
    expect(bili.summary).toBe('Total bilirubin 3.4 mg/dL (>3.0): TACE contraindicated');
    expect(bili.detail).toMatch(/\| Total bilirubin \| 3\.4 mg\/dL \| 2026-03-14 \(1 d ago\) \| Observation\/o\d+ \| > 3\.0 mg\/dL/);
    expect(bili.detail).toContain('Source: [CIRSE 2021');
    expect(bili.detail).toContain('Order checked: TACE (ServiceRequest/tace-1)');
    expect(bili.links!.every((l) => l.type === 'absolute' && l.url.startsWith('http'))).toBe(true);
  });

  it('suggestions are draft ServiceRequest create actions with selectionBehavior', () => {
    const coag = tace.find((c) => c.source.topic.code === 'TACE-COAG')!;
    expect(coag.selectionBehavior).toBe('any');
    const action = coag.suggestions![0]!.actions![0]!;
    expect(action.type).toBe('create');
    expect(action.resource).toMatchObject({
      resourceType: 'ServiceRequest', status: 'draft', intent: 'proposal',
      category: [{ coding: [{ system: 'http://snomed.info/sct', code: '108252007' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: '6301-6' }] },
      subject: { reference: 'Patient/p1' },
    });
    expect((action.resource as fhir4.ServiceRequest).reasonCode![0]!.text).toContain('INR');
  });

  it('patient-view cards have no override reasons', () => {
    const pv = cards({ hook: 'patient-view', record: rec().patient(60, 'male').condition('cirrhosis').build(), taceOrders: [], patientId: 'p1' });
    expect(pv.map((c) => c.source.topic.code)).toEqual(['SURV-OVERDUE']);
    expect(pv[0]!.overrideReasons).toBeUndefined();
    expect(pv[0]!.suggestions![0]!.actions![0]!.resource).toMatchObject({ category: [{ coding: [{ code: '363679005' }] }] });
  });

  it('names an order without text by its code system ("CPT 37243"), never as a raw system|code', () => {
    const [order] = draftOrdersOf({ draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'ServiceRequest', id: 'tace-1', status: 'draft', intent: 'proposal', code: { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: '37243' }] } } }] } } as never);
    const [first] = cards({ hook: 'order-sign', record: sick, taceOrders: [order!], patientId: 'p1' });
    expect(first!.detail).toContain('Order checked: CPT 37243 (ServiceRequest/tace-1).');
    expect(first!.detail).not.toContain('ama-assn');
  });

  it('shows units in human form: ×10⁹/L, no {INR}, mL/min/1.73 m²', () => {
    const all = tace.map((c) => `${c.summary}\n${c.detail}`).join('\n');
    expect(all).toContain('Platelets 40 ×10⁹/L');
    expect(all).toMatch(/\| INR \| 2 \|/);
    expect(all).not.toMatch(/\{INR\}|10\*9|\{1\.73_m2\}/);
  });

  it('no TACE order in scope on an order hook: no TACE cards', () => {
    expect(cards({ hook: 'order-select', record: sick, taceOrders: [], patientId: 'p1' })).toEqual([]);
  });
});

describe('isTaceOrderCode', () => {
  it.each([
    ['http://www.ama-assn.org/go/cpt', '37243', true],
    ['http://snomed.info/sct', '16736007', true],
    ['http://snomed.info/sct', '314617008', true],
    ['urn:hcc-cds:local', 'tace', true],
    ['http://www.ama-assn.org/go/cpt', '74170', false],
    [undefined, '37243', false],
  ])('%s|%s -> %p', (system, code, expected) => {
    expect(isTaceOrderCode({ ...(system ? { system } : {}), code })).toBe(expected);
  });
});
