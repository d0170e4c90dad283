/**
 * Required-binding checks for `code` elements (Observation.status, Condition.clinicalStatus codes are Codings and
 * are not checked; `status`-like codes are). Medplum's `validateResource` only collects these tokens and leaves
 * the terminology check to its server; here the R4 ValueSets that enumerate their codes (directly or by whole
 * CodeSystem) are expanded once, and tokens of any other value set are accepted.
 */

interface Concept {
  code?: string;
  concept?: Concept[];
}
interface Include {
  system?: string;
  concept?: Concept[];
  filter?: unknown[];
  valueSet?: string[];
}
interface TerminologyResource {
  resourceType?: string;
  url?: string;
  content?: string;
  concept?: Concept[];
  compose?: { include?: Include[]; exclude?: unknown[] };
}

export interface CollectedToken {
  value?: unknown;
  path?: string;
}

function flatten(concepts: Concept[] | undefined, into: Set<string>): void {
  for (const concept of concepts ?? []) {
    if (concept.code) into.add(concept.code);
    flatten(concept.concept, into);
  }
}

/** Value set url (no version) -> its codes, for the value sets that can be expanded without a terminology server. */
export function expandableValueSets(bundle: { entry?: { resource?: TerminologyResource }[] }): Map<string, ReadonlySet<string>> {
  const codeSystems = new Map<string, Set<string>>();
  for (const entry of bundle.entry ?? []) {
    const resource = entry.resource;
    if (resource?.resourceType === 'CodeSystem' && resource.url && resource.content === 'complete') {
      const codes = new Set<string>();
      flatten(resource.concept, codes);
      codeSystems.set(resource.url, codes);
    }
  }
  const valueSets = new Map<string, ReadonlySet<string>>();
  for (const entry of bundle.entry ?? []) {
    const resource = entry.resource;
    if (resource?.resourceType !== 'ValueSet' || !resource.url || !resource.compose?.include?.length || resource.compose.exclude) continue;
    const codes = new Set<string>();
    let expandable = true;
    for (const include of resource.compose.include) {
      if (include.filter?.length || include.valueSet?.length || !include.system) expandable = false;
      else if (include.concept?.length) flatten(include.concept, codes);
      else {
        const system = codeSystems.get(include.system);
        if (system) system.forEach((code) => codes.add(code));
        else expandable = false;
      }
    }
    if (expandable && codes.size > 0) valueSets.set(resource.url, codes);
  }
  return valueSets;
}

/** Errors for collected required-binding tokens whose code is not in their (expandable) value set. */
export function bindingIssues(
  tokens: Record<string, CollectedToken[]>,
  valueSets: Map<string, ReadonlySet<string>>,
): fhir4.OperationOutcomeIssue[] {
  const issues: fhir4.OperationOutcomeIssue[] = [];
  for (const [key, values] of Object.entries(tokens)) {
    const url = key.split('|')[0] ?? key;
    const codes = valueSets.get(url);
    if (!codes) continue;
    for (const token of values) {
      if (typeof token.value === 'string' && !codes.has(token.value)) {
        issues.push({
          severity: 'error',
          code: 'value',
          diagnostics: `Value "${token.value}" is not in the required value set ${url}${token.path ? ` (${token.path})` : ''}`,
          ...(token.path ? { expression: [token.path] } : {}),
        });
      }
    }
  }
  return issues;
}
