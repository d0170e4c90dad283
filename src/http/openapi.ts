/**
 * The OpenAPI 3.1 description of the service (contract §9, GET /openapi.json), built once at start-up from the same
 * JSON Schemas that validate the requests (cds-hooks/schemas.ts) and from the loaded service registry: one path per
 * service id, whose request body carries that hook's context schema and the service's prefetch keys.
 */
import { contextSchemas, feedbackItemSchema, feedbackSchema, hookRequestSchema, prefetchValueSchema } from '../cds-hooks/schemas.js';
import { cardsResponseSchema, discoveryResponseSchema } from '../cds-hooks/response-schemas.js';
import type { ServiceDefinition, ServiceRegistry } from '../cds-hooks/service-registry.js';
import { governanceReportSchema } from '../governance/report-schema.js';
import { operationOutcomeSchema } from './operation-outcome.js';

export type JsonObject = Record<string, unknown>;

export interface OpenApiOptions {
  publicBaseUrl: string;
  /** CDS_CLIENTS_FILE is set: discovery, services and feedback need the client JWT. */
  clientAuthentication: boolean;
  version: string;
}

/**
 * The request schemas are written for ajv's default dialect (draft-07); OpenAPI 3.1 speaks JSON Schema 2020-12.
 * The one keyword that differs here: `dependencies` with a list of names is 2020-12's `dependentRequired`.
 */
export function toDraft2020(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toDraft2020);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    const isRequiredList = key === 'dependencies' && Object.values(value as JsonObject).every(Array.isArray);
    out[isRequiredList ? 'dependentRequired' : key] = toDraft2020(value);
  }
  return out;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const CONTEXT_SCHEMA: Readonly<Record<keyof typeof contextSchemas, string>> = {
  'patient-view': 'PatientViewContext',
  'order-select': 'OrderSelectContext',
  'order-sign': 'OrderSignContext',
};

const outcome = (description: string) => ({
  description,
  content: { 'application/json': { schema: ref('OperationOutcome') }, 'application/fhir+json': { schema: ref('OperationOutcome') } },
});
const json = (description: string, schema: JsonObject) => ({ description, content: { 'application/json': { schema } } });

const ERRORS = {
  400: outcome('malformed request: the OperationOutcome names each field and why'),
  401: outcome('failed client authentication (the body says no more than "unauthorized"; the reason is in the service log)'),
  404: outcome('unknown service id or path'),
  412: outcome('required data unobtainable from prefetch and fhirServer'),
  413: outcome('body, draft orders, selections, feedback items or a prefetch Bundle over the limits'),
  415: outcome('unsupported content type, encoding or charset'),
  503: outcome('the store cannot be reached: nothing was accepted unchecked'),
} as const;
const pick = (...statuses: (keyof typeof ERRORS)[]) => Object.fromEntries(statuses.map((status) => [status, ERRORS[status]]));

/** The CORS preflight every endpoint answers without authentication (contract §2). */
const preflight = (tag: string) => ({
  tags: [tag],
  summary: 'CORS preflight (no authentication)',
  security: [],
  responses: {
    204: {
      description: 'preflight answered',
      headers: {
        'Access-Control-Allow-Origin': { schema: { type: 'string' } },
        'Access-Control-Allow-Methods': { schema: { type: 'string' } },
        'Access-Control-Allow-Headers': { schema: { type: 'string' }, description: 'covers Authorization, Content-Type' },
      },
    },
  },
});

/** The body a service accepts: the CDS Hooks envelope, its hook's context and a value schema for each of its prefetch keys. */
function serviceRequestSchema(definitions: readonly ServiceDefinition[]): JsonObject {
  const forHook = (service: ServiceDefinition): JsonObject => ({
    allOf: [ref('HookRequest')],
    properties: {
      hook: { const: service.hook },
      context: ref(CONTEXT_SCHEMA[service.hook]),
      prefetch: { type: 'object', properties: Object.fromEntries(Object.keys(service.prefetch).map((key) => [key, ref('PrefetchValue')])) },
    },
  });
  return definitions.length === 1 ? forHook(definitions[0]!) : { oneOf: definitions.map(forHook) };
}

function servicePaths(id: string, definitions: readonly ServiceDefinition[], security: JsonObject[]): JsonObject {
  const hooks = definitions.map((service) => service.hook).join(', ');
  const describe = definitions.map((service) => `${service.title} (${service.hook}): ${service.description}`).join('\n\n');
  return {
    [`/cds-services/${id}`]: {
      post: {
        tags: ['CDS services'],
        operationId: `call-${id}`,
        summary: `${definitions[0]!.title} (${hooks})`,
        description: describe,
        security,
        requestBody: { required: true, content: { 'application/json': { schema: serviceRequestSchema(definitions) } } },
        responses: { 200: json('the cards (one per rule that fires; `{"cards": []}` when none does)', ref('CardsResponse')), ...pick(400, 401, 412, 413, 415, 503) },
      },
      options: preflight('CDS services'),
    },
    [`/cds-services/${id}/feedback`]: {
      post: {
        tags: ['Feedback'],
        operationId: `feedback-${id}`,
        summary: `Feedback on cards of ${id}: stored durably, duplicates harmless`,
        security,
        requestBody: { required: true, content: { 'application/json': { schema: ref('FeedbackRequest') } } },
        responses: { 200: json('the items are committed', { type: 'object', maxProperties: 0 }), ...pick(400, 401, 413, 415, 503) },
      },
      get: {
        tags: ['Feedback'],
        operationId: `list-feedback-${id}`,
        summary: `The feedback stored for ${id}, oldest first, as it was sent`,
        security,
        responses: { 200: json('the stored items', ref('FeedbackList')), ...pick(401, 503) },
      },
      options: preflight('Feedback'),
    },
  };
}

const plain = (description: string, type = 'text/plain') => ({ description, content: { [type]: { schema: { type: 'string' } } } });

export function buildOpenApiDocument(registry: ServiceRegistry, options: OpenApiOptions): JsonObject {
  const security = options.clientAuthentication ? [{ cdsClientJwt: [] }] : [];
  const admin = [{ adminToken: [] }];
  const ids = [...new Set(registry.services.map((service) => service.id))];
  const services = Object.assign({}, ...ids.map((id) => servicePaths(id, registry.find(id) ?? [], security))) as JsonObject;
  const dateParameter = (name: string) => ({ name, in: 'query', required: false, description: `inclusive, a calendar date in CDS_TIME_ZONE`, schema: { type: 'string', format: 'date' } });

  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'hcc-cds',
      version: options.version,
      summary: 'CDS Hooks 2.0 service for primary liver cancer care',
      description:
        'TACE contraindications (order-select, order-sign), HCC surveillance, AFP work-up and post-treatment follow-up (patient-view). ' +
        'Every non-2xx body is a FHIR OperationOutcome. The request schemas here are the ones the service validates with.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: options.publicBaseUrl }],
    tags: [{ name: 'CDS services' }, { name: 'Feedback' }, { name: 'Discovery' }, { name: 'Operations' }, { name: 'Governance' }],
    paths: {
      '/cds-services': {
        get: {
          tags: ['Discovery'],
          operationId: 'discovery',
          summary: 'CDS Hooks discovery: the services, their hooks and prefetch templates',
          security,
          responses: { 200: json('the services', ref('Discovery')), ...pick(401) },
        },
        options: preflight('Discovery'),
      },
      ...services,
      '/cds-services/{id}': {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        post: {
          tags: ['CDS services'],
          operationId: 'call-unknown-service',
          summary: 'Any id not listed above',
          security,
          requestBody: { content: { 'application/json': { schema: ref('HookRequest') } } },
          responses: pick(401, 404),
        },
      },
      '/healthz': { get: { tags: ['Operations'], operationId: 'healthz', summary: 'Liveness', security: [], responses: { 200: json('the process lives', { type: 'object', required: ['status'], properties: { status: { const: 'ok' } } }) } } },
      '/readyz': {
        get: {
          tags: ['Operations'],
          operationId: 'readyz',
          summary: 'Readiness: start-up done and the store answers',
          security: [],
          responses: { 200: json('ready', { type: 'object', required: ['status'], properties: { status: { const: 'ready' } } }), 503: outcome('not ready (starting, shutting down, or the store does not answer)') },
        },
      },
      '/metrics': { get: { tags: ['Operations'], operationId: 'metrics', summary: 'Prometheus text', security: [], responses: { 200: plain('request counts and latency per service, FHIR calls, cards per rule') } } },
      '/openapi.json': {
        get: { tags: ['Operations'], operationId: 'openapi', summary: 'This document (no authentication: it holds no patient data and no secret)', security: [], responses: { 200: json('OpenAPI 3.1', { type: 'object' }) } },
      },
      '/admin': {
        get: {
          tags: ['Governance'],
          operationId: 'admin-page',
          summary: 'The rule report page with charts',
          security: admin,
          responses: { 200: plain('the page', 'text/html'), 401: plain('the page without data, asking for the token', 'text/html'), 404: outcome('NODE_ENV=production without ADMIN_TOKEN') },
        },
      },
      '/admin/reports/rules': {
        get: {
          tags: ['Governance'],
          operationId: 'rule-report',
          summary: 'Per (rule id, mode): issued, accepted, overridden cards and the override reasons',
          security: admin,
          parameters: [dateParameter('from'), dateParameter('to'), { name: 'format', in: 'query', required: false, description: 'csv: the same rows as CSV (or Accept: text/csv)', schema: { enum: ['json', 'csv'] } }],
          responses: {
            200: { description: 'the report', content: { 'application/json': { schema: ref('RuleReport') }, 'text/csv': { schema: { type: 'string' } } } },
            400: outcome('a bad date or range'),
            401: outcome('no or wrong admin token'),
            404: outcome('NODE_ENV=production without ADMIN_TOKEN'),
            503: outcome('the store cannot be reached'),
          },
        },
      },
    },
    components: {
      schemas: {
        HookRequest: toDraft2020(hookRequestSchema),
        PatientViewContext: toDraft2020(contextSchemas['patient-view']),
        OrderSelectContext: toDraft2020(contextSchemas['order-select']),
        OrderSignContext: toDraft2020(contextSchemas['order-sign']),
        PrefetchValue: toDraft2020(prefetchValueSchema),
        FeedbackRequest: toDraft2020(feedbackSchema),
        FeedbackItem: toDraft2020(feedbackItemSchema),
        FeedbackList: { type: 'object', required: ['feedback'], properties: { feedback: { type: 'array', items: ref('FeedbackItem') } } },
        CardsResponse: cardsResponseSchema,
        Discovery: discoveryResponseSchema,
        OperationOutcome: operationOutcomeSchema,
        RuleReport: governanceReportSchema,
      },
      securitySchemes: {
        cdsClientJwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'CDS Hooks 2.0 client JWT (iss, aud = server URL + path, exp, iat, jti), when CDS_CLIENTS_FILE is set' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' },
      },
    },
  };
}
