/**
 * R3-R7: single pre-TACE laboratory thresholds. Only values at most `labFreshnessDays` old count
 * (missing or stale values are reported by TACE-MISSING-LABS, R19).
 *   R3 bilirubin > 3.0 mg/dL -> TACE-BILI-HIGH critical; > 2.0 and <= 3.0 -> TACE-BILI-ELEVATED warning
 *   R4 INR >= 1.8 -> TACE-COAG warning (suggest repeat INR)
 *   R5 platelets < 60 ×10⁹/L -> TACE-PLT-LOW warning
 *   R6 WBC < 3.0 ×10⁹/L -> TACE-WBC-LOW warning
 *   R7 creatinine >= 2.0 mg/dL or eGFR < 30 -> TACE-RENAL critical
 */
import type { Finding } from '../types.js';
import { unitText } from '../../record/display.js';
import { finding, lab, labFact, num, type RuleContext } from './context.js';
import { defineRule, ORDER_HOOKS } from './rule.js';

const CELLS = unitText('10*9/L');
const EGFR = unitText('mL/min/{1.73_m2}');

export function bilirubinRule(ctx: RuleContext): Finding | undefined {
  const s = ctx.settings;
  const v = lab(ctx.record, 'bilirubin', s.labFreshnessDays).fresh;
  if (v?.value === undefined) return undefined;
  if (v.value > s.bilirubinHighMgDl) {
    return finding('TACE-BILI-HIGH', 'critical', `Total bilirubin ${v.value} mg/dL (>${num(s.bilirubinHighMgDl)}): TACE contraindicated`, {
      facts: [labFact(v, `> ${num(s.bilirubinHighMgDl)} mg/dL (CIRSE 2021: jaundice; SIR QI cut-off)`)],
      sources: ['cirse2021', 'sir-qi', 'local-default'],
    });
  }
  if (v.value > s.bilirubinElevatedMgDl) {
    return finding('TACE-BILI-ELEVATED', 'warning', `Total bilirubin ${v.value} mg/dL (>${num(s.bilirubinElevatedMgDl)}): higher risk of liver failure after TACE`, {
      facts: [labFact(v, `> ${num(s.bilirubinElevatedMgDl)} and <= ${num(s.bilirubinHighMgDl)} mg/dL (associated with post-TACE mortality)`)],
      sources: ['cirse2021', 'sir-qi', 'local-default'],
    });
  }
  return undefined;
}

export function coagulationRule(ctx: RuleContext): Finding | undefined {
  const s = ctx.settings;
  const v = lab(ctx.record, 'inr', s.labFreshnessDays).fresh;
  if (v?.value === undefined || v.value < s.inrMax) return undefined;
  return finding('TACE-COAG', 'warning', `INR ${v.value} (>=${num(s.inrMax)}): correct before femoral arterial access`, {
    facts: [labFact(v, `>= ${num(s.inrMax)} (SIR 2019: correct INR to < 1.8 for femoral access; site setting inrMax)`)],
    notes: ['If the coagulopathy cannot be corrected this is a contraindication in the Chinese consensus (no. 2). INR raised by a vitamin K antagonist reflects anticoagulation, not liver synthesis.'],
    sources: ['chinese-consensus', 'sir2019', 'cair'],
    suggestions: [{ orderable: 'inr', reason: `Pre-TACE: repeat INR (last ${v.value} on ${v.date})` }],
  });
}

export function plateletRule(ctx: RuleContext): Finding | undefined {
  const s = ctx.settings;
  const v = lab(ctx.record, 'platelets', s.labFreshnessDays).fresh;
  if (v?.value === undefined || v.value >= s.plateletsMin) return undefined;
  return finding('TACE-PLT-LOW', 'warning', `Platelets ${v.value} ${CELLS} (<${s.plateletsMin}): bleeding risk before TACE`, {
    facts: [labFact(v, `< ${s.plateletsMin} ${CELLS} (Chinese consensus contraindication 8, not absolute, e.g. hypersplenism)`)],
    notes: [`SIR 2019: transfuse platelets if < 20 (low-risk) or < 50 ${CELLS} (high-risk procedures).`],
    sources: ['chinese-consensus', 'sir2019'],
  });
}

export function wbcRule(ctx: RuleContext): Finding | undefined {
  const s = ctx.settings;
  const v = lab(ctx.record, 'wbc', s.labFreshnessDays).fresh;
  if (v?.value === undefined || v.value >= s.wbcMin) return undefined;
  return finding('TACE-WBC-LOW', 'warning', `WBC ${v.value} ${CELLS} (<${num(s.wbcMin)}): leukopenia before TACE`, {
    facts: [labFact(v, `< ${num(s.wbcMin)} ${CELLS} (Chinese consensus contraindication 8, not absolute, e.g. hypersplenism)`)],
    sources: ['chinese-consensus', 'sir-qi'],
  });
}

export function renalRule(ctx: RuleContext): Finding | undefined {
  const s = ctx.settings;
  const creat = lab(ctx.record, 'creatinine', s.labFreshnessDays).fresh;
  const egfr = lab(ctx.record, 'egfr', s.labFreshnessDays).fresh;
  const creatHigh = creat?.value !== undefined && creat.value >= s.creatinineMaxMgDl;
  const egfrLow = egfr?.value !== undefined && egfr.value < s.egfrMin;
  if (!creatHigh && !egfrLow) return undefined;
  const facts = [];
  if (creat) facts.push(labFact(creat, `>= ${num(s.creatinineMaxMgDl)} mg/dL (CIRSE 2021)`));
  if (egfr) facts.push(labFact(egfr, `< ${s.egfrMin} ${EGFR} (CIRSE 2021 creatinine clearance; eGFR used as proxy)`));
  const key = creatHigh ? `Creatinine ${creat!.value} mg/dL (>=${num(s.creatinineMaxMgDl)})` : `eGFR ${egfr!.value} ${EGFR} (<${s.egfrMin})`;
  return finding('TACE-RENAL', 'critical', `${key}: renal insufficiency, contrast and TACE risk`, {
    facts,
    notes: ['CIRSE 2021 lists renal insufficiency under absolute contraindications; the EASL-EORTC-derived table lists kidney failure as relative.'],
    sources: ['chinese-consensus', 'cirse2021', 'easl-eortc-2012'],
  });
}

export const bilirubinRuleDefinition = defineRule({
  catalog: { 'TACE-BILI-HIGH': 50, 'TACE-BILI-ELEVATED': 60 },
  titles: (s) => ({ 'TACE-BILI-HIGH': `Bilirubin above ${num(s.bilirubinHighMgDl, 0)} mg/dL`, 'TACE-BILI-ELEVATED': `Bilirubin above ${num(s.bilirubinElevatedMgDl, 0)} mg/dL` }),
  group: 'tace-safety',
  hooks: ORDER_HOOKS,
  evaluate: bilirubinRule,
});

export const coagulationRuleDefinition = defineRule({
  catalog: { 'TACE-COAG': 70 },
  titles: () => ({ 'TACE-COAG': 'INR at or above the access threshold' }),
  group: 'tace-safety',
  hooks: ORDER_HOOKS,
  evaluate: coagulationRule,
});

export const plateletRuleDefinition = defineRule({
  catalog: { 'TACE-PLT-LOW': 80 },
  titles: () => ({ 'TACE-PLT-LOW': 'Low platelets' }),
  group: 'tace-safety',
  hooks: ORDER_HOOKS,
  evaluate: plateletRule,
});

export const wbcRuleDefinition = defineRule({
  catalog: { 'TACE-WBC-LOW': 90 },
  titles: () => ({ 'TACE-WBC-LOW': 'Low white cell count' }),
  group: 'tace-safety',
  hooks: ORDER_HOOKS,
  evaluate: wbcRule,
});

export const renalRuleDefinition = defineRule({
  catalog: { 'TACE-RENAL': 100 },
  titles: () => ({ 'TACE-RENAL': 'Renal insufficiency' }),
  group: 'tace-safety',
  hooks: ORDER_HOOKS,
  evaluate: renalRule,
});
