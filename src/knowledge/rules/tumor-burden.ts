/**
 * R13: LOCAL tumor-burden-pct at most 60 days old:
 *   >= 70 % -> TACE-TUMOR-BURDEN critical, or warning when Child-Pugh is definitely A (max <= 6);
 *   50 to < 70 % -> TACE-TUMOR-BURDEN info.
 */
import type { Finding } from '../types.js';
import { childPugh } from './child-pugh.js';
import { finding, lab, labFact, type RuleContext } from './context.js';
import { defineRule, ORDER_HOOKS } from './rule.js';

export function tumorBurdenRule(ctx: RuleContext): Finding | undefined {
  const s = ctx.settings;
  const v = lab(ctx.record, 'tumorBurden', s.imagingFindingFreshnessDays).fresh;
  if (v?.value === undefined || v.value < s.tumorBurdenInfoPct) return undefined;
  if (v.value >= s.tumorBurdenCriticalPct) {
    const cp = childPugh(ctx);
    const definiteA = cp.max < s.cpClassBMinScore;
    const cpText = `Child-Pugh score ${cp.min === cp.max ? cp.min : `${cp.min}-${cp.max}`}`;
    return finding('TACE-TUMOR-BURDEN', definiteA ? 'warning' : 'critical',
      `Tumour replaces ${v.value}% of the liver (>=${s.tumorBurdenCriticalPct}%)${definiteA ? ': only with preserved function (Child-Pugh A)' : ': TACE contraindicated'}`, {
        facts: [labFact(v, `>= ${s.tumorBurdenCriticalPct}% (Chinese consensus, contraindication 7)`)],
        notes: [definiteA
          ? `${cpText} (definitely A): the Chinese consensus makes >= 70% relative when liver function is basically normal (fractional embolisation, small lipiodol amounts).`
          : `${cpText}: liver function not definitely Child-Pugh A, so the Chinese consensus contraindication is absolute.`],
        sources: ['chinese-consensus', 'cirse2021', 'easl-eortc-2012'],
      });
  }
  return finding('TACE-TUMOR-BURDEN', 'info', `Tumour replaces ${v.value}% of the liver (>=${s.tumorBurdenInfoPct}%): higher post-TACE mortality`, {
    facts: [labFact(v, `${s.tumorBurdenInfoPct} to < ${s.tumorBurdenCriticalPct}% (SIR QI: > 50% associated with post-TACE mortality)`)],
    sources: ['sir-qi', 'chinese-consensus'],
  });
}

export const tumorBurdenRuleDefinition = defineRule({
  catalog: { 'TACE-TUMOR-BURDEN': 190 },
  titles: () => ({ 'TACE-TUMOR-BURDEN': 'High tumour burden' }),
  group: 'tace-safety',
  hooks: ORDER_HOOKS,
  evaluate: tumorBurdenRule,
});
