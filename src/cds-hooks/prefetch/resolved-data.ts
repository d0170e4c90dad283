import type { ServiceDefinition } from '../service-registry.js';
import type { HookRequest } from '../types.js';
import type { DataGap } from '../../record/record.js';

/** Which road a prefetch key's data came by. */
export type DataRoad = 'prefetch' | 'fhir-server' | 'known-empty';

export interface ResolvedKey {
  key: string;
  road: DataRoad;
  /** Resources found under this key (search-mode `match` and `include`; OperationOutcomes removed). */
  resources: fhir4.FhirResource[];
  /** False when paging stopped at the bound: more data exists than was read. */
  complete: boolean;
  /** The resource type the key's template asks for (`Observation?...` -> Observation); other types under it are not its data. */
  resourceType?: string;
}

export interface ResolvedData {
  keys: ResolvedKey[];
  gaps: DataGap[];
  /** FHIR requests made for this call (0 with full prefetch). */
  fhirRequests: number;
}

/**
 * Gets every prefetch key of a service for one hook call, by prefetch or from `fhirServer`.
 * Throws an unobtainable-data outcome (412, an OperationOutcome naming the key and why) when required data cannot be had
 * by either road before `deadline` aborts.
 */
export interface DataResolver {
  resolve(service: ServiceDefinition, request: HookRequest, deadline: AbortSignal): Promise<ResolvedData>;
  /** Releases pooled connections (service shutdown). */
  close?(): void;
}
