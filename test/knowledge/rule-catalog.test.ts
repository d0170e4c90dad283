/**
 * The rule catalog, found from the rule files: the ids and their order are those of contract §3, the titles follow
 * the settings, the declared hooks agree with the applicability function, and a rule defined in one more file joins
 * the catalog with nothing else to edit.
 */
import { ConsensusKnowledgeBase } from '../../src/knowledge/engine.js';
import { groupApplies } from '../../src/knowledge/applicability.js';
import { RuleCatalog } from '../../src/knowledge/rule-catalog.js';
import { finding } from '../../src/knowledge/rules/context.js';
import { defineRule, ORDER_HOOKS } from '../../src/knowledge/rules/rule.js';
import { DEFAULT_SETTINGS, withSettings } from '../../src/knowledge/settings.js';
import { evaluateTace, rec, RULES, TACE_ORDER } from './record-builder.js';

/** contract.md §3, in the order of its table (the order cards of one indicator are shown in). */
const CONTRACT_ORDER = [
  'TACE-CP-C', 'TACE-CP-C-POSSIBLE', 'TACE-CP-B8-9', 'TACE-CP-B7', 'TACE-BILI-HIGH', 'TACE-BILI-ELEVATED', 'TACE-COAG', 'TACE-PLT-LOW',
  'TACE-WBC-LOW', 'TACE-RENAL', 'TACE-ECOG-POOR', 'TACE-ECOG-1-2', 'TACE-ECOG-MISSING', 'TACE-PV-TRUNK', 'TACE-PVT-UNGRADED', 'TACE-INFECTION',
  'TACE-METS', 'TACE-CACHEXIA-MOF', 'TACE-TUMOR-BURDEN', 'TACE-AVF', 'TACE-PREGNANCY', 'TACE-NO-LIVER-CANCER-DX', 'TACE-INTERVAL', 'TACE-REIMAGE',
  'TACE-MISSING-LABS', 'SURV-OVERDUE', 'AFP-HIGH', 'AFP-ELEVATED', 'FU-POST-TACE-IMAGING', 'FU-POST-RESECTION-AFP', 'FU-POST-RESECTION-VIRAL',
  'DQ-UNIT', 'DQ-INCOMPLETE',
];

/** The titles the cards carried before they were declared in the rule files (defaults: unchanged). */
const DEFAULT_TITLES: Record<string, string> = {
  'TACE-CP-C': 'Child-Pugh C: TACE contraindicated',
  'TACE-CP-C-POSSIBLE': 'Child-Pugh C cannot be excluded',
  'TACE-CP-B8-9': 'Child-Pugh B8-B9',
  'TACE-CP-B7': 'Child-Pugh B7',
  'TACE-BILI-HIGH': 'Bilirubin above 3 mg/dL',
  'TACE-BILI-ELEVATED': 'Bilirubin above 2 mg/dL',
  'TACE-COAG': 'INR at or above the access threshold',
  'TACE-PLT-LOW': 'Low platelets',
  'TACE-WBC-LOW': 'Low white cell count',
  'TACE-RENAL': 'Renal insufficiency',
  'TACE-ECOG-POOR': 'ECOG 3 or worse',
  'TACE-ECOG-1-2': 'ECOG 1-2',
  'TACE-ECOG-MISSING': 'ECOG not recorded',
  'TACE-PV-TRUNK': 'Main portal vein tumour thrombus with few collaterals',
  'TACE-PVT-UNGRADED': 'Portal vein thrombosis not fully graded',
  'TACE-INFECTION': 'Active infection',
  'TACE-METS': 'Extrahepatic metastasis',
  'TACE-CACHEXIA-MOF': 'Cachexia or multiple organ failure',
  'TACE-TUMOR-BURDEN': 'High tumour burden',
  'TACE-AVF': 'Arteriovenous fistula',
  'TACE-PREGNANCY': 'Pregnancy',
  'TACE-NO-LIVER-CANCER-DX': 'No liver cancer diagnosis on record',
  'TACE-INTERVAL': 'Repeat TACE too early',
  'TACE-REIMAGE': 'No response imaging since last TACE',
  'TACE-MISSING-LABS': 'Pre-TACE labs missing or stale',
  'SURV-OVERDUE': 'HCC surveillance overdue',
  'AFP-HIGH': 'AFP above 400 ng/mL',
  'AFP-ELEVATED': 'AFP elevated',
  'FU-POST-TACE-IMAGING': 'Response imaging after TACE',
  'FU-POST-RESECTION-AFP': 'AFP after liver resection',
  'FU-POST-RESECTION-VIRAL': 'Viral load after liver resection',
  'DQ-UNIT': 'Results ignored: unit or implausible value',
  'DQ-INCOMPLETE': 'Patient data incomplete',
};

describe('the rule catalog found from the rule files', () => {
  // A new rule adds ids; these pin the ones of contract §3 (their order, their titles) without listing the others.
  it('has every rule id of contract §3, once, in its order', () => {
    expect(RULES.ids.filter((id) => CONTRACT_ORDER.includes(id))).toEqual(CONTRACT_ORDER);
    expect(new Set(RULES.ids).size).toBe(RULES.ids.length);
  });

  it('titles every id as before under the default settings', () => {
    const titles = RULES.titles(DEFAULT_SETTINGS);
    expect(Object.fromEntries(CONTRACT_ORDER.map((id) => [id, titles.get(id)]))).toEqual(DEFAULT_TITLES);
    expect(RULES.ids.filter((id) => !titles.get(id))).toEqual([]);
  });

  it('titles follow the site settings', () => {
    const titles = RULES.titles(withSettings({ bilirubinHighMgDl: 3.5, bilirubinElevatedMgDl: 2.5, afpHighNgMl: 500, ecogPoorMin: 4 }));
    expect(titles.get('TACE-BILI-HIGH')).toBe('Bilirubin above 3.5 mg/dL');
    expect(titles.get('TACE-BILI-ELEVATED')).toBe('Bilirubin above 2.5 mg/dL');
    expect(titles.get('AFP-HIGH')).toBe('AFP above 500 ng/mL');
    expect(titles.get('TACE-ECOG-POOR')).toBe('ECOG 4 or worse');
    expect(titles.get('TACE-ECOG-1-2')).toBe('ECOG 1-3');
    const kb = new ConsensusKnowledgeBase(RULES, withSettings({ bilirubinHighMgDl: 3.2 }));
    const input = { hook: 'order-sign' as const, record: rec().lab('bilirubin', 3.4).build(), taceOrders: [TACE_ORDER], patientId: 'p1' };
    const high = kb.evaluate(['tace-safety'], input).find((f) => f.ruleId === 'TACE-BILI-HIGH')!;
    expect(kb.render(high, input).ruleTitle).toBe('Bilirubin above 3.2 mg/dL');
  });

  it('each rule runs on the hooks it declares, and only there', () => {
    for (const definition of RULES.definitions) {
      if (definition.group === 'after-all') continue;
      for (const hook of ['patient-view', 'order-select', 'order-sign'] as const) {
        expect([definition.catalog, hook, groupApplies(definition.group, hook, 1)]).toEqual([definition.catalog, hook, definition.hooks.includes(hook)]);
      }
    }
  });

  it('every finding carries a declared rule id', () => {
    const sick = rec().lab('bilirubin', 3.4).lab('albumin', 2.5).lab('inr', 2.0).lab('platelets', 40).lab('wbc', 2.0).lab('creatinine', 2.5).lab('ecog', 3)
      .lab('tumorBurden', 75).condition('portalVeinThrombosis').condition('sepsis').condition('distantMetastasis').condition('cachexia').condition('avFistula')
      .condition('pregnancy').procedure('tace', 20).ignored('albumin', 'unit').build();
    const findings = evaluateTace(sick);
    expect(findings.length).toBeGreaterThan(10);
    expect(findings.filter((f) => !RULES.has(f.ruleId))).toEqual([]);
  });

  it('a rule defined in one more file joins the catalog: run by its group, titled and ordered by its declaration', () => {
    const example = defineRule({
      catalog: { 'TACE-EXAMPLE': 105 },
      titles: (s) => ({ 'TACE-EXAMPLE': `Example above ${s.inrMax}` }),
      group: 'tace-safety',
      hooks: ORDER_HOOKS,
      evaluate: (ctx) => finding('TACE-EXAMPLE', 'critical', 'An example finding', { sources: ['local-default'] }),
    });
    const catalog = new RuleCatalog([...RULES.definitions, example]);
    expect(catalog.ids.indexOf('TACE-EXAMPLE')).toBe(catalog.ids.indexOf('TACE-RENAL') + 1);
    const kb = new ConsensusKnowledgeBase(catalog);
    const input = { hook: 'order-sign' as const, record: rec().lab('bilirubin', 3.4).lab('creatinine', 2.5).build(), taceOrders: [TACE_ORDER], patientId: 'p1' };
    const critical = kb.evaluate(['tace-safety'], input).filter((f) => f.indicator === 'critical').map((f) => f.ruleId);
    expect(critical).toEqual(['TACE-BILI-HIGH', 'TACE-RENAL', 'TACE-EXAMPLE']);
    expect(kb.render(kb.evaluate(['tace-safety'], input).find((f) => f.ruleId === 'TACE-EXAMPLE')!, input).ruleTitle).toBe('Example above 1.8');
    expect(() => new RuleCatalog([...RULES.definitions, example, example])).toThrow(/declared twice/);
  });
});
