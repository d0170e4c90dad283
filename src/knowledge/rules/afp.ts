/**
 * S3 / S4: no liver-cancer context and the latest usable AFP at most 183 days old:
 *   > 400 ng/mL -> AFP-HIGH; 20 to 400 ng/mL -> AFP-ELEVATED. Warning, or info when pregnancy is recorded (R15).
 * Suggestions: multiphase CT and MRI, repeat AFP; hCG for a woman of child-bearing age without recorded pregnancy.
 */
import type { Finding, SuggestedOrder } from '../types.js';
import { ageBounds, finding, lab, labFact, liverCancerConditions, num, pregnancyEvidence, type RuleContext } from './context.js';
import { isAdultOrUnknown } from './surveillance.js';
import { defineRule, PATIENT_VIEW } from './rule.js';

export function afpRule(ctx: RuleContext): Finding | undefined {
  const s = ctx.settings;
  if (liverCancerConditions(ctx.record).length > 0 || !isAdultOrUnknown(ctx)) return undefined;
  const v = lab(ctx.record, 'afp', s.surveillanceIntervalDays).fresh;
  if (v?.value === undefined || v.value < s.afpUlnNgMl) return undefined;
  const high = v.value > s.afpHighNgMl;
  const pregnant = pregnancyEvidence(ctx);
  const reason = `AFP ${v.value} ng/mL on ${v.date} without known liver cancer`;
  const suggestions: SuggestedOrder[] = [
    { orderable: 'ct-multiphase', reason },
    { orderable: 'mri-multiphase', reason },
    { orderable: 'afp', reason: `Repeat AFP (trend) after ${v.value} ng/mL on ${v.date}` },
  ];
  const sex = ctx.record.patient?.sex;
  const age = ageBounds(ctx.record);
  // Child-bearing age possible (unknown or partly known age included): an hCG suggestion costs nothing, a missed pregnancy does.
  const childBearing = age === undefined || (age.max >= s.childBearingAgeMinYears && age.min <= s.childBearingAgeMaxYears);
  if (pregnant.length === 0 && sex === 'female' && childBearing) {
    suggestions.push({ orderable: 'hcg', reason: `Exclude pregnancy as a cause of AFP ${v.value} ng/mL` });
  }
  const threshold = high ? `> ${s.afpHighNgMl} ng/mL (Chinese consensus: exclude pregnancy, active liver disease, germ-cell tumour, then CT/MRI)` : `${s.afpUlnNgMl} to ${s.afpHighNgMl} ng/mL (AASLD: AFP >= 20 -> multiphase CT/MRI)`;
  const notes = [
    high ? 'Chinese consensus: AFP > 400 without known HCC: exclude pregnancy, active liver disease and gonadal germ-cell tumours, then CT/MRI. AASLD 2023: AFP alone is not diagnostic.'
      : 'Chinese consensus: follow the AFP trend, shorten the ultrasound interval to 1-2 months, CT/MRI when needed. AASLD: AFP >= 20 ng/mL -> multiphase CT/MRI.',
  ];
  if (pregnant.length > 0) notes.push('Pregnancy is recorded: AFP rises in pregnancy, so this is shown as information.');
  return finding(high ? 'AFP-HIGH' : 'AFP-ELEVATED', pregnant.length > 0 ? 'info' : 'warning',
    `AFP ${v.value} ng/mL (${high ? `>${s.afpHighNgMl}` : `>=${s.afpUlnNgMl}`}) without known liver cancer: ${pregnant.length > 0 ? 'pregnancy recorded' : 'multiphase CT/MRI advised'}`, {
      facts: [labFact(v, threshold), ...pregnant],
      notes,
      sources: ['chinese-consensus', 'aasld2023'],
      suggestions,
    });
}

export const afpRuleDefinition = defineRule({
  catalog: { 'AFP-HIGH': 270, 'AFP-ELEVATED': 280 },
  titles: (s) => ({ 'AFP-HIGH': `AFP above ${num(s.afpHighNgMl, 0)} ng/mL`, 'AFP-ELEVATED': 'AFP elevated' }),
  group: 'surveillance',
  hooks: PATIENT_VIEW,
  evaluate: afpRule,
});
