import type { CardInput } from '../cds-hooks/cards.js';
import type { KnowledgeBase } from '../cds-hooks/hook-call.js';
import type { CodeRef } from '../fhir/record.js';
import type { EvaluationInput, Finding, RuleGroup } from './types.js';

const TACE_CODES = new Set(['http://www.ama-assn.org/go/cpt|37243', 'http://snomed.info/sct|16736007', 'http://snomed.info/sct|314617008', 'urn:hcc-cds:local|tace']);

// INTERIM (foundation): no rules yet; the rule work (issue 4) replaces evaluate and render.
export class ConsensusKnowledgeBase implements KnowledgeBase {
  isTaceOrderCode(code: CodeRef): boolean {
    return TACE_CODES.has(`${code.system ?? ''}|${code.code}`);
  }

  evaluate(_groups: readonly RuleGroup[], _input: EvaluationInput): Finding[] {
    return [];
  }

  render(finding: Finding): CardInput {
    return { ruleId: finding.ruleId, indicator: finding.indicator, summary: finding.summary };
  }
}
