/** Every non-2xx body is a FHIR OperationOutcome (contract §2; CDS Hooks 3.0 ballot "Returning OperationOutcome"). */

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
  | 'transient'
  | 'incomplete'
  | 'too-costly'
  | 'informational';

export interface Issue {
  code: IssueCode;
  diagnostics: string;
  severity?: 'fatal' | 'error' | 'warning' | 'information';
  /** FHIRPath-like locations (e.g. `context.patientId`, `prefetch.labs`). */
  expression?: string[];
}

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

export function operationOutcome(issues: readonly Issue[]): fhir4.OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: listedIssues(issues).map((issue) => ({
      severity: issue.severity ?? 'error',
      code: issue.code,
      diagnostics: issue.diagnostics,
      ...(issue.expression && issue.expression.length > 0 ? { expression: issue.expression } : {}),
    })),
  };
}

/** An error that the HTTP layer turns into `status` + OperationOutcome. */
export class HttpError extends Error {
  readonly status: number;
  readonly issues: Issue[];

  constructor(status: number, issues: Issue[] | Issue) {
    const list = Array.isArray(issues) ? issues : [issues];
    super(listedIssues(list).map((issue) => issue.diagnostics).join('; '));
    this.status = status;
    this.issues = list;
  }
}

export const badRequest = (diagnostics: string, expression?: string[]): HttpError =>
  new HttpError(400, { code: 'invalid', diagnostics, expression });

export const notFound = (diagnostics: string): HttpError => new HttpError(404, { code: 'not-found', diagnostics });

export const unauthorized = (): HttpError => new HttpError(401, { code: 'login', diagnostics: 'unauthorized' });
