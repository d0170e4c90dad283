/**
 * Which rule groups run on which hook: the one place that decides it. TACE safety needs a TACE order in scope; the
 * patient-view groups run on patient-view only; data quality runs wherever clinical rules run.
 */
import type { HookName } from '../common/vocabulary.js';
import type { RuleGroup } from './types.js';

export function groupApplies(group: RuleGroup, hook: HookName, taceOrderCount: number): boolean {
  const orderHook = hook !== 'patient-view';
  switch (group) {
    case 'tace-safety':
      return orderHook && taceOrderCount > 0;
    case 'surveillance':
    case 'follow-up':
      return !orderHook;
    case 'data-quality':
      return !orderHook || taceOrderCount > 0;
  }
}

/** The groups of a service that apply to this call, each once; empty means nothing of ours applies. */
export function applicableGroups(groups: readonly RuleGroup[], hook: HookName, taceOrderCount: number): RuleGroup[] {
  return [...new Set(groups)].filter((group) => groupApplies(group, hook, taceOrderCount));
}
