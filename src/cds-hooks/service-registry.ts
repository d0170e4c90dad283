import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkStartupDocument, StartupError } from '../common/startup.js';
import { readJsonFile } from '../common/startup-file.js';
import { builtInValueSets } from '../fhir/value-sets.js';
import type { HookName } from './types.js';
import type { RuleGroup } from '../knowledge/types.js';
import { expandValueSetTokens, templateProblems } from './prefetch/template.js';
import type { Validators } from './schemas.js';

export interface ServiceDefinition {
  id: string;
  hook: HookName;
  title: string;
  description: string;
  usageRequirements?: string;
  prefetch: Record<string, string>;
  optionalPrefetch: string[];
  ruleGroups: RuleGroup[];
  /** The file it was read from, for messages. */
  file: string;
}

export interface DiscoveryEntry {
  id: string;
  hook: HookName;
  title: string;
  description: string;
  /** Absent for the order services under ORDER_HOOK_PREFETCH=none (CDS Hooks: prefetch is optional, never empty). */
  prefetch?: Record<string, string>;
  usageRequirements?: string;
}

export interface RegistryOptions {
  /**
   * `none`: discovery publishes the order services without prefetch, so the EHR runs no query for an order that is
   * not TACE; the templates stay, and the resolver fetches them over fhirServer once a TACE order is in scope.
   */
  orderHookPrefetch?: 'full' | 'none';
}

const ORDER_HOOKS: readonly HookName[] = ['order-select', 'order-sign'];

export class ServiceRegistry {
  private readonly byId = new Map<string, ServiceDefinition[]>();
  readonly services: readonly ServiceDefinition[];
  /** The discovery document, built once. */
  readonly discovery: { services: DiscoveryEntry[] };

  constructor(services: ServiceDefinition[], options: RegistryOptions = {}) {
    this.services = services;
    for (const service of services) {
      const list = this.byId.get(service.id) ?? [];
      if (list.some((other) => other.hook === service.hook)) {
        throw new StartupError(`HOOKS_DIR ${service.file}: id "${service.id}" is already defined for hook ${service.hook}`);
      }
      list.push(service);
      this.byId.set(service.id, list);
    }
    this.discovery = {
      services: services.map((service) => ({
        hook: service.hook,
        id: service.id,
        title: service.title,
        description: service.description,
        ...(options.orderHookPrefetch === 'none' && ORDER_HOOKS.includes(service.hook) ? {} : { prefetch: service.prefetch }),
        ...(service.usageRequirements ? { usageRequirements: service.usageRequirements } : {}),
      })),
    };
  }

  /** All definitions under an id (one per hook; CDS Hooks 2.0 lets one id serve several hooks). */
  find(id: string): ServiceDefinition[] | undefined {
    return this.byId.get(id);
  }
}

/**
 * Reads and checks every hooks/*.json; a bad definition stops start-up with the file and the field named.
 * `valueSetQueries` fills the `{{valueset:NAME}}` tokens of the templates (the loaded value sets, site codes
 * included), so that discovery and the FHIR road ask for every code the rules recognise.
 */
export function loadServiceRegistry(
  dir: string,
  validators: Validators,
  valueSetQueries: Readonly<Record<string, string>> = builtInValueSets().searchQueries(),
  options: RegistryOptions = {},
): ServiceRegistry {
  let files: string[];
  try {
    files = readdirSync(dir).filter((name) => name.endsWith('.json')).sort();
  } catch (error) {
    throw new StartupError(`HOOKS_DIR ${dir}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (files.length === 0) throw new StartupError(`HOOKS_DIR ${dir}: no service definitions (*.json)`);
  return new ServiceRegistry(
    files.map((name) => parseServiceDefinition(join(dir, name), readJsonFile('HOOKS_DIR', join(dir, name)), validators, valueSetQueries)),
    options,
  );
}

/** Longest prefetch query accepted once expanded: many FHIR servers and proxies refuse URLs over 8 KB. */
export const MAX_TEMPLATE_LENGTH = 8000;

export function parseServiceDefinition(file: string, json: unknown, validators: Validators, valueSetQueries: Readonly<Record<string, string>>): ServiceDefinition {
  const where = `HOOKS_DIR ${file}`;
  checkStartupDocument(where, json, validators.serviceDefinition);
  const definition = json as Omit<ServiceDefinition, 'file' | 'optionalPrefetch'> & { optionalPrefetch?: string[] };
  const problems: string[] = [];
  const prefetch: Record<string, string> = {};
  for (const [key, written] of Object.entries(definition.prefetch)) {
    const expanded = expandValueSetTokens(written, valueSetQueries);
    if ('problem' in expanded) {
      problems.push(`prefetch.${key}: ${expanded.problem}`);
      continue;
    }
    prefetch[key] = expanded.template;
    for (const problem of templateProblems(expanded.template)) problems.push(`prefetch.${key}: ${problem}`);
    if (expanded.template.length > MAX_TEMPLATE_LENGTH) problems.push(`prefetch.${key}: is ${expanded.template.length} characters once its value sets are filled in, more than ${MAX_TEMPLATE_LENGTH}`);
  }
  for (const key of definition.optionalPrefetch ?? []) {
    if (!(key in definition.prefetch)) problems.push(`optionalPrefetch: "${key}" is not a prefetch key`);
  }
  if (problems.length > 0) throw new StartupError(`${where}: ${problems.join('; ')}`);
  const { $comment: _comment, ...rest } = definition as typeof definition & { $comment?: string };
  return { ...rest, prefetch, optionalPrefetch: definition.optionalPrefetch ?? [], file };
}
