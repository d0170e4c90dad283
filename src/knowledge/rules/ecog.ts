/**
 * R8: ECOG performance status at most `ecogFreshnessDays` old:
 *   >= 3 -> TACE-ECOG-POOR critical; 1-2 -> TACE-ECOG-1-2 info; none within 30 d -> TACE-ECOG-MISSING warning.
 */
import type { Finding } from '../types.js';
import { finding, gapTexts, lab, LAB_KEYS, labFact, unusableLabText, type RuleContext } from './context.js';
import { defineRule, ORDER_HOOKS } from './rule.js';

export function ecogRule(ctx: RuleContext): Finding | undefined {
  const s = ctx.settings;
  const v = lab(ctx.record, 'ecog', s.ecogFreshnessDays).fresh;
  if (v?.value === undefined) {
    return finding('TACE-ECOG-MISSING', 'warning', `No ECOG performance status in the last ${s.ecogFreshnessDays} days: record it before TACE`, {
      missing: [unusableLabText(ctx.record, 'ecog', s.ecogFreshnessDays), ...gapTexts(ctx.record, LAB_KEYS)],
      notes: ['Record ECOG as an Observation (LOINC 89247-1). The Chinese consensus indication for TACE is ECOG 0-2; BCLC 2022 places PS > 2 in stage D.'],
      sources: ['chinese-consensus', 'bclc2022'],
    });
  }
  if (v.value >= s.ecogPoorMin) {
    return finding('TACE-ECOG-POOR', 'critical', `ECOG ${v.value} (>=${s.ecogPoorMin}): performance status too poor for TACE`, {
      facts: [labFact(v, `>= ${s.ecogPoorMin} (Chinese consensus indication ECOG 0-2; BCLC 2022 stage D)`)],
      sources: ['chinese-consensus', 'bclc2022', 'sir-qi'],
    });
  }
  if (v.value >= s.ecogRestrictedMin) {
    return finding('TACE-ECOG-1-2', 'info', `ECOG ${v.value}: within the Chinese consensus TACE indication, but BCLC 2022 stages PS 1-2 as C`, {
      facts: [labFact(v, `${s.ecogRestrictedMin}-${s.ecogPoorMin - 1} (BCLC 2022: PS 0 for BCLC B)`)],
      sources: ['chinese-consensus', 'bclc2022'],
    });
  }
  return undefined;
}

export const ecogRuleDefinition = defineRule({
  catalog: { 'TACE-ECOG-POOR': 110, 'TACE-ECOG-1-2': 120, 'TACE-ECOG-MISSING': 130 },
  titles: (s) => ({ 'TACE-ECOG-POOR': `ECOG ${s.ecogPoorMin} or worse`, 'TACE-ECOG-1-2': `ECOG ${s.ecogRestrictedMin}-${s.ecogPoorMin - 1}`, 'TACE-ECOG-MISSING': 'ECOG not recorded' }),
  group: 'tace-safety',
  hooks: ORDER_HOOKS,
  evaluate: ecogRule,
});
