/**
 * R19: any of bilirubin, albumin, INR, platelets, WBC, renal function (creatinine or eGFR) not usable within
 * `labFreshnessDays` -> one TACE-MISSING-LABS warning listing them, with one suggested order per missing lab
 * (platelets and WBC share one CBC). Absence of data is not absence of contraindication.
 */
import type { LabConcept } from '../../record/record.js';
import type { Finding, OrderableId, SuggestedOrder } from '../types.js';
import { finding, gapTexts, lab, LAB_KEYS, LAB_LABELS, unusableLabText, type RuleContext } from './context.js';
import { defineRule, ORDER_HOOKS } from './rule.js';

const REQUIRED: ReadonlyArray<{ label: string; concepts: LabConcept[]; orderable: OrderableId }> = [
  { label: 'Total bilirubin', concepts: ['bilirubin'], orderable: 'bilirubin' },
  { label: 'Albumin', concepts: ['albumin'], orderable: 'albumin' },
  { label: 'INR', concepts: ['inr'], orderable: 'inr' },
  { label: 'Platelets', concepts: ['platelets'], orderable: 'cbc' },
  { label: 'WBC', concepts: ['wbc'], orderable: 'cbc' },
  { label: 'Renal function (creatinine or eGFR)', concepts: ['creatinine', 'egfr'], orderable: 'creatinine' },
];

export function missingLabsRule(ctx: RuleContext): Finding | undefined {
  const days = ctx.settings.labFreshnessDays;
  const missing = REQUIRED.filter((req) => !req.concepts.some((c) => lab(ctx.record, c, days).fresh));
  if (missing.length === 0) return undefined;
  const details = missing.flatMap((req) => req.concepts.map((c) => unusableLabText(ctx.record, c, days, req.concepts.length > 1 ? LAB_LABELS[c] : req.label)));
  const suggestions: SuggestedOrder[] = [];
  for (const req of missing) {
    const existing = suggestions.find((s) => s.orderable === req.orderable);
    if (existing) existing.reason = existing.reason.replace(' missing', ` and ${req.label} missing`);
    else suggestions.push({ orderable: req.orderable, reason: `Pre-TACE safety: ${req.label} missing or older than ${days} days` });
  }
  return finding('TACE-MISSING-LABS', 'warning', `Pre-TACE labs missing or older than ${days} days: ${missing.map((m) => m.label.replace(' (creatinine or eGFR)', '')).join(', ')}`, {
    missing: [...details, ...gapTexts(ctx.record, LAB_KEYS)],
    notes: ['Absence of data is not absence of contraindication: the TACE checks that depend on these values could not run.'],
    sources: ['local-default', 'chinese-consensus'],
    suggestions,
  });
}

export const missingLabsRuleDefinition = defineRule({
  catalog: { 'TACE-MISSING-LABS': 250 },
  titles: () => ({ 'TACE-MISSING-LABS': 'Pre-TACE labs missing or stale' }),
  group: 'tace-safety',
  hooks: ORDER_HOOKS,
  evaluate: missingLabsRule,
});
