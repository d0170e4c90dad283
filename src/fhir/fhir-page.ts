/** A FHIR answer as pages of data: a Bundle's resources and next link, or one resource; error outcomes flagged, not data. */
import { isObject } from '../common/json-object.js';

export interface Page {
  resources: fhir4.FhirResource[];
  next?: string;
  /** The page carries an OperationOutcome (alone, or as an entry): it is not data. */
  outcome?: boolean;
}


/** Issue codes that say the results are partial, whatever the severity (FHIR R4 issue-type). */
const PARTIAL_RESULT_CODES = new Set(['incomplete', 'suppressed', 'too-costly', 'throttled', 'timeout', 'transient', 'lock-error', 'no-store', 'exception']);

/**
 * An OperationOutcome entry that reports a failure or partial results. Servers also put purely informational ones in
 * searchsets ("no results", "parameter ignored": severity information or warning with another code); those are not
 * errors (conformance E4 is about errors) and leave the page's data as it is. Anything unreadable counts as an error.
 */
function reportsError(resource: unknown): boolean {
  const issues = isObject(resource) && Array.isArray(resource.issue) ? (resource.issue as unknown[]) : [];
  const harmless = (issue: unknown): boolean =>
    isObject(issue) && (issue.severity === 'information' || issue.severity === 'warning') && typeof issue.code === 'string' && !PARTIAL_RESULT_CODES.has(issue.code);
  return issues.length === 0 || !issues.every(harmless);
}

/** The resources of a Bundle or a single resource; OperationOutcomes that report errors (alone or as entries) flagged, not data. */
export function readPage(value: Record<string, unknown>): Page | { problem: string } {
  if (value.resourceType === 'OperationOutcome') return { resources: [], outcome: true };
  if (value.resourceType !== 'Bundle') {
    return typeof value.resourceType === 'string' ? { resources: [value as unknown as fhir4.FhirResource] } : { problem: 'the body is not a FHIR resource' };
  }
  if (value.entry !== undefined && !Array.isArray(value.entry)) return { problem: 'Bundle.entry is not an array' };
  const resources: fhir4.FhirResource[] = [];
  let outcome = false;
  for (const entry of (value.entry as unknown[] | undefined) ?? []) {
    if (!isObject(entry)) continue;
    const resource = entry.resource;
    const mode = isObject(entry.search) ? entry.search.mode : undefined;
    if (mode === 'outcome' || (isObject(resource) && resource.resourceType === 'OperationOutcome')) {
      if (reportsError(resource)) outcome = true;
      continue;
    }
    if (isObject(resource) && typeof resource.resourceType === 'string') resources.push(resource as unknown as fhir4.FhirResource);
  }
  const links = Array.isArray(value.link) ? (value.link as unknown[]) : [];
  const next = links.find((link): link is { relation: string; url: string } => isObject(link) && link.relation === 'next' && typeof link.url === 'string' && link.url !== '');
  return { resources, ...(next ? { next: next.url } : {}), ...(outcome ? { outcome } : {}) };
}
