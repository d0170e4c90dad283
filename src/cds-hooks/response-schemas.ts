/**
 * JSON Schemas (2020-12) of what the service answers: cards (contract §3, CDS Hooks 2.0 §Card) and discovery. The
 * OpenAPI document (GET /openapi.json) publishes them; the request schemas are in schemas.ts.
 */
import { RULE_CODE_SYSTEM, SUMMARY_MAX_LENGTH } from './cards.js';
import { codingSchema, serviceDefinitionSchema } from './schemas.js';
import { HOOK_NAMES, INDICATORS } from './types.js';

const linkSchema = {
  type: 'object',
  required: ['label', 'url', 'type'],
  properties: {
    label: { type: 'string', minLength: 1 },
    url: { type: 'string', format: 'uri' },
    type: { enum: ['absolute', 'smart'] },
    appContext: { type: 'string' },
  },
} as const;

const actionSchema = {
  type: 'object',
  required: ['type', 'description'],
  properties: {
    type: { enum: ['create', 'update', 'delete'] },
    description: { type: 'string', minLength: 1 },
    resource: { type: 'object', required: ['resourceType'], properties: { resourceType: { type: 'string' } } },
    resourceId: { type: 'string' },
  },
} as const;

export const cardSchema = {
  type: 'object',
  required: ['uuid', 'summary', 'indicator', 'source'],
  properties: {
    uuid: { type: 'string', format: 'uuid' },
    summary: { type: 'string', minLength: 1, maxLength: SUMMARY_MAX_LENGTH },
    detail: { type: 'string', minLength: 1, description: 'GitHub-flavoured Markdown, no HTML' },
    indicator: { enum: INDICATORS },
    source: {
      type: 'object',
      required: ['label', 'topic'],
      properties: {
        label: { type: 'string', minLength: 1 },
        url: { type: 'string', format: 'uri' },
        icon: { type: 'string', format: 'uri' },
        topic: { ...codingSchema, properties: { ...codingSchema.properties, system: { const: RULE_CODE_SYSTEM } }, description: 'code: the rule id' },
      },
    },
    suggestions: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['label', 'uuid'],
        properties: { label: { type: 'string', minLength: 1 }, uuid: { type: 'string', format: 'uuid' }, isRecommended: { type: 'boolean' }, actions: { type: 'array', minItems: 1, items: actionSchema } },
      },
    },
    selectionBehavior: { enum: ['at-most-one', 'any'] },
    overrideReasons: { type: 'array', minItems: 1, items: { ...codingSchema, required: [...codingSchema.required, 'display'] } },
    links: { type: 'array', minItems: 1, items: linkSchema },
  },
  dependentRequired: { suggestions: ['selectionBehavior'] },
} as const;

export const cardsResponseSchema = {
  type: 'object',
  required: ['cards'],
  properties: { cards: { type: 'array', items: cardSchema } },
} as const;

const definition = serviceDefinitionSchema.properties;

/** The discovery document: the published fields of hooks/*.json (`prefetch` absent under ORDER_HOOK_PREFETCH=none). */
export const discoveryResponseSchema = {
  type: 'object',
  required: ['services'],
  properties: {
    services: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['hook', 'id', 'title', 'description'],
        properties: {
          hook: { enum: HOOK_NAMES },
          id: definition.id,
          title: definition.title,
          description: definition.description,
          prefetch: definition.prefetch,
          usageRequirements: definition.usageRequirements,
        },
      },
    },
  },
} as const;
