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
  | 'incomplete'
  | 'too-costly';

export interface Issue {
  code: IssueCode;
  diagnostics: string;
  severity?: 'fatal' | 'error' | 'warning' | 'information';
  /** FHIRPath-like locations (e.g. `context.patientId`, `prefetch.labs`). */
  expression?: string[];
}

export function operationOutcome(issues: Issue[]): fhir4.OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: issues.map((issue) => ({
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
    super(list.map((issue) => issue.diagnostics).join('; '));
    this.status = status;
    this.issues = list;
  }
}

export const badRequest = (diagnostics: string, expression?: string[]): HttpError =>
  new HttpError(400, { code: 'invalid', diagnostics, expression });

export const notFound = (diagnostics: string): HttpError => new HttpError(404, { code: 'not-found', diagnostics });

export const unauthorized = (): HttpError => new HttpError(401, { code: 'login', diagnostics: 'unauthorized' });
