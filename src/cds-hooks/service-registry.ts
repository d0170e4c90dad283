import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HookName } from './types.js';
import type { RuleGroup } from '../knowledge/types.js';
import { templateProblems } from './prefetch/template.js';
import { describeErrors, type Validators } from './schemas.js';

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
  prefetch: Record<string, string>;
  usageRequirements?: string;
}

export class ServiceDefinitionError extends Error {}

export class ServiceRegistry {
  private readonly byId = new Map<string, ServiceDefinition[]>();
  readonly services: readonly ServiceDefinition[];
  /** The discovery document, built once. */
  readonly discovery: { services: DiscoveryEntry[] };

  constructor(services: ServiceDefinition[]) {
    this.services = services;
    for (const service of services) {
      const list = this.byId.get(service.id) ?? [];
      if (list.some((other) => other.hook === service.hook)) {
        throw new ServiceDefinitionError(`${service.file}: id "${service.id}" is already defined for hook ${service.hook}`);
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
        prefetch: service.prefetch,
        ...(service.usageRequirements ? { usageRequirements: service.usageRequirements } : {}),
      })),
    };
  }

  /** All definitions under an id (one per hook; CDS Hooks 2.0 lets one id serve several hooks). */
  find(id: string): ServiceDefinition[] | undefined {
    return this.byId.get(id);
  }
}

/** Reads and checks every hooks/*.json; a bad definition stops start-up with the file and the field named. */
export function loadServiceRegistry(dir: string, validators: Validators): ServiceRegistry {
  let files: string[];
  try {
    files = readdirSync(dir).filter((name) => name.endsWith('.json')).sort();
  } catch (error) {
    throw new ServiceDefinitionError(`cannot read the hooks directory ${dir}: ${(error as Error).message}`);
  }
  if (files.length === 0) throw new ServiceDefinitionError(`no service definitions (*.json) in ${dir}`);
  return new ServiceRegistry(files.map((name) => parseServiceDefinition(join(dir, name), readFileSync(join(dir, name), 'utf8'), validators)));
}

export function parseServiceDefinition(file: string, text: string, validators: Validators): ServiceDefinition {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ServiceDefinitionError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  if (!validators.serviceDefinition(json)) {
    const lines = describeErrors(validators.serviceDefinition.errors, '').map((e) => `${e.path || '(root)'} ${e.message}`);
    throw new ServiceDefinitionError(`${file}: ${lines.join('; ')}`);
  }
  const definition = json as Omit<ServiceDefinition, 'file' | 'optionalPrefetch'> & { optionalPrefetch?: string[] };
  const problems: string[] = [];
  for (const [key, template] of Object.entries(definition.prefetch)) {
    for (const problem of templateProblems(template)) problems.push(`prefetch.${key}: ${problem}`);
  }
  for (const key of definition.optionalPrefetch ?? []) {
    if (!(key in definition.prefetch)) problems.push(`optionalPrefetch: "${key}" is not a prefetch key`);
  }
  if (problems.length > 0) throw new ServiceDefinitionError(`${file}: ${problems.join('; ')}`);
  const { $comment: _comment, ...rest } = definition as typeof definition & { $comment?: string };
  return { ...rest, optionalPrefetch: definition.optionalPrefetch ?? [], file };
}
