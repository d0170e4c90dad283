/**
 * The failure policy of a service's keys (hooks/*.json `optionalPrefetch`): an optional key that cannot be had is an
 * `unavailable` gap the cards name; a required one makes the call an unobtainable-data outcome (412) naming each key
 * and why, never a URL or a token. Keys cancelled because another required key failed first are not named.
 */
import { unobtainableData, type Issue } from '../../common/outcomes.js';
import { FetchFailure } from '../../fhir/fhir-fetch.js';
import type { DataGap } from '../../record/record.js';
import type { ResolvedKey } from './resolved-data.js';

export interface KeyResult {
  resolved: ResolvedKey;
  gap?: DataGap;
}

/** The keys' results in the service's key order, or throws the unobtainable-data outcome. */
export function applyFailurePolicy(keys: readonly string[], settled: readonly (KeyResult | FetchFailure)[], optional: ReadonlySet<string>, resourceTypeOf: (key: string) => string): { resolved: ResolvedKey[]; gaps: DataGap[] } {
  const resolved: ResolvedKey[] = [];
  const gaps: DataGap[] = [];
  const issues: Issue[] = [];
  settled.forEach((result, index) => {
    const key = keys[index] as string;
    if (!(result instanceof FetchFailure)) {
      resolved.push({ ...result.resolved, resourceType: resourceTypeOf(key) });
      if (result.gap) gaps.push(result.gap);
      return;
    }
    if (optional.has(key)) {
      resolved.push({ key, road: 'fhir-server', resources: [], complete: false });
      gaps.push({ key, kind: 'unavailable', detail: result.message });
    } else if (!result.cancelled) {
      issues.push({ code: result.code, diagnostics: `prefetch key "${key}": ${result.message}`, expression: [`prefetch.${key}`] });
    }
  });
  if (issues.length === 0 && settled.some((r, i) => r instanceof FetchFailure && !optional.has(keys[i] as string))) {
    issues.push({ code: 'incomplete', diagnostics: 'required data could not be read', expression: ['prefetch'] });
  }
  if (issues.length > 0) throw unobtainableData(issues);
  return { resolved, gaps };
}
