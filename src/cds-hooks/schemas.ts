import type { Ajv, ErrorObject } from 'ajv';
import { createAjv } from '../common/json-schema.js';
import { HOOK_NAMES } from './types.js';
import { RULE_GROUPS } from '../knowledge/types.js';

export { describeErrors } from '../common/json-schema.js';

/** FHIR id (R4 §2.24.0.1); also keeps anything that would alter a FHIR query URL out of the context. */
export const FHIR_ID_PATTERN = '^[A-Za-z0-9\\-.]{1,64}$';
const REFERENCE_PATTERN = '^[A-Z][A-Za-z]+/[A-Za-z0-9\\-.]{1,64}$';

export const codingSchema = {
  type: 'object',
  required: ['system', 'code'],
  properties: { system: { type: 'string', minLength: 1 }, code: { type: 'string', minLength: 1 }, display: { type: 'string' } },
};

const draftOrdersBundle = {
  type: 'object',
  required: ['resourceType'],
  properties: {
    resourceType: { const: 'Bundle' },
    // Bundle.type is often missing (hooks library R4 examples, the Sandbox): not required.
    type: { type: 'string' },
    entry: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          resource: { type: 'object', required: ['resourceType'], properties: { resourceType: { type: 'string' }, id: { type: 'string' } } },
        },
      },
    },
  },
};

const baseContext = {
  userId: { type: 'string', pattern: REFERENCE_PATTERN },
  patientId: { type: 'string', pattern: FHIR_ID_PATTERN },
  encounterId: { type: 'string', pattern: FHIR_ID_PATTERN },
};

export const contextSchemas = {
  'patient-view': { type: 'object', required: ['userId', 'patientId'], properties: baseContext },
  'order-select': {
    type: 'object',
    required: ['userId', 'patientId', 'selections', 'draftOrders'],
    properties: {
      ...baseContext,
      selections: { type: 'array', minItems: 1, items: { type: 'string', pattern: REFERENCE_PATTERN } },
      draftOrders: draftOrdersBundle,
    },
  },
  'order-sign': {
    type: 'object',
    required: ['userId', 'patientId', 'draftOrders'],
    properties: { ...baseContext, draftOrders: draftOrdersBundle },
  },
} as const;

/** The CDS Hooks 2.0 request envelope. Unknown fields and `extension` are accepted (forward compatibility). */
export const hookRequestSchema = {
  type: 'object',
  required: ['hook', 'hookInstance', 'context'],
  properties: {
    hook: { type: 'string', minLength: 1 },
    hookInstance: { type: 'string', minLength: 1, maxLength: 256 },
    fhirServer: { type: 'string', format: 'uri', pattern: '^https?://' },
    fhirAuthorization: {
      type: 'object',
      required: ['access_token'],
      properties: {
        access_token: { type: 'string', minLength: 1 },
        token_type: { type: 'string', pattern: '^[Bb][Ee][Aa][Rr][Ee][Rr]$' },
        // expires_in is REQUIRED by the spec but real authorization servers omit it (cds-hooks/sandbox#65).
        expires_in: { type: 'number' },
        scope: { type: 'string' },
        subject: { type: 'string' },
        patient: { type: 'string' },
      },
    },
    context: { type: 'object' },
    // Values are checked per service (prefetchValueSchema) for the keys it asked for; keys it did not ask for are
    // ignored whatever they hold (conformance C7; the spec's own example sends `"user": "123"`).
    prefetch: { type: 'object' },
    extension: { type: 'object' },
  },
  // fhirServer is CONDITIONAL: required when fhirAuthorization is present.
  dependencies: { fhirAuthorization: ['fhirServer'] },
} as const;

export const feedbackItemSchema = {
  type: 'object',
  required: ['card', 'outcome', 'outcomeTimestamp'],
  properties: {
    card: { type: 'string', minLength: 1, maxLength: 256 },
    outcome: { enum: ['accepted', 'overridden'] },
    acceptedSuggestions: {
      type: 'array',
      minItems: 1,
      items: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1 } } },
    },
    overrideReason: {
      type: 'object',
      properties: {
        reason: codingSchema,
        userComment: { type: 'string', maxLength: 10000 },
        // The pre-2020 flat shape {code, system} is still sent by older clients.
        code: { type: 'string', minLength: 1 },
        system: { type: 'string', minLength: 1 },
      },
      anyOf: [{ required: ['reason'] }, { required: ['userComment'] }, { required: ['code'] }],
    },
    outcomeTimestamp: { type: 'string', format: 'date-time' },
  },
  if: { properties: { outcome: { const: 'accepted' } } },
  then: { required: ['acceptedSuggestions'] },
};

export const feedbackSchema = {
  type: 'object',
  required: ['feedback'],
  // The most items (MAX_FEEDBACK_ITEMS) is checked before this schema, as a 413.
  properties: { feedback: { type: 'array', minItems: 1, items: feedbackItemSchema } },
} as const;

/** hooks/*.json: one CDS service each. */
export const serviceDefinitionSchema = {
  type: 'object',
  required: ['id', 'hook', 'title', 'description', 'prefetch', 'ruleGroups'],
  additionalProperties: false,
  properties: {
    $comment: { type: 'string' },
    id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$' },
    hook: { enum: HOOK_NAMES },
    title: { type: 'string', minLength: 1 },
    description: { type: 'string', minLength: 1 },
    usageRequirements: { type: 'string', minLength: 1 },
    prefetch: { type: 'object', minProperties: 1, additionalProperties: { type: 'string', minLength: 1 } },
    /** Prefetch keys whose absence is reported in the cards instead of failing the call with 412. */
    optionalPrefetch: { type: 'array', items: { type: 'string' }, uniqueItems: true },
    ruleGroups: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: RULE_GROUPS } },
  },
} as const;

/** A prefetch value the service asked for: a FHIR resource or null; a Bundle's `entry`, when present, is an array. */
export const prefetchValueSchema = { type: ['object', 'null'], properties: { entry: { type: 'array' } } } as const;

/** A compiled schema: true when the value conforms; otherwise `errors` says why. */
export interface Validate {
  (data: unknown): boolean;
  errors: ErrorObject[] | null | undefined;
}

/** Items of each array that an error report looks at. */
const REPORTED_ITEMS = 20;
/** Nesting below which arrays are left whole in the report's copy (no schema here goes that deep). */
const REPORTED_DEPTH = 32;

/** `value` with every array cut to its first REPORTED_ITEMS items; the parts that needed no cut are shared, not copied. */
function firstItems(value: unknown, depth = 0): unknown {
  if (typeof value !== 'object' || value === null || depth > REPORTED_DEPTH) return value;
  if (Array.isArray(value)) return value.slice(0, REPORTED_ITEMS).map((item) => firstItems(item, depth + 1));
  let copy: Record<string, unknown> | undefined;
  const record = value as Record<string, unknown>;
  for (const key in record) {
    const child = record[key];
    const cut = firstItems(child, depth + 1);
    // defineProperty, not assignment: a "__proto__" key from JSON.parse is data, not the copy's prototype.
    if (cut !== child) Object.defineProperty((copy ??= { ...record }), key, { value: cut, enumerable: true, writable: true, configurable: true });
  }
  return copy ?? value;
}

/**
 * Work that does not grow with the number of errors. The verdict comes from a pass that stops at the first error;
 * only a failed value gets an all-errors pass, and that one over a copy whose arrays are cut to their first items
 * (all errors of 500 000 bad items made 500 000 error objects and blocked the process for seconds). When the cut
 * copy conforms, the first error (wherever it is) is the report.
 */
function boundedValidator(firstError: Ajv, allErrors: Ajv, schema: object): Validate {
  const verdict = firstError.compile(schema);
  const explain = allErrors.compile(schema);
  const validate: Validate = Object.assign(
    (data: unknown): boolean => {
      if (verdict(data)) {
        validate.errors = null;
        return true;
      }
      validate.errors = explain(firstItems(data)) ? verdict.errors : explain.errors;
      return false;
    },
    { errors: null },
  );
  return validate;
}

/** All validators, compiled once at start-up. */
export interface Validators {
  request: Validate;
  prefetchValue: Validate;
  contexts: Record<keyof typeof contextSchemas, Validate>;
  feedback: Validate;
  serviceDefinition: Validate;
}

export function compileValidators(): Validators {
  const firstError = createAjv({ allErrors: false });
  const allErrors = createAjv();
  const compile = (schema: object): Validate => boundedValidator(firstError, allErrors, schema);
  return {
    request: compile(hookRequestSchema),
    prefetchValue: compile(prefetchValueSchema),
    contexts: {
      'patient-view': compile(contextSchemas['patient-view']),
      'order-select': compile(contextSchemas['order-select']),
      'order-sign': compile(contextSchemas['order-sign']),
    },
    feedback: compile(feedbackSchema),
    serviceDefinition: compile(serviceDefinitionSchema),
  };
}
