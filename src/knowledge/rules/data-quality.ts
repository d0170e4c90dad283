/**
 * R20: an Observation relevant to the rules of this hook was ignored because its unit cannot be converted or its
 * value is implausible -> DQ-UNIT info listing the resource ids.
 */
import { conceptsCheckedOn } from '../../record/lab-concepts.js';
import type { LabConcept } from '../../record/record.js';
import type { Fact, Finding } from '../types.js';
import { finding, LAB_LABELS, type RuleContext } from './context.js';
import { defineRule, ALL_HOOKS } from './rule.js';

/** The concepts each hook's rules read (the lab concept table's `checkedOn`). */
export const TACE_CONCEPTS: readonly LabConcept[] = conceptsCheckedOn('tace');
export const PATIENT_VIEW_CONCEPTS: readonly LabConcept[] = conceptsCheckedOn('patient-view');

export function dataQualityRule(ctx: RuleContext): Finding | undefined {
  const concepts = ctx.hook === 'patient-view' ? PATIENT_VIEW_CONCEPTS : TACE_CONCEPTS;
  const ignored = concepts.flatMap((c) => (ctx.record.labs[c]?.ignored ?? []).filter((i) => i.reason === 'unit' || i.reason === 'implausible'));
  if (ignored.length === 0) return undefined;
  const facts: Fact[] = ignored.map((i) => {
    const fact: Fact = { label: LAB_LABELS[i.concept], value: i.reason === 'unit' ? 'unit not convertible' : 'implausible value', resource: i.resource, note: i.detail };
    if (i.date) fact.date = i.date;
    return fact;
  });
  const labels = [...new Set(ignored.map((i) => LAB_LABELS[i.concept]))];
  return finding('DQ-UNIT', 'info', `${ignored.length} result${ignored.length > 1 ? 's' : ''} ignored (unit or implausible value): ${labels.join(', ')}`, {
    facts,
    notes: ['These results were treated as missing, not guessed. Check the unit (UCUM code) or the value at the source.'],
    sources: ['local-default'],
  });
}

export const dataQualityRuleDefinition = defineRule({
  catalog: { 'DQ-UNIT': 320 },
  titles: () => ({ 'DQ-UNIT': 'Results ignored: unit or implausible value' }),
  group: 'data-quality',
  hooks: ALL_HOOKS,
  evaluate: dataQualityRule,
});
