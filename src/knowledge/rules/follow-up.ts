/**
 * F1: liver-cancer context; latest completed TACE T within 365 d; no CT/MRI after T; d = days since T:
 *     28 <= d <= 42 -> FU-POST-TACE-IMAGING info; d > 42 -> warning.
 * F2: latest completed hepatectomy R within 365 d and >= 60 d ago; pre-operative AFP (latest in [R-90 d, R]) > 20:
 *     no AFP after R -> warning "not rechecked"; AFP after R > 20 drawn >= 60 d after R -> warning "not normalised";
 *     > 20 drawn < 60 d after R -> info; <= 20 -> none. Card FU-POST-RESECTION-AFP.
 * F3: hepatectomy within 365 d, active chronic HBV (HCV) and no HBV DNA (HCV RNA) after R -> FU-POST-RESECTION-VIRAL info.
 * F1/F2 when no dated procedure decides but one is on record without a usable date -> info "follow-up not checked".
 */
import { daysBetween } from '../../common/calendar.js';
import type { Finding, SuggestedOrder } from '../types.js';
import type { DataGap } from '../../record/record.js';
import { conditionFact, conditions, finding, gapsOf, gapText, gapTexts, imagingGapTexts, LAB_KEYS, labFact, liverCancerConditions, PROCEDURE_KEYS, type RuleContext } from './context.js';
import { crossSectionalAfter, latestProcedure, procedureFact } from './tace-history.js';
import { isAdultOrUnknown } from './surveillance.js';
import { defineRule, PATIENT_VIEW } from './rule.js';

/**
 * A TACE or resection that is on record but cannot be placed in time (no usable date; for TACE also procedures read
 * incompletely): its follow-up cannot be checked, which an info card says instead of staying silent (§4.1).
 */
function followUpNotChecked(ruleId: 'FU-POST-TACE-IMAGING' | 'FU-POST-RESECTION-AFP', gaps: DataGap[], what: string): Finding | undefined {
  if (gaps.length === 0) return undefined;
  return finding(ruleId, 'info', `${what}: follow-up not checked`, {
    missing: gaps.map(gapText),
    notes: ['The procedure date decides which follow-up is due; record it to have it checked.'],
    sources: ['chinese-consensus'],
  });
}

export function postTaceImagingRule(ctx: RuleContext): Finding | undefined {
  if (liverCancerConditions(ctx.record).length === 0 || !isAdultOrUnknown(ctx)) return undefined;
  return datedPostTaceImaging(ctx)
    ?? followUpNotChecked('FU-POST-TACE-IMAGING', gapsOf(ctx.record, PROCEDURE_KEYS, ['tace']), 'TACE history incomplete (a TACE without a usable date, or procedures read in part)');
}

function datedPostTaceImaging(ctx: RuleContext): Finding | undefined {
  const s = ctx.settings;
  const t = latestProcedure(ctx.record, 'tace');
  if (!t || t.ageDays > s.reimageWindowDays || t.ageDays < s.postTaceImagingFromDays) return undefined;
  if (crossSectionalAfter(ctx.record, t.date).length > 0) return undefined;
  const late = t.ageDays > s.postTaceImagingToDays;
  const reason = `Response assessment (mRECIST) after TACE on ${t.date}`;
  return finding('FU-POST-TACE-IMAGING', late ? 'warning' : 'info',
    late ? `Response CT/MRI overdue: ${t.ageDays} days since TACE on ${t.date} (due at 4-6 weeks)` : `Response CT/MRI due now: ${t.ageDays} days since TACE on ${t.date} (4-6 weeks)`, {
      facts: [procedureFact(t, `CT/MRI ${s.postTaceImagingFromDays}-${s.postTaceImagingToDays} days after TACE (Chinese consensus)`)],
      missing: [`No CT or MRI dated after ${t.date}`, ...imagingGapTexts(ctx.record)],
      notes: ['Chinese consensus: CT/MRI 4-6 weeks after the first TACE, then every 1-3 months; response by mRECIST on multiphase CT/MRI.'],
      sources: ['chinese-consensus'],
      suggestions: [{ orderable: 'ct-multiphase', reason }, { orderable: 'mri-multiphase', reason }],
    });
}

export function postResectionAfpRule(ctx: RuleContext): Finding | undefined {
  if (!isAdultOrUnknown(ctx)) return undefined;
  return datedPostResectionAfp(ctx)
    ?? followUpNotChecked('FU-POST-RESECTION-AFP', ctx.record.gaps.filter((gap) => gap.concept === 'hepatectomy'), 'Liver resection on record without a usable date (AFP and viral load after it)');
}

function datedPostResectionAfp(ctx: RuleContext): Finding | undefined {
  const s = ctx.settings;
  const r = latestProcedure(ctx.record, 'hepatectomy');
  if (!r || r.ageDays > s.resectionWindowDays || r.ageDays < s.resectionAfpNormaliseDays) return undefined;
  const values = ctx.record.labs.afp?.values ?? [];
  const preop = values.find((v) => v.date <= r.date && daysBetween(v.date, r.date) <= s.preoperativeAfpDays);
  if (preop?.value === undefined || preop.value <= s.afpUlnNgMl) return undefined;
  const after = values.find((v) => v.date > r.date);
  const facts = [procedureFact(r), labFact(preop, `pre-operative AFP > ${s.afpUlnNgMl} ng/mL`, 'Pre-operative AFP')];
  const suggestions: SuggestedOrder[] = [
    { orderable: 'afp', reason: `AFP after liver resection on ${r.date} (pre-operative ${preop.value} ng/mL)` },
    { orderable: 'ct-multiphase', reason: `Recurrence assessment after liver resection on ${r.date}` },
    { orderable: 'mri-multiphase', reason: `Recurrence assessment after liver resection on ${r.date}` },
  ];
  const common = { sources: ['chinese-consensus'] as 'chinese-consensus'[], suggestions, notes: ['Chinese consensus: AFP that was raised before surgery should normalise within 2 months of resection.'] };
  if (!after) {
    return finding('FU-POST-RESECTION-AFP', 'warning', `AFP not rechecked ${r.ageDays} days after liver resection (pre-operative AFP ${preop.value} ng/mL)`, {
      ...common, facts, missing: [`No usable AFP dated after ${r.date}`, ...gapTexts(ctx.record, LAB_KEYS)],
    });
  }
  if (after.value === undefined || after.value <= s.afpUlnNgMl) return undefined;
  const drawnAfter = daysBetween(r.date, after.date);
  facts.push(labFact(after, `<= ${s.afpUlnNgMl} ng/mL expected ${s.resectionAfpNormaliseDays} days after resection`, 'Post-operative AFP'));
  if (drawnAfter >= s.resectionAfpNormaliseDays) {
    return finding('FU-POST-RESECTION-AFP', 'warning', `AFP ${after.value} ng/mL not normalised ${drawnAfter} days after liver resection: assess for recurrence`, { ...common, facts });
  }
  return finding('FU-POST-RESECTION-AFP', 'info', `AFP ${after.value} ng/mL ${drawnAfter} days after resection (too early to judge; recheck at ${s.resectionAfpNormaliseDays} days)`, { ...common, facts });
}

export function postResectionViralRule(ctx: RuleContext): Finding | undefined {
  const s = ctx.settings;
  if (!isAdultOrUnknown(ctx)) return undefined;
  const r = latestProcedure(ctx.record, 'hepatectomy');
  if (!r || r.ageDays < 0 || r.ageDays > s.resectionWindowDays) return undefined;
  const checks = [
    { conditions: conditions(ctx.record, 'chronicHepatitisB'), concept: 'hbvDna' as const, orderable: 'hbv-dna' as const, label: 'HBV DNA' },
    { conditions: conditions(ctx.record, 'chronicHepatitisC'), concept: 'hcvRna' as const, orderable: 'hcv-rna' as const, label: 'HCV RNA' },
  ].filter((c) => c.conditions.length > 0 && !(ctx.record.labs[c.concept]?.values ?? []).some((v) => v.date > r.date));
  if (checks.length === 0) return undefined;
  return finding('FU-POST-RESECTION-VIRAL', 'info', `No ${checks.map((c) => c.label).join(' or ')} since liver resection on ${r.date}: check viral load`, {
    facts: [procedureFact(r), ...checks.flatMap((c) => c.conditions.map((cond) => conditionFact(cond)))],
    missing: [...checks.map((c) => `No ${c.label} result dated after ${r.date}`), ...gapTexts(ctx.record, LAB_KEYS)],
    notes: ['Chinese consensus: check HBV DNA / HCV RNA after resection. AASLD 2023: antiviral therapy for HBV/HCV reduces HCC risk.'],
    sources: ['chinese-consensus', 'aasld2023'],
    suggestions: checks.map((c) => ({ orderable: c.orderable, reason: `Viral load after liver resection on ${r.date}` })),
  });
}

export const postTaceImagingRuleDefinition = defineRule({
  catalog: { 'FU-POST-TACE-IMAGING': 290 },
  titles: () => ({ 'FU-POST-TACE-IMAGING': 'Response imaging after TACE' }),
  group: 'follow-up',
  hooks: PATIENT_VIEW,
  evaluate: postTaceImagingRule,
});

export const postResectionAfpRuleDefinition = defineRule({
  catalog: { 'FU-POST-RESECTION-AFP': 300 },
  titles: () => ({ 'FU-POST-RESECTION-AFP': 'AFP after liver resection' }),
  group: 'follow-up',
  hooks: PATIENT_VIEW,
  evaluate: postResectionAfpRule,
});

export const postResectionViralRuleDefinition = defineRule({
  catalog: { 'FU-POST-RESECTION-VIRAL': 310 },
  titles: () => ({ 'FU-POST-RESECTION-VIRAL': 'Viral load after liver resection' }),
  group: 'follow-up',
  hooks: PATIENT_VIEW,
  evaluate: postResectionViralRule,
});
