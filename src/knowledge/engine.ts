/**
 * The knowledge base: runs the rule groups of a service over one PatientRecord and renders findings into cards.
 * Pure: settings are fixed at construction (start-up), "today" comes in the record; no I/O.
 */
import type { Indicator } from '../common/vocabulary.js';
import { applicableGroups } from './applicability.js';
import { renderCard } from './render.js';
import type { RuleCatalog } from './rule-catalog.js';
import type { RuleContext } from './rules/context.js';
import type { RuleDefinition } from './rules/rule.js';
import { DEFAULT_SETTINGS, type Settings } from './settings.js';
import type { CardInput, EvaluationInput, Finding, RuleGroup } from './types.js';

const NONE: ReadonlySet<string> = new Set();
const INDICATOR_RANK: Record<Indicator, number> = { critical: 0, warning: 1, info: 2 };

export class ConsensusKnowledgeBase {
  /** Card titles under these settings (a site's thresholds show in them), worked out once. */
  private readonly titles: ReadonlyMap<string, string>;

  constructor(
    private readonly catalog: RuleCatalog,
    readonly settings: Settings = DEFAULT_SETTINGS,
  ) {
    this.titles = catalog.titles(settings);
  }

  /** Critical before warning before info; within an indicator, the catalog order of contract §3. */
  sortFindings(findings: Finding[]): Finding[] {
    return [...findings].sort((a, b) => INDICATOR_RANK[a.indicator] - INDICATOR_RANK[b.indicator] || this.catalog.position(a.ruleId) - this.catalog.position(b.ruleId));
  }

  /**
   * `off`: rule ids not to evaluate (their mode is `off` for this call). A rule whose ids are all off is not run; a
   * rule with several ids drops the findings of its ids that are off, so later rules never see them either.
   * `silent`: rule ids whose cards will not be shown on this call: the `after-all` rules (DQ-INCOMPLETE) do not count
   * them as having told the clinician anything.
   */
  evaluate(groups: readonly RuleGroup[], input: EvaluationInput, off: ReadonlySet<string> = NONE, silent: ReadonlySet<string> = NONE): Finding[] {
    const ctx: RuleContext = { ...input, settings: this.settings, memo: new Map() };
    const findings: Finding[] = [];
    const applied = applicableGroups(groups, input.hook, input.taceOrders.length);
    const add = (result: Finding | Finding[] | undefined): void => {
      for (const finding of Array.isArray(result) ? result : result ? [result] : []) if (!off.has(finding.ruleId)) findings.push(finding);
    };
    const runs = (rule: RuleDefinition): boolean => off.size === 0 || Object.keys(rule.catalog).some((id) => !off.has(id));
    for (const group of applied) for (const rule of this.catalog.rulesOf(group)) if (runs(rule)) add(rule.evaluate(ctx, findings));
    if (applied.length > 0) for (const rule of this.catalog.rulesOf('after-all')) if (runs(rule)) add(rule.evaluate(ctx, silent.size === 0 ? [...findings] : findings.filter((finding) => !silent.has(finding.ruleId))));
    return this.sortFindings(findings);
  }

  render(finding: Finding, input: EvaluationInput): CardInput {
    return renderCard(finding, input, this.titles.get(finding.ruleId));
  }
}
