/**
 * Typed outcomes: what went wrong, in one vocabulary that any layer throws and only the HTTP edge turns into a
 * status code and a FHIR OperationOutcome (after Medplum's packages/core/src/outcomes.ts). Domain code says "the
 * required data is unobtainable", never "412".
 */

/** FHIR R4 IssueType codes this service uses. */
export type IssueCode =
  | 'invalid'
  | 'structure'
  | 'required'
  | 'value'
  | 'not-found'
  | 'not-supported'
  | 'security'
  | 'login'
  | 'processing'
  | 'exception'
  | 'timeout'
  | 'incomplete'
  | 'too-costly'
  | 'transient'
  | 'informational';

export interface Issue {
  code: IssueCode;
  diagnostics: string;
  severity?: 'fatal' | 'error' | 'warning' | 'information';
  /** FHIRPath-like locations (e.g. `context.patientId`, `prefetch.labs`). */
  expression?: string[];
}

/**
 * What kind of failure an outcome is. The HTTP edge maps each kind to one status (http/operation-outcome.ts):
 * invalid 400, unauthorized 401, forbidden 403, not-found 404, not-allowed 405, unobtainable-data 412,
 * too-costly 413, unsupported 415, unavailable 503.
 */
export type OutcomeKind = 'invalid' | 'unauthorized' | 'forbidden' | 'not-found' | 'not-allowed' | 'unobtainable-data' | 'too-costly' | 'unsupported' | 'unavailable';

/** Most issues one OperationOutcome lists; the others are counted in one more issue. */
export const MAX_LISTED_ISSUES = 20;

/**
 * The issues as they are shown: at most MAX_LISTED_ISSUES, then "and N more". Every answer and error message goes
 * through here, so no input can make an OperationOutcome (or a log line) grow with it.
 */
export function listedIssues(issues: readonly Issue[]): Issue[] {
  if (issues.length <= MAX_LISTED_ISSUES) return [...issues];
  const more = issues.length - MAX_LISTED_ISSUES;
  return [...issues.slice(0, MAX_LISTED_ISSUES), { code: 'informational', severity: 'information', diagnostics: `and ${more} more issue${more === 1 ? '' : 's'} found, not listed` }];
}

/** A failure with its kind and the issues that explain it; the message joins the (listed) diagnostics. */
export class OutcomeError extends Error {
  readonly issues: Issue[];

  constructor(
    readonly kind: OutcomeKind,
    issues: Issue[] | Issue,
  ) {
    const list = Array.isArray(issues) ? issues : [issues];
    super(listedIssues(list).map((issue) => issue.diagnostics).join('; '));
    this.issues = list;
  }
}

export const invalid = (diagnostics: string, expression?: string[]): OutcomeError =>
  new OutcomeError('invalid', { code: 'invalid', diagnostics, ...(expression ? { expression } : {}) });

export const notFound = (diagnostics: string): OutcomeError => new OutcomeError('not-found', { code: 'not-found', diagnostics });

export const tooCostly = (diagnostics: string, expression?: string[]): OutcomeError =>
  new OutcomeError('too-costly', { code: 'too-costly', diagnostics, ...(expression ? { expression } : {}) });

/** Required data that neither road could provide (CDS Hooks 2.0: 412). */
export const unobtainableData = (issues: Issue[]): OutcomeError => new OutcomeError('unobtainable-data', issues);

/** A refused client; `reason` is from a fixed vocabulary, for the log line only (the caller sees "unauthorized"). */
export const unauthorized = (reason = 'unauthorized'): OutcomeError => new OutcomeError('unauthorized', { code: 'login', diagnostics: reason });
