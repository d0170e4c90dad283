/**
 * What to do with one prefetch key (contract.md §4; cds-hooks-conformance.md §1.C-§1.E): `null` or an empty Bundle
 * is known-empty (never fetched again); a usable resource or Bundle is used (its next pages followed); absent, an
 * OperationOutcome, an invalid value or one of the wrong type is fetched from `fhirServer`; a template whose token
 * has no value in this context cannot be rendered.
 */
import { isObject } from '../../common/json-object.js';
import { readPage, type Page } from '../../fhir/fhir-page.js';
import type { PrefetchValue } from '../types.js';

export type Plan =
  | { kind: 'known-empty' }
  | { kind: 'prefetch'; page: Page }
  | { kind: 'fetch'; url: string; why: string }
  | { kind: 'unrenderable' };

export function planKey(url: string | undefined, expected: string, value: PrefetchValue | undefined): Plan {
  if (value === null) return { kind: 'known-empty' };
  if (value !== undefined) {
    if (!isObject(value)) return url === undefined ? { kind: 'unrenderable' } : { kind: 'fetch', url, why: 'the prefetch value is not a FHIR resource' };
    const page = readPage(value);
    if ('problem' in page) return url === undefined ? { kind: 'unrenderable' } : { kind: 'fetch', url, why: `the prefetch value is invalid (${page.problem})` };
    if (!page.outcome) {
      if (page.resources.length === 0 && !page.next) return { kind: 'known-empty' };
      const wrong = page.resources.length > 0 && value.resourceType !== 'Bundle' && value.resourceType !== expected;
      if (!wrong) return { kind: 'prefetch', page };
      if (url !== undefined) return { kind: 'fetch', url, why: `the prefetch holds a ${String(value.resourceType)}, not a ${expected}` };
    }
    if (url === undefined) return { kind: 'unrenderable' };
    return { kind: 'fetch', url, why: 'the prefetch holds an OperationOutcome' };
  }
  if (url === undefined) return { kind: 'unrenderable' };
  return { kind: 'fetch', url, why: 'absent from prefetch' };
}
