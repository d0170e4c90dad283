/**
 * What a rule file declares: the rule ids it can emit (each with its place in the card order of contract §3), the
 * title of each (from the settings, so a site's threshold shows in it), the rule group that runs it, the hooks it
 * serves, and the function. Adding a rule is one file that exports a `defineRule(...)`, and its test: the rule
 * catalog finds it (src/rule-files.ts) and derives ids, titles, order and groups from it.
 */
import type { HookName } from '../../common/vocabulary.js';
import type { Settings } from '../settings.js';
import type { Finding, RuleGroup } from '../types.js';
import type { RuleContext } from './context.js';

export interface RuleDefinition<Id extends string = string> {
  readonly kind: 'rule';
  /**
   * The rule ids, each with its catalog position: within one indicator, cards are shown in this order (the order
   * of the rule table of contract §3 and the README). Positions are unique across rules.
   */
  readonly catalog: Readonly<Record<Id, number>>;
  /** The card title of each id (`source.topic.display`), as a function of the settings. */
  readonly titles: (settings: Settings) => Readonly<Record<Id, string>>;
  /** The rule group that runs it (hooks/*.json `ruleGroups`); `after-all` runs last, whatever the groups. */
  readonly group: RuleGroup | 'after-all';
  /** The hooks whose cards it can add to (the group's applicability decides; a test keeps the two in step). */
  readonly hooks: readonly HookName[];
  /** Pure: the findings for this call, if any. `earlier` holds the other rules' findings, for `after-all` rules. */
  readonly evaluate: (ctx: RuleContext, earlier: readonly Finding[]) => Finding | Finding[] | undefined;
}

export function defineRule<const Id extends string>(definition: Omit<RuleDefinition<Id>, 'kind'>): RuleDefinition<Id> {
  return Object.freeze({ kind: 'rule', ...definition });
}

export const isRuleDefinition = (value: unknown): value is RuleDefinition =>
  typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'rule' && typeof (value as { evaluate?: unknown }).evaluate === 'function';

export const ORDER_HOOKS: readonly HookName[] = ['order-select', 'order-sign'];
export const PATIENT_VIEW: readonly HookName[] = ['patient-view'];
export const ALL_HOOKS: readonly HookName[] = ['patient-view', 'order-select', 'order-sign'];
