/**
 * S1 eligibility (no card by itself): no liver-cancer context, age >= 18, and any of
 *   E1 active cirrhosis; E2 male >= 40 with a risk factor; E3 female >= 50 with a risk factor;
 *   E4 chronic HBV with a family history of liver cancer.
 *   Risk factors: chronic HBV, chronic HCV, alcohol use disorder, type 2 diabetes, family history of liver cancer.
 * S2: eligible and (no US/CT/MRI within 183 d or no usable AFP within 183 d) -> SURV-OVERDUE warning.
 */
import { codeText } from '../../record/display.js';
import type { ConditionConcept } from '../../record/record.js';
import type { Fact, Finding, SuggestedOrder } from '../types.js';
import { ageBounds, CONDITION_KEYS, CONDITION_LABELS, conditionFact, conditions, finding, gapTexts, hasGap, hasImagingGap, imagingGapTexts, lab, LAB_KEYS, labFact, liverCancerConditions, unusableLabText, type RuleContext } from './context.js';
import { defineRule, PATIENT_VIEW } from './rule.js';

const RISK_FACTORS: readonly ConditionConcept[] = ['chronicHepatitisB', 'chronicHepatitisC', 'alcoholUseDisorder', 'type2Diabetes', 'familyHistoryLiverCancer'];

export interface Eligibility {
  eligible: boolean;
  reasons: string[];
  facts: Fact[];
  assumptions: string[];
}

/** Adult gate shared by patient-view rules: unknown or possibly adult age is evaluated (never silently skipped). */
export function isAdultOrUnknown(ctx: RuleContext): boolean {
  const age = ageBounds(ctx.record);
  return age === undefined || age.max >= ctx.settings.adultAgeYears;
}

export function surveillanceEligibility(ctx: RuleContext): Eligibility {
  const s = ctx.settings;
  const none: Eligibility = { eligible: false, reasons: [], facts: [], assumptions: [] };
  if (liverCancerConditions(ctx.record).length > 0 || !isAdultOrUnknown(ctx)) return none;
  const age = ageBounds(ctx.record);
  const sex = ctx.record.patient?.sex;
  const reasons: string[] = [];
  const facts: Fact[] = [];
  const assumptions: string[] = [];
  const cirrhosis = conditions(ctx.record, 'cirrhosis', 'biliaryCirrhosis');
  if (cirrhosis.length > 0) {
    reasons.push('cirrhosis');
    facts.push(...cirrhosis.map((c) => conditionFact(c)));
  }
  const risks = conditions(ctx.record, ...RISK_FACTORS);
  const hbv = conditions(ctx.record, 'chronicHepatitisB');
  const family = conditions(ctx.record, 'familyHistoryLiverCancer');
  const e4 = hbv.length > 0 && family.length > 0;
  const unknownAge = ctx.record.patient?.birthDate ? `age unreadable (birth date "${ctx.record.patient.birthDate}")` : 'age not recorded';
  let byAge = false;
  if (risks.length > 0) {
    const knownSex = sex === 'male' || sex === 'female';
    const limit = sex === 'female' ? s.femaleSurveillanceAgeYears : s.maleSurveillanceAgeYears;
    const met = age !== undefined && age.min >= limit;
    // An age that may meet the limit is taken as meeting it, and the card says so: unknown age is no all-clear.
    // E4 (HBV with a family history) needs no age: it is the reason when the age limit could only be assumed.
    byAge = met || ((age === undefined || age.max >= limit) && !e4);
    if (byAge) {
      reasons.push(`${knownSex ? sex : 'sex not recorded as male/female'}, age ${age?.text ?? 'not recorded'} (>= ${limit}) with ${risks.map((r) => CONDITION_LABELS[r.concept]).join(', ')}`);
      if (!knownSex) assumptions.push(`sex "${sex ?? 'not recorded'}": the lower (male) age limit ${s.maleSurveillanceAgeYears} was applied`);
      if (age === undefined) assumptions.push(`${unknownAge}: the age limit ${limit} was taken as met`);
      else if (!met) assumptions.push(`age ${age.text} may be under ${limit}: the age limit was taken as met`);
      facts.push(...risks.map((c) => conditionFact(c)));
    }
  }
  if (e4 && !byAge) {
    reasons.push('chronic hepatitis B with a family history of liver cancer');
    facts.push(...[...hbv, ...family].map((c) => conditionFact(c)));
  }
  if (reasons.length > 0 && age === undefined) assumptions.push(`${unknownAge}: evaluated as an adult`);
  else if (reasons.length > 0 && age !== undefined && age.min < s.adultAgeYears) assumptions.push(`age ${age.text} may be under ${s.adultAgeYears}: evaluated as an adult`);
  return { eligible: reasons.length > 0, reasons, facts, assumptions };
}

export function surveillanceRule(ctx: RuleContext): Finding | undefined {
  const elig = surveillanceEligibility(ctx);
  if (!elig.eligible) return undefined;
  const days = ctx.settings.surveillanceIntervalDays;
  const imaging = ctx.record.imaging.filter((i) => i.ageDays >= 0 && i.ageDays <= days)[0];
  const afp = lab(ctx.record, 'afp', days).fresh;
  if (imaging && afp) return undefined;
  const overdue: string[] = [];
  const missing: string[] = [];
  const facts = [...elig.facts];
  const suggestions: SuggestedOrder[] = [];
  if (!imaging) {
    overdue.push('liver imaging');
    const last = ctx.record.imaging[0];
    missing.push(last ? `Liver imaging: last ${last.modality.toUpperCase()} on ${last.date} (${last.resource}) is ${last.ageDays} days old, older than ${days} days` : 'Liver imaging: no ultrasound, CT or MRI on record', ...imagingGapTexts(ctx.record));
    suggestions.push({ orderable: 'liver-us', reason: `HCC surveillance: no liver imaging in the last ${days} days` });
  } else {
    facts.push({ label: 'Last liver imaging', value: `${imaging.modality.toUpperCase()} (${codeText(imaging.code)})`, date: imaging.date, ageDays: imaging.ageDays, resource: imaging.resource, threshold: `<= ${days} days` });
  }
  if (!afp) {
    overdue.push('AFP');
    missing.push(unusableLabText(ctx.record, 'afp', days), ...gapTexts(ctx.record, LAB_KEYS));
    suggestions.push({ orderable: 'afp', reason: `HCC surveillance: no AFP in the last ${days} days` });
  } else {
    facts.push(labFact(afp, `<= ${days} days`));
  }
  // Data read only in part (paging bound, unreadable page, unavailable key) may hold what looks missing: say
  // "not confirmed" rather than "overdue" (conformance E5), and keep the card so the gap is seen.
  const partial = (!imaging && hasImagingGap(ctx.record)) || (!afp && hasGap(ctx.record, LAB_KEYS));
  const summary = partial
    ? `HCC surveillance not confirmed: no ${overdue.join(' and no ')} found in the last 6 months of incomplete data (${elig.reasons[0]})`
    : `HCC surveillance overdue: no ${overdue.join(' and no ')} in the last 6 months (${elig.reasons[0]})`;
  return finding('SURV-OVERDUE', 'warning', summary, {
    facts,
    missing: [...missing, ...gapTexts(ctx.record, ['patient', ...CONDITION_KEYS, 'familyHistory'])],
    assumptions: elig.assumptions,
    notes: [`Eligible for surveillance because: ${elig.reasons.join('; ')}.`, 'Chinese consensus: AFP and liver ultrasound every 6 months. AASLD 2023: US + AFP every 6 months; EASL 2018: US every 6 months.'],
    sources: ['chinese-consensus', 'moh2011', 'aasld2023', 'easl2018'],
    suggestions,
  });
}

export const surveillanceRuleDefinition = defineRule({
  catalog: { 'SURV-OVERDUE': 260 },
  titles: () => ({ 'SURV-OVERDUE': 'HCC surveillance overdue' }),
  group: 'surveillance',
  hooks: PATIENT_VIEW,
  evaluate: surveillanceRule,
});
