/**
 * Contraindications recorded as active Conditions (unconfirmed ones count and are marked):
 *   R10 liver abscess (27916005 / K75.0) or sepsis (91302008 / A40-A41, R65.20-21) -> TACE-INFECTION critical
 *   R11 secondary neoplasm outside the liver (C77, C78 not C78.7, C79, C7B not C7B.02) -> TACE-METS warning
 *   R12 cachexia (238108007 / R64) or multiple organ failure (57653000) -> TACE-CACHEXIA-MOF critical
 *   R14 arteriovenous fistula (439470001 / I77.0; body site liver when one is given) -> TACE-AVF warning
 *   R15 pregnancy (77386006 / Z33.1, or 82810-3 = LA15173-0 within 280 d) -> TACE-PREGNANCY warning
 *   R16 no active liver-cancer diagnosis -> TACE-NO-LIVER-CANCER-DX info
 */
import { codeText } from '../../record/display.js';
import type { ConditionFact } from '../../record/record.js';
import type { Finding } from '../types.js';
import { CONDITION_KEYS, conditionFact, conditions, finding, gapTexts, liverCancerConditions, pregnancyEvidence, type RuleContext } from './context.js';
import { defineRule, ORDER_HOOKS } from './rule.js';

const SNOMED = 'http://snomed.info/sct';
const LIVER_STRUCTURE = '10200004';

function labelOf(found: ConditionFact[]): string {
  const first = found[0]!;
  return `${first.code.display ?? codeText(first.code)}${first.unconfirmed ? ' (unconfirmed)' : ''}${found.length > 1 ? ` and ${found.length - 1} more` : ''}`;
}

export function infectionRule(ctx: RuleContext): Finding | undefined {
  const found = conditions(ctx.record, 'liverAbscess', 'sepsis');
  if (found.length === 0) return undefined;
  return finding('TACE-INFECTION', 'critical', `Active infection recorded: ${labelOf(found)}. TACE contraindicated until treated`, {
    facts: found.map((c) => conditionFact(c, 'active liver abscess or sepsis (Chinese consensus, contraindication 4)')),
    notes: ['Chinese consensus (contraindication 4): active infection that cannot be treated at the same time (e.g. liver abscess).'],
    sources: ['chinese-consensus', 'sir-qi'],
  });
}

export function metastasisRule(ctx: RuleContext): Finding | undefined {
  const found = conditions(ctx.record, 'distantMetastasis');
  if (found.length === 0) return undefined;
  return finding('TACE-METS', 'warning', `Extrahepatic metastasis recorded: ${labelOf(found)}. Confirm extent and prognosis`, {
    facts: found.map((c) => conditionFact(c, 'secondary neoplasm outside the liver')),
    notes: ['Chinese consensus (contraindication 5): extensive distant metastasis with estimated survival < 3 months (survival is not computable). BCLC 2022: extrahepatic spread = stage C, systemic therapy.'],
    sources: ['chinese-consensus', 'mcode', 'bclc2022'],
  });
}

export function cachexiaRule(ctx: RuleContext): Finding | undefined {
  const found = conditions(ctx.record, 'cachexia', 'multiOrganFailure');
  if (found.length === 0) return undefined;
  return finding('TACE-CACHEXIA-MOF', 'critical', `${labelOf(found)} recorded: TACE contraindicated (Chinese consensus, contraindication 6)`, {
    facts: found.map((c) => conditionFact(c, 'cachexia or multiple organ failure (Chinese consensus, contraindication 6)')),
    sources: ['chinese-consensus'],
  });
}

export function avFistulaRule(ctx: RuleContext): Finding | undefined {
  const found = conditions(ctx.record, 'avFistula').filter((c) => !c.bodySite?.length || c.bodySite.some((site) => site.code === LIVER_STRUCTURE && (site.system ?? SNOMED) === SNOMED));
  if (found.length === 0) return undefined;
  return finding('TACE-AVF', 'warning', `Arteriovenous fistula recorded (${labelOf(found)}): check for hepatic AV shunting before TACE`, {
    facts: found.map((c) => conditionFact(c, 'arteriovenous fistula, liver or unspecified site')),
    notes: ['A hepatic arteriovenous shunt is a technical impediment to intra-arterial treatment (EASL-EORTC-derived table).'],
    sources: ['chinese-consensus', 'easl-eortc-2012'],
  });
}

export function pregnancyRule(ctx: RuleContext): Finding | undefined {
  const facts = pregnancyEvidence(ctx);
  if (facts.length === 0) return undefined;
  return finding('TACE-PREGNANCY', 'warning', 'Pregnancy recorded: TACE combines chemotherapy and ionising radiation', {
    facts,
    notes: ['No TACE guideline statement on pregnancy was found; this card is a local safety default. Pregnancy is never inferred from age or sex.'],
    sources: ['local-default'],
  });
}

export function liverCancerContextRule(ctx: RuleContext): Finding | undefined {
  if (liverCancerConditions(ctx.record).length > 0) return undefined;
  const mets = conditions(ctx.record, 'liverMetastasis');
  return finding('TACE-NO-LIVER-CANCER-DX', 'info', 'TACE ordered without an active primary liver cancer diagnosis on record', {
    facts: mets.map((c) => conditionFact(c, 'liver metastasis (not primary liver cancer)')),
    missing: ['No active Condition coded C22.0, C22.1, C22.8, C22.9 or SNOMED 109841003, 95214007, 187769009, 93870000, 109842005, 1260050006', ...gapTexts(ctx.record, CONDITION_KEYS)],
    notes: ['The rules here are written for primary liver cancer; TACE is also used for liver metastases (CIRSE 2021). Check the indication.'],
    sources: ['cirse2021'],
  });
}

export const infectionRuleDefinition = defineRule({
  catalog: { 'TACE-INFECTION': 160 },
  titles: () => ({ 'TACE-INFECTION': 'Active infection' }),
  group: 'tace-safety',
  hooks: ORDER_HOOKS,
  evaluate: infectionRule,
});

export const metastasisRuleDefinition = defineRule({
  catalog: { 'TACE-METS': 170 },
  titles: () => ({ 'TACE-METS': 'Extrahepatic metastasis' }),
  group: 'tace-safety',
  hooks: ORDER_HOOKS,
  evaluate: metastasisRule,
});

export const cachexiaRuleDefinition = defineRule({
  catalog: { 'TACE-CACHEXIA-MOF': 180 },
  titles: () => ({ 'TACE-CACHEXIA-MOF': 'Cachexia or multiple organ failure' }),
  group: 'tace-safety',
  hooks: ORDER_HOOKS,
  evaluate: cachexiaRule,
});

export const avFistulaRuleDefinition = defineRule({
  catalog: { 'TACE-AVF': 200 },
  titles: () => ({ 'TACE-AVF': 'Arteriovenous fistula' }),
  group: 'tace-safety',
  hooks: ORDER_HOOKS,
  evaluate: avFistulaRule,
});

export const pregnancyRuleDefinition = defineRule({
  catalog: { 'TACE-PREGNANCY': 210 },
  titles: () => ({ 'TACE-PREGNANCY': 'Pregnancy' }),
  group: 'tace-safety',
  hooks: ORDER_HOOKS,
  evaluate: pregnancyRule,
});

export const liverCancerContextRuleDefinition = defineRule({
  catalog: { 'TACE-NO-LIVER-CANCER-DX': 220 },
  titles: () => ({ 'TACE-NO-LIVER-CANCER-DX': 'No liver cancer diagnosis on record' }),
  group: 'tace-safety',
  hooks: ORDER_HOOKS,
  evaluate: liverCancerContextRule,
});
