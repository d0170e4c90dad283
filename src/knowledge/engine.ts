/**
 * The knowledge base: runs the rule groups of a service over one PatientRecord and renders findings into cards.
 * Pure: settings are fixed at construction (start-up), "today" comes in the record; no I/O.
 */
import type { Indicator } from '../common/vocabulary.js';
import { applicableGroups } from './applicability.js';
import { renderCard } from './render.js';
import { childPughRule } from './rules/child-pugh.js';
import type { Rule, RuleContext } from './rules/context.js';
import { dataQualityRule } from './rules/data-quality.js';
import { ecogRule } from './rules/ecog.js';
import { incompleteDataRule } from './rules/incomplete-data.js';
import { afpRule } from './rules/afp.js';
import { postResectionAfpRule, postResectionViralRule, postTaceImagingRule } from './rules/follow-up.js';
import { missingLabsRule } from './rules/missing-labs.js';
import { portalVeinRule } from './rules/portal-vein.js';
import { surveillanceRule } from './rules/surveillance.js';
import { bilirubinRule, coagulationRule, plateletRule, renalRule, wbcRule } from './rules/tace-labs.js';
import { avFistulaRule, cachexiaRule, infectionRule, liverCancerContextRule, metastasisRule, pregnancyRule } from './rules/tace-conditions.js';
import { intervalRule, reimageRule } from './rules/tace-history.js';
import { tumorBurdenRule } from './rules/tumor-burden.js';
import { DEFAULT_SETTINGS, type Settings } from './settings.js';
import { ALL_RULE_IDS, type CardInput, type EvaluationInput, type Finding, type RuleGroup } from './types.js';

export const RULES_BY_GROUP: Readonly<Record<RuleGroup, readonly Rule[]>> = {
  'tace-safety': [
    childPughRule, bilirubinRule, coagulationRule, plateletRule, wbcRule, renalRule, ecogRule, portalVeinRule,
    infectionRule, metastasisRule, cachexiaRule, tumorBurdenRule, avFistulaRule, pregnancyRule, liverCancerContextRule,
    intervalRule, reimageRule, missingLabsRule,
  ],
  surveillance: [surveillanceRule, afpRule],
  'follow-up': [postTaceImagingRule, postResectionAfpRule, postResectionViralRule],
  'data-quality': [dataQualityRule],
};

const INDICATOR_RANK: Record<Indicator, number> = { critical: 0, warning: 1, info: 2 };
const RULE_RANK = new Map(ALL_RULE_IDS.map((id, index) => [id, index]));

/** Critical before warning before info; within an indicator, the catalog order of contract §3. */
export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort((a, b) => INDICATOR_RANK[a.indicator] - INDICATOR_RANK[b.indicator] || (RULE_RANK.get(a.ruleId) ?? 0) - (RULE_RANK.get(b.ruleId) ?? 0));
}

export class ConsensusKnowledgeBase {
  constructor(readonly settings: Settings = DEFAULT_SETTINGS) {}

  evaluate(groups: readonly RuleGroup[], input: EvaluationInput): Finding[] {
    const ctx: RuleContext = { ...input, settings: this.settings, memo: new Map() };
    const findings: Finding[] = [];
    const applied = applicableGroups(groups, input.hook, input.taceOrders.length);
    for (const group of applied) {
      for (const rule of RULES_BY_GROUP[group]) {
        const result = rule(ctx);
        if (Array.isArray(result)) findings.push(...result);
        else if (result) findings.push(result);
      }
    }
    // Last, over the other findings: incomplete data that no card names gets a card of its own, whatever the groups.
    const incomplete = applied.length > 0 ? incompleteDataRule(ctx, findings) : undefined;
    if (incomplete) findings.push(incomplete);
    return sortFindings(findings);
  }

  render(finding: Finding, input: EvaluationInput): CardInput {
    return renderCard(finding, input);
  }
}
