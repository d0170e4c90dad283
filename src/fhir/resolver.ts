import type { ServiceDefinition } from '../cds-hooks/service-registry.js';
import type { HookRequest } from '../cds-hooks/types.js';
import { HttpError } from '../http/operation-outcome.js';
import type { DataResolver, ResolvedData, ResolvedKey } from './resolved-data.js';

// INTERIM (foundation): prefetch road only. The FHIR-server road replaces this in the data work (issue 3).
export class PrefetchResolver implements DataResolver {
  async resolve(service: ServiceDefinition, request: HookRequest): Promise<ResolvedData> {
    const keys: ResolvedKey[] = [];
    for (const key of Object.keys(service.prefetch)) {
      const value = request.prefetch?.[key];
      if (value === null) {
        keys.push({ key, road: 'known-empty', resources: [], complete: true });
        continue;
      }
      if (value === undefined || value.resourceType === 'OperationOutcome') {
        throw new HttpError(412, { code: 'incomplete', diagnostics: `prefetch key "${key}" is missing and no FHIR server can be used`, expression: [`prefetch.${key}`] });
      }
      const resources = value.resourceType === 'Bundle'
        ? ((value.entry as { resource?: fhir4.FhirResource }[] | undefined) ?? []).flatMap((e) => (e?.resource ? [e.resource] : []))
        : [value as unknown as fhir4.FhirResource];
      keys.push({ key, road: 'prefetch', resources, complete: true });
    }
    return { keys, gaps: [], fhirRequests: 0 };
  }
}
