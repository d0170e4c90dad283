/**
 * The data resolver: every prefetch key of a service for one hook call, by prefetch or from `fhirServer`
 * (contract.md §4; cds-hooks-conformance.md §1.C-§1.E).
 *
 * Per key: usable prefetch -> used; `null` or an empty Bundle -> known-empty (never refetched); absent,
 * an OperationOutcome, or a Bundle holding one -> fetched with fhir-kit-client over our own transport
 * (fhir-transport.ts: bounded bodies, kept-alive connections per origin). All fetches start together (one wave);
 * each request has FHIR_TIMEOUT_MS combined with the call's deadline. `next` links are followed within FHIR_MAX_PAGES / FHIR_MAX_RESOURCES per key; data cut
 * off is reported as a `truncated` gap. A required key that cannot be had -> an unobtainable-data outcome (412) naming the key
 * and why (never a URL or a token); an optional key -> an `unavailable` gap.
 */
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Client } from 'fhir-kit-client';
import type { Logger } from 'pino';
import { renderTemplate, tokenValues } from './template.js';
import type { ServiceDefinition } from '../service-registry.js';
import type { HookRequest, PrefetchValue } from '../types.js';
import type { Metrics } from '../../common/metrics.js';
import { unobtainableData, type Issue } from '../../common/outcomes.js';
import { FhirTransport, FhirTransportError } from '../../fhir/fhir-transport.js';
import { ServerAllowlist } from '../../fhir/outbound-policy.js';
import type { DataGap } from '../../record/record.js';
import type { DataResolver, ResolvedData, ResolvedKey } from './resolved-data.js';

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

type FetchOutcome = 'ok' | 'http_4xx' | 'http_5xx' | 'timeout' | 'network' | 'malformed' | 'refused' | 'too_large';

/** Why a key could not be had; `message` is safe to show (no URL, no token). */
class KeyFailure extends Error {
  constructor(
    message: string,
    readonly code: Issue['code'] = 'incomplete',
    readonly cancelled = false,
  ) {
    super(message);
  }
}

interface Page {
  resources: fhir4.FhirResource[];
  next?: string;
  /** The page carries an OperationOutcome (alone, or as an entry): it is not data. */
  outcome?: boolean;
}

type Plan =
  | { kind: 'known-empty' }
  | { kind: 'prefetch'; page: Page }
  | { kind: 'fetch'; url: string; why: string }
  | { kind: 'unrenderable' };

interface KeyResult {
  resolved: ResolvedKey;
  gap?: DataGap;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Issue codes that say the results are partial, whatever the severity (FHIR R4 issue-type). */
const PARTIAL_RESULT_CODES = new Set(['incomplete', 'suppressed', 'too-costly', 'throttled', 'timeout', 'transient', 'lock-error', 'no-store', 'exception']);

/**
 * An OperationOutcome entry that reports a failure or partial results. Servers also put purely informational ones in
 * searchsets ("no results", "parameter ignored": severity information or warning with another code); those are not
 * errors (conformance E4 is about errors) and leave the page's data as it is. Anything unreadable counts as an error.
 */
function reportsError(resource: unknown): boolean {
  const issues = isObject(resource) && Array.isArray(resource.issue) ? (resource.issue as unknown[]) : [];
  const harmless = (issue: unknown): boolean =>
    isObject(issue) && (issue.severity === 'information' || issue.severity === 'warning') && typeof issue.code === 'string' && !PARTIAL_RESULT_CODES.has(issue.code);
  return issues.length === 0 || !issues.every(harmless);
}

/** The resources of a Bundle or a single resource; OperationOutcomes that report errors (alone or as entries) flagged, not data. */
export function readPage(value: Record<string, unknown>): Page | { problem: string } {
  if (value.resourceType === 'OperationOutcome') return { resources: [], outcome: true };
  if (value.resourceType !== 'Bundle') {
    return typeof value.resourceType === 'string' ? { resources: [value as unknown as fhir4.FhirResource] } : { problem: 'the body is not a FHIR resource' };
  }
  if (value.entry !== undefined && !Array.isArray(value.entry)) return { problem: 'Bundle.entry is not an array' };
  const resources: fhir4.FhirResource[] = [];
  let outcome = false;
  for (const entry of (value.entry as unknown[] | undefined) ?? []) {
    if (!isObject(entry)) continue;
    const resource = entry.resource;
    const mode = isObject(entry.search) ? entry.search.mode : undefined;
    if (mode === 'outcome' || (isObject(resource) && resource.resourceType === 'OperationOutcome')) {
      if (reportsError(resource)) outcome = true;
      continue;
    }
    if (isObject(resource) && typeof resource.resourceType === 'string') resources.push(resource as unknown as fhir4.FhirResource);
  }
  const links = Array.isArray(value.link) ? (value.link as unknown[]) : [];
  const next = links.find((link): link is { relation: string; url: string } => isObject(link) && link.relation === 'next' && typeof link.url === 'string' && link.url !== '');
  return { resources, ...(next ? { next: next.url } : {}), ...(outcome ? { outcome } : {}) };
}

/** Why outbound requests to this server are refused, or undefined when it may be used. */
export function serverProblem(
  fhirServer: string | undefined,
  options: Pick<ResolverOptions, 'fhirServerAllowlist' | 'production'>,
  allowlist = new ServerAllowlist(options.fhirServerAllowlist),
): { message: string; refused: boolean } | undefined {
  if (fhirServer === undefined || fhirServer === '') return { message: 'no fhirServer was given to fetch it from', refused: false };
  let url: URL;
  try {
    url = new URL(fhirServer);
  } catch {
    return { message: 'fhirServer is not a URL', refused: true };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { message: 'fhirServer is not an http(s) URL', refused: true };
  if (url.username !== '' || url.password !== '') return { message: 'fhirServer must not carry credentials', refused: true };
  if (options.production && url.protocol !== 'https:') return { message: 'fhirServer must use https in production', refused: true };
  if (allowlist.configured && !allowlist.allows(url)) {
    return { message: 'fhirServer is not on FHIR_SERVER_ALLOWLIST; no request was made', refused: true };
  }
  return undefined;
}

/** One hook call's outbound state: one client, counters, a fail-fast switch. */
class Call {
  private client?: Client;
  readonly cancel = new AbortController();
  requests = 0;

  constructor(
    readonly request: HookRequest,
    readonly deadline: AbortSignal,
    private readonly transport: FhirTransport,
  ) {}

  fhirClient(): Client {
    if (!this.client) {
      const token = this.request.fhirAuthorization?.access_token;
      const baseUrl = this.request.fhirServer as string;
      // Client.request(...) hands every request to httpClient.request(method, url, options, body), the contract
      // FhirConnection implements; the field is typed readonly, but fhir-kit-client exposes it for this.
      const httpClient = this.transport.connection(baseUrl, typeof token === 'string' && token !== '' ? token : undefined);
      this.client = Object.assign(new Client({ baseUrl }), { httpClient });
    }
    return this.client;
  }
}

export class FhirDataResolver implements DataResolver {
  /** Kept for the life of the service: its kept-alive connections serve every hook call. */
  private readonly transport: FhirTransport;

  constructor(private readonly options: ResolverOptions) {
    this.transport = new FhirTransport({ maxResponseBytes: options.fhirMaxResponseBytes, allowlist: options.fhirServerAllowlist, production: options.production });
  }

  close(): void {
    this.transport.close();
  }

  async resolve(service: ServiceDefinition, request: HookRequest, deadline: AbortSignal): Promise<ResolvedData> {
    const call = new Call(request, deadline, this.transport);
    const values = tokenValues(request.context);
    const optional = new Set(service.optionalPrefetch ?? []);
    const keys = Object.keys(service.prefetch);
    const problem = serverProblem(request.fhirServer, this.options, this.transport.allowlist);
    // Each request in flight (one per key at most) listens to both signals; a site's hooks may have more keys than
    // Node's default of 10 listeners, which would print a MaxListenersExceededWarning on every call.
    setMaxListeners(Math.max(10, keys.length), deadline, call.cancel.signal);

    const settled = await Promise.all(
      keys.map(async (key): Promise<KeyResult | KeyFailure> => {
        try {
          return await this.resolveKey(key, service.prefetch[key] as string, request.prefetch?.[key], values, problem, call);
        } catch (error) {
          const failure = error instanceof KeyFailure ? error : new KeyFailure('unexpected error while reading the data', 'exception');
          // Fail fast: a required key is lost, so the call will answer 412; stop the other fetches.
          if (!optional.has(key) && !failure.cancelled) call.cancel.abort();
          return failure;
        }
      }),
    );

    const resolved: ResolvedKey[] = [];
    const gaps: DataGap[] = [];
    const issues: Issue[] = [];
    settled.forEach((result, index) => {
      const key = keys[index] as string;
      if (!(result instanceof KeyFailure)) {
        resolved.push({ ...result.resolved, resourceType: expectedType(renderTemplate(service.prefetch[key] as string, values) ?? (service.prefetch[key] as string)) });
        if (result.gap) gaps.push(result.gap);
        return;
      }
      if (optional.has(key)) {
        resolved.push({ key, road: 'fhir-server', resources: [], complete: false });
        gaps.push({ key, kind: 'unavailable', detail: result.message });
      } else if (!result.cancelled) {
        issues.push({ code: result.code, diagnostics: `prefetch key "${key}": ${result.message}`, expression: [`prefetch.${key}`] });
      }
    });
    if (issues.length === 0 && settled.some((r, i) => r instanceof KeyFailure && !optional.has(keys[i] as string))) {
      issues.push({ code: 'incomplete', diagnostics: 'required data could not be read', expression: ['prefetch'] });
    }
    if (issues.length > 0) throw unobtainableData(issues);
    return { keys: resolved, gaps, fhirRequests: call.requests };
  }

  private plan(url: string | undefined, expected: string, value: PrefetchValue | undefined): Plan {
    if (value === null) return { kind: 'known-empty' };
    if (value !== undefined) {
      if (!isObject(value)) return url === undefined ? { kind: 'unrenderable' } : { kind: 'fetch', url, why: 'the prefetch value is not a FHIR resource' };
      const page = readPage(value);
      if ('problem' in page) return url === undefined ? { kind: 'unrenderable' } : { kind: 'fetch', url, why: `the prefetch value is invalid (${page.problem})` };
      if (!page.outcome) {
        if (page.resources.length === 0 && !page.next) return { kind: 'known-empty' };
        const wrong = page.resources.length > 0 && value.resourceType !== 'Bundle' && value.resourceType !== expected;
        if (!wrong) return { kind: 'prefetch', page };
        if (url !== undefined) return { kind: 'fetch', url, why: `the prefetch holds a ${String(value.resourceType)}, not a ${expected}` };
      }
      if (url === undefined) return { kind: 'unrenderable' };
      return { kind: 'fetch', url, why: 'the prefetch holds an OperationOutcome' };
    }
    if (url === undefined) return { kind: 'unrenderable' };
    return { kind: 'fetch', url, why: 'absent from prefetch' };
  }

  private async resolveKey(
    key: string,
    template: string,
    value: PrefetchValue | undefined,
    values: Map<string, string>,
    problem: ReturnType<typeof serverProblem>,
    call: Call,
  ): Promise<KeyResult> {
    const url = renderTemplate(template, values);
    const resourceType = expectedType(url ?? template);
    const plan = this.plan(url, resourceType, value);
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
          if (problem.refused) this.count(resourceType, 'refused', 0);
          return { resolved: { key, road: 'prefetch', resources: plan.page.resources, complete: false }, gap: { key, kind: 'truncated', detail } };
        }
        return this.follow(key, resourceType, 'prefetch', plan.page, 1, call);
      }
      case 'fetch': {
        if (problem) {
          if (problem.refused) this.count(resourceType, 'refused', 0);
          throw new KeyFailure(`${plan.why}, and ${problem.message}`, problem.refused ? 'security' : 'incomplete');
        }
        const first = await this.fetchPage(key, plan.url, resourceType, isSearch(plan.url), call);
        return this.follow(key, resourceType, 'fhir-server', first, 1, call);
      }
    }
  }

  /** Follows `next` links from a first page, within the page and resource bounds and on the same origin only. */
  private async follow(key: string, resourceType: string, road: 'prefetch' | 'fhir-server', first: Page, pagesRead: number, call: Call): Promise<KeyResult> {
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
        this.count(resourceType, 'refused', 0);
        return cut('a next link points to another server and was not followed');
      }
      try {
        const page = await this.fetchPage(key, nextUrl.href, resourceType, true, call);
        pages++;
        resources.push(...page.resources);
        next = page.next;
        reported ||= page.outcome === true;
      } catch (error) {
        const failure = error instanceof KeyFailure ? error : new KeyFailure('unexpected error');
        if (failure.cancelled) throw failure;
        return cut(`page ${pages + 1} could not be read (${failure.message})`);
      }
    }
  }

  /** One GET, with the per-request timeout and the call's deadline; throws KeyFailure with a safe message. */
  private async fetchPage(key: string, url: string, resourceType: string, search: boolean, call: Call): Promise<Page> {
    if (call.deadline.aborted) throw new KeyFailure(`the hook call's deadline (${this.options.hookDeadlineMs} ms) passed`, 'timeout');
    if (call.cancel.signal.aborted) throw new KeyFailure('cancelled', 'incomplete', true);
    // One controller per request, aborted by its own timer, the call's deadline or the call's fail-fast switch; all
    // three links are undone when the request ends (AbortSignal.any/timeout keep them alive much longer).
    const request = new AbortController();
    const abort = (): void => request.abort();
    const timeout = { timedOut: false };
    const timer = setTimeout(() => {
      timeout.timedOut = true;
      request.abort();
    }, this.options.fhirTimeoutMs);
    call.deadline.addEventListener('abort', abort, { once: true });
    call.cancel.signal.addEventListener('abort', abort, { once: true });
    const signal = request.signal;
    call.requests++;
    const started = performance.now();
    let outcome: FetchOutcome = 'ok';
    try {
      let body: unknown;
      try {
        // The transport never follows a redirect (it could carry the bearer token to another server).
        body = await call.fhirClient().request(url, { options: { signal } });
      } catch (error) {
        const failure = this.describe(error, timeout, call);
        outcome = failure.outcome;
        throw failure.error;
      }
      if (!isObject(body)) {
        outcome = 'malformed';
        throw new KeyFailure('the FHIR server sent a body that is not a FHIR resource');
      }
      const page = readPage(body);
      if ('problem' in page) {
        outcome = 'malformed';
        throw new KeyFailure(`the FHIR server sent an invalid body (${page.problem})`);
      }
      if (body.resourceType === 'OperationOutcome') {
        outcome = 'malformed';
        throw new KeyFailure('the FHIR server answered with an OperationOutcome');
      }
      if (search && body.resourceType !== 'Bundle') {
        outcome = 'malformed';
        throw new KeyFailure(`the FHIR server sent a ${String(body.resourceType)}, not a Bundle`);
      }
      if (!search && body.resourceType !== resourceType) {
        outcome = 'malformed';
        throw new KeyFailure(`the FHIR server sent a ${String(body.resourceType)}, not a ${resourceType}`);
      }
      return page;
    } finally {
      clearTimeout(timer);
      call.deadline.removeEventListener('abort', abort);
      call.cancel.signal.removeEventListener('abort', abort);
      this.count(resourceType, outcome, (performance.now() - started) / 1000);
      if (outcome !== 'ok') this.options.logger?.warn({ prefetchKey: key, resourceType, outcome }, 'FHIR request failed');
    }
  }

  private describe(error: unknown, timeout: { timedOut: boolean }, call: Call): { error: KeyFailure; outcome: FetchOutcome } {
    if (call.deadline.aborted) return { error: new KeyFailure(`the hook call's deadline (${this.options.hookDeadlineMs} ms) passed`, 'timeout'), outcome: 'timeout' };
    if (timeout.timedOut) return { error: new KeyFailure(`the FHIR server did not answer within ${this.options.fhirTimeoutMs} ms (FHIR_TIMEOUT_MS)`, 'timeout'), outcome: 'timeout' };
    if (call.cancel.signal.aborted) return { error: new KeyFailure('cancelled', 'incomplete', true), outcome: 'network' };
    if (error instanceof FhirTransportError) return this.describeTransport(error);
    const status = isObject(error) && isObject(error.response) ? error.response.status : undefined;
    if (typeof status === 'number') {
      if (status >= 200 && status < 300) return { error: new KeyFailure('the FHIR server sent a body that is not JSON'), outcome: 'malformed' };
      const meaning = status === 401 ? ' (not authorised)' : status === 403 ? ' (forbidden)' : status === 404 ? ' (not found)' : '';
      return { error: new KeyFailure(`FHIR server answered ${status}${meaning}`), outcome: status < 500 ? 'http_4xx' : 'http_5xx' };
    }
    const cause = isObject(error) && isObject(error.cause) ? error.cause : undefined;
    const code = cause && typeof cause.code === 'string' && /^[A-Z_]+$/.test(cause.code) ? ` (${cause.code})` : '';
    return { error: new KeyFailure(`the FHIR server could not be reached${code}`), outcome: 'network' };
  }

  private describeTransport(error: FhirTransportError): { error: KeyFailure; outcome: FetchOutcome } {
    switch (error.kind) {
      case 'too-large':
        return { error: new KeyFailure(`the FHIR server's answer is larger than ${this.options.fhirMaxResponseBytes} bytes (FHIR_MAX_RESPONSE_BYTES)`, 'too-costly'), outcome: 'too_large' };
      case 'non-public-address':
        return {
          error: new KeyFailure('fhirServer is at a loopback, link-local or private address, refused in production unless on FHIR_SERVER_ALLOWLIST; it was not contacted', 'security'),
          outcome: 'refused',
        };
      case 'outside-allowlist':
        return { error: new KeyFailure('the request would leave the base paths of FHIR_SERVER_ALLOWLIST; no request was made', 'security'), outcome: 'refused' };
      case 'other-origin':
        return { error: new KeyFailure('the request would go to another server than fhirServer; no request was made', 'security'), outcome: 'refused' };
      case 'undecodable':
        return { error: new KeyFailure('the FHIR server sent a body that could not be decoded (Content-Encoding)'), outcome: 'malformed' };
      case 'aborted':
      case 'network':
        return { error: new KeyFailure(`the FHIR server could not be reached${error.code ? ` (${error.code})` : ''}`), outcome: 'network' };
    }
  }

  private count(resourceType: string, outcome: FetchOutcome, seconds: number): void {
    const metrics = this.options.metrics;
    if (!metrics) return;
    const labels = { resource_type: resourceType, outcome };
    metrics.fhirRequests.inc(labels);
    if (outcome !== 'refused') metrics.fhirDuration.observe(labels, seconds);
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
