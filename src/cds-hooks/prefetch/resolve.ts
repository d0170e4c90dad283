/**
 * Prefetch resolution: every prefetch key of a service for one hook call, by prefetch or from `fhirServer`
 * (contract.md §4; cds-hooks-conformance.md §1.C-§1.E). Top-down, per key: render its template (template.ts), decide
 * what to do with what was sent (plan.ts), fetch what is missing (fhir/fhir-fetch.ts, over the bounded transport),
 * follow `next` links within FHIR_MAX_PAGES / FHIR_MAX_RESOURCES (data cut off is a `truncated` gap), then apply the
 * service's failure policy (failure-policy.ts). All fetches of a call start together (one wave) under its deadline.
 */
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { Metrics } from '../../common/metrics.js';
import { FetchFailure, FhirCall, FhirFetcher } from '../../fhir/fhir-fetch.js';
import type { Page } from '../../fhir/fhir-page.js';
import { FhirTransport } from '../../fhir/fhir-transport.js';
import { serverProblem } from '../../fhir/outbound-policy.js';
import type { ServiceDefinition } from '../service-registry.js';
import type { HookRequest, PrefetchValue } from '../types.js';
import { applyFailurePolicy, type KeyResult } from './failure-policy.js';
import { planKey } from './plan.js';
import type { DataResolver, ResolvedData } from './resolved-data.js';
import { renderTemplate, tokenValues } from './template.js';

export interface ResolverOptions {
  fhirTimeoutMs: number;
  hookDeadlineMs: number;
  fhirMaxPages: number;
  fhirMaxResources: number;
  /** Most bytes read from one FHIR answer, counted after decoding. */
  fhirMaxResponseBytes: number;
  /** Base-URL prefixes outbound requests may go to; empty = any. */
  fhirServerAllowlist: readonly string[];
  /** Production: only https FHIR servers. */
  production: boolean;
  metrics?: Metrics;
  logger?: Logger;
}

/** What a service's prefetch keys are, worked out once per service (services are loaded at start-up). */
interface ServiceShape {
  keys: string[];
  optional: ReadonlySet<string>;
  /** The resource type of each key whose template names it (`Observation?...`); a token-led template (`{{context.userId}}`) is known only once rendered. */
  staticTypes: ReadonlyMap<string, string>;
}
const shapes = new WeakMap<ServiceDefinition, ServiceShape>();
function shapeOf(service: ServiceDefinition): ServiceShape {
  let shape = shapes.get(service);
  if (!shape) {
    const keys = Object.keys(service.prefetch);
    const staticTypes = new Map(keys.filter((key) => !(service.prefetch[key] as string).startsWith('{{')).map((key) => [key, expectedType(service.prefetch[key] as string)]));
    shape = { keys, optional: new Set(service.optionalPrefetch ?? []), staticTypes };
    shapes.set(service, shape);
  }
  return shape;
}

export class FhirDataResolver implements DataResolver {
  /** Kept for the life of the service: its kept-alive connections serve every hook call. */
  private readonly transport: FhirTransport;
  private readonly fetcher: FhirFetcher;

  constructor(private readonly options: ResolverOptions) {
    this.transport = new FhirTransport({ maxResponseBytes: options.fhirMaxResponseBytes, allowlist: options.fhirServerAllowlist, production: options.production });
    this.fetcher = new FhirFetcher(options);
  }

  close(): void {
    this.transport.close();
  }

  async resolve(service: ServiceDefinition, request: HookRequest, deadline: AbortSignal): Promise<ResolvedData> {
    const call = new FhirCall(request, deadline, this.transport);
    const values = tokenValues(request.context);
    const { keys, optional, staticTypes } = shapeOf(service);
    const problem = serverProblem(request.fhirServer, this.options, this.transport.allowlist);
    // Each request in flight (one per key at most) listens to the call's signal, which the deadline pulls; a site's
    // hooks may have more keys than Node's default of 10 listeners, which would print a MaxListenersExceededWarning.
    setMaxListeners(Math.max(10, keys.length), deadline, call.cancel.signal);

    const settled = await Promise.all(
      keys.map(async (key): Promise<KeyResult | FetchFailure> => {
        try {
          return await this.resolveKey(key, service.prefetch[key] as string, request.prefetch?.[key], values, problem, call);
        } catch (error) {
          const failure = error instanceof FetchFailure ? error : new FetchFailure('unexpected error while reading the data', 'exception');
          // Fail fast: a required key is lost, so the call will answer 412; stop the other fetches.
          if (!optional.has(key) && !failure.cancelled) call.cancel.abort();
          return failure;
        }
      }),
    );
    const resourceTypeOf = (key: string): string =>
      staticTypes.get(key) ?? expectedType(renderTemplate(service.prefetch[key] as string, values) ?? (service.prefetch[key] as string));
    const { resolved, gaps } = applyFailurePolicy(keys, settled, optional, resourceTypeOf);
    return { keys: resolved, gaps, fhirRequests: call.requests };
  }

  private async resolveKey(
    key: string,
    template: string,
    value: PrefetchValue | undefined,
    values: Map<string, string>,
    problem: ReturnType<typeof serverProblem>,
    call: FhirCall,
  ): Promise<KeyResult> {
    const url = renderTemplate(template, values);
    const resourceType = expectedType(url ?? template);
    const plan = planKey(url, resourceType, value);
    switch (plan.kind) {
      case 'known-empty':
        return { resolved: { key, road: 'known-empty', resources: [], complete: true } };
      case 'unrenderable':
        // CDS Hooks 2.0 §1.C6: a template whose token has no value (e.g. no encounterId) is "not provided".
        return {
          resolved: { key, road: 'known-empty', resources: [], complete: false },
          gap: { key, kind: 'unavailable', detail: 'the prefetch template cannot be filled from this context' },
        };
      case 'prefetch': {
        if (!plan.page.next) return { resolved: { key, road: 'prefetch', resources: plan.page.resources, complete: true } };
        if (problem) {
          const detail = `the prefetched Bundle has more pages and they cannot be read (${problem.message})`;
          if (problem.refused) this.fetcher.count(resourceType, 'refused', 0);
          return { resolved: { key, road: 'prefetch', resources: plan.page.resources, complete: false }, gap: { key, kind: 'truncated', detail } };
        }
        return this.follow(key, resourceType, 'prefetch', plan.page, 1, call);
      }
      case 'fetch': {
        if (problem) {
          if (problem.refused) this.fetcher.count(resourceType, 'refused', 0);
          throw new FetchFailure(`${plan.why}, and ${problem.message}`, problem.refused ? 'security' : 'incomplete');
        }
        const first = await this.fetcher.fetchPage(key, plan.url, resourceType, isSearch(plan.url), call);
        return this.follow(key, resourceType, 'fhir-server', first, 1, call);
      }
    }
  }

  /** Follows `next` links from a first page, within the page and resource bounds and on the same origin only. */
  private async follow(key: string, resourceType: string, road: 'prefetch' | 'fhir-server', first: Page, pagesRead: number, call: FhirCall): Promise<KeyResult> {
    const { fhirMaxPages, fhirMaxResources } = this.options;
    const resources = [...first.resources];
    let next = first.next;
    let pages = pagesRead;
    const origin = new URL(call.request.fhirServer ?? 'http://invalid.invalid').origin;
    const cut = (detail: string): KeyResult => ({
      resolved: { key, road, resources: resources.slice(0, fhirMaxResources), complete: false },
      gap: { key, kind: 'truncated', detail },
    });
    // A server page that carries an OperationOutcome reporting a problem: its data is kept but not taken as complete.
    let reported = first.outcome === true;
    while (true) {
      if (resources.length >= fhirMaxResources && (next || resources.length > fhirMaxResources)) {
        return cut(`stopped at ${fhirMaxResources} resources (FHIR_MAX_RESOURCES); more data exists`);
      }
      if (!next) {
        if (reported) return cut('the FHIR server reported a problem with this search (OperationOutcome); results may be missing');
        return { resolved: { key, road, resources, complete: true } };
      }
      if (pages >= fhirMaxPages) return cut(`stopped after ${pages} pages (FHIR_MAX_PAGES); more data exists`);
      let nextUrl: URL;
      try {
        nextUrl = new URL(next, call.request.fhirServer);
      } catch {
        return cut('a next link could not be read');
      }
      if (nextUrl.origin !== origin) {
        this.fetcher.count(resourceType, 'refused', 0);
        return cut('a next link points to another server and was not followed');
      }
      try {
        const page = await this.fetcher.fetchPage(key, nextUrl.href, resourceType, true, call);
        pages++;
        resources.push(...page.resources);
        next = page.next;
        reported ||= page.outcome === true;
      } catch (error) {
        const failure = error instanceof FetchFailure ? error : new FetchFailure('unexpected error');
        if (failure.cancelled) throw failure;
        return cut(`page ${pages + 1} could not be read (${failure.message})`);
      }
    }
  }
}

/** The resource type a rendered URL (or a template) asks for: `Observation?...` -> Observation, `Patient/p1` -> Patient. */
function expectedType(urlOrTemplate: string): string {
  return /^([A-Za-z]+)/.exec(urlOrTemplate)?.[1] ?? 'unknown';
}

/** `Type?params` and a bare `Type` are searches (a Bundle comes back); `Type/id` is a read. */
function isSearch(url: string): boolean {
  return url.includes('?') || !url.includes('/');
}

