/**
 * R9: active portal vein thrombosis (17920008 / I81) with PVTT grade Vp4 (<= 60 d) and collaterals few-or-none
 * (<= 60 d) -> TACE-PV-TRUNK critical. Active PVT with no fresh grade, or Vp4 with collaterals adequate, unknown
 * or not recorded -> TACE-PVT-UNGRADED warning (saying which). PVT graded Vp0-Vp3 -> no card.
 */
import type { Finding } from '../types.js';
import { answerOf, CONDITION_KEYS, conditionFact, conditions, finding, gapTexts, lab, labFact, unusableLabText, type RuleContext } from './context.js';
import { defineRule, ORDER_HOOKS } from './rule.js';

export function portalVeinRule(ctx: RuleContext): Finding | undefined {
  const pvt = conditions(ctx.record, 'portalVeinThrombosis');
  if (pvt.length === 0) return undefined;
  const days = ctx.settings.imagingFindingFreshnessDays;
  const grade = lab(ctx.record, 'pvttGrade', days).fresh;
  const collaterals = lab(ctx.record, 'portalCollaterals', days).fresh;
  const facts = pvt.map((c) => conditionFact(c));
  const imaging = { sources: ['chinese-consensus', 'cirse2021', 'easl-eortc-2012'] as ('chinese-consensus' | 'cirse2021' | 'easl-eortc-2012')[] };
  const suggestions = [
    { orderable: 'ct-multiphase' as const, reason: 'Pre-TACE: grade portal vein thrombus (Vp) and collateral flow' },
    { orderable: 'mri-multiphase' as const, reason: 'Pre-TACE: grade portal vein thrombus (Vp) and collateral flow' },
  ];
  const gradeCode = answerOf(grade);
  const collateralCode = answerOf(collaterals);
  if (!grade || !gradeCode) {
    return finding('TACE-PVT-UNGRADED', 'warning', 'Portal vein thrombosis without a recent thrombus grade (Vp): check portal flow before TACE', {
      ...imaging,
      facts,
      missing: [unusableLabText(ctx.record, 'pvttGrade', days), ...gapTexts(ctx.record, CONDITION_KEYS)],
      notes: ['Chinese consensus (contraindication 3): main trunk completely occluded by tumour thrombus with few collaterals. CIRSE 2021: tumourous portal vein thrombosis / impaired portal flow is an absolute contraindication.'],
      suggestions,
    });
  }
  facts.push(labFact(grade, 'Vp4 = main trunk and/or contralateral first-order branch'));
  if (gradeCode !== 'Vp4') return undefined;
  if (collaterals && collateralCode === 'few-or-none') {
    facts.push(labFact(collaterals, 'few-or-none collaterals (Chinese consensus, contraindication 3)'));
    return finding('TACE-PV-TRUNK', 'critical', 'Main portal vein trunk tumour thrombus (Vp4) with few or no collaterals: TACE contraindicated', {
      ...imaging,
      facts,
      sources: ['chinese-consensus', 'cirse2021', 'easl-eortc-2012', 'bclc2022'],
    });
  }
  const collateralState = collateralCode ? `collaterals recorded as "${collateralCode}"` : 'collateral circulation not recorded in the last 60 days';
  if (collaterals) facts.push(labFact(collaterals));
  return finding('TACE-PVT-UNGRADED', 'warning', `Main portal vein trunk tumour thrombus (Vp4), ${collateralState.replace(' in the last 60 days', '')}: confirm portal flow`, {
    ...imaging,
    facts,
    missing: collateralCode ? [] : [unusableLabText(ctx.record, 'portalCollaterals', days)],
    notes: [`Vp4 with ${collateralState}. the Chinese consensus allows TACE with incomplete obstruction or adequate collaterals; CIRSE 2021 lists impaired portal flow as absolute.`],
    suggestions,
  });
}

export const portalVeinRuleDefinition = defineRule({
  catalog: { 'TACE-PV-TRUNK': 140, 'TACE-PVT-UNGRADED': 150 },
  titles: () => ({ 'TACE-PV-TRUNK': 'Main portal vein tumour thrombus with few collaterals', 'TACE-PVT-UNGRADED': 'Portal vein thrombosis not fully graded' }),
  group: 'tace-safety',
  hooks: ORDER_HOOKS,
  evaluate: portalVeinRule,
});
