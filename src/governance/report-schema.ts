/** JSON Schema (2020-12) of GET /admin/reports/rules (report.ts `GovernanceReport`), as the OpenAPI document publishes it. */
import { CARD_MODES } from '../store/types.js';

const count = { type: 'integer', minimum: 0 } as const;
const rate = { type: 'number', minimum: 0, maximum: 1 } as const;
const date = { type: 'string', format: 'date' } as const;

export const governanceReportSchema = {
  type: 'object',
  required: ['from', 'to', 'rules', 'orphanFeedback'],
  properties: {
    from: date,
    to: date,
    timeZone: { type: 'string' },
    rules: {
      type: 'array',
      items: {
        type: 'object',
        required: ['ruleId', 'mode', 'issued', 'accepted', 'overridden', 'noFeedback', 'acceptRate', 'overrideRate', 'feedbackCoverage', 'overrideReasons'],
        properties: {
          ruleId: { type: 'string', minLength: 1 },
          mode: { enum: CARD_MODES },
          issued: count,
          accepted: count,
          overridden: count,
          noFeedback: count,
          acceptRate: rate,
          overrideRate: { type: ['number', 'null'], minimum: 0, maximum: 1 },
          feedbackCoverage: rate,
          overrideReasons: {
            type: 'array',
            description: 'most frequent first',
            items: {
              type: 'object',
              required: ['code', 'system', 'count'],
              properties: { code: { type: ['string', 'null'] }, system: { type: ['string', 'null'] }, display: { type: 'string' }, count },
            },
          },
          overriddenWithoutReason: count,
          acceptedSuggestions: { type: 'array', items: { type: 'object', required: ['id', 'count'], properties: { id: { type: 'string' }, count } } },
          indicators: { type: 'object', additionalProperties: count },
        },
      },
    },
    orphanFeedback: count,
    totals: { type: 'object', additionalProperties: count },
    daily: {
      type: 'array',
      items: {
        type: 'object',
        required: ['date', 'ruleId', 'indicator', 'mode', 'count'],
        properties: { date, ruleId: { type: 'string' }, indicator: { type: 'string' }, mode: { enum: CARD_MODES }, count },
      },
    },
  },
} as const;
