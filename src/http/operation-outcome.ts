/** Every non-2xx body is a FHIR OperationOutcome (contract §2; CDS Hooks 3.0 ballot "Returning OperationOutcome"). */
import { listedIssues, type Issue, type OutcomeKind } from '../common/outcomes.js';

export { MAX_LISTED_ISSUES, listedIssues, OutcomeError, type Issue, type IssueCode } from '../common/outcomes.js';

/** The one place a typed outcome becomes an HTTP status. */
export const STATUS_OF: Readonly<Record<OutcomeKind, number>> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  'not-allowed': 405,
  'unobtainable-data': 412,
  'too-costly': 413,
  unsupported: 415,
  unavailable: 503,
};

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

/** The JSON Schema (2020-12) of every error body, as the OpenAPI document publishes it. */
export const operationOutcomeSchema = {
  type: 'object',
  required: ['resourceType', 'issue'],
  properties: {
    resourceType: { const: 'OperationOutcome' },
    issue: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['severity', 'code'],
        properties: {
          severity: { enum: ['fatal', 'error', 'warning', 'information'] },
          code: { type: 'string', minLength: 1 },
          diagnostics: { type: 'string' },
          expression: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
} as const;
