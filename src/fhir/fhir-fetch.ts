/**
 * One FHIR GET of a hook call: fhir-kit-client over our own transport (fhir-transport.ts), with FHIR_TIMEOUT_MS per
 * request combined with the call's deadline and fail-fast switch, every failure described in words safe to show
 * (no URL, no token) with its FHIR issue code, and counted in the metrics by resource type and outcome.
 */
import { performance } from 'node:perf_hooks';
import { Client } from 'fhir-kit-client';
import type { Logger } from 'pino';
import type { Metrics } from '../common/metrics.js';
import type { IssueCode } from '../common/outcomes.js';
import { isObject } from '../common/json-object.js';
import { readPage, type Page } from './fhir-page.js';
import { FhirTransport, FhirTransportError, type TransportRequestOptions } from './fhir-transport.js';

export type FetchOutcome = 'ok' | 'http_4xx' | 'http_5xx' | 'timeout' | 'network' | 'malformed' | 'refused' | 'too_large';

/** Why a key could not be had; `message` is safe to show (no URL, no token). */
export class FetchFailure extends Error {
  constructor(
    message: string,
    readonly code: IssueCode = 'incomplete',
    readonly cancelled = false,
  ) {
    super(message);
  }
}

/**
 * One hook call's outbound state: one client, the request count, a fail-fast switch. `cancel` is also pulled when the
 * deadline passes, so that each request listens to one signal (`deadline.aborted` tells the two causes apart).
 */
export class FhirCall {
  private client?: Client;
  readonly cancel = new AbortController();
  requests = 0;

  constructor(
    readonly request: { fhirServer?: string; fhirAuthorization?: { access_token?: unknown } },
    readonly deadline: AbortSignal,
    private readonly transport: FhirTransport,
  ) {
    if (deadline.aborted) this.cancel.abort();
    else deadline.addEventListener('abort', () => this.cancel.abort(), { once: true });
  }

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

export interface FetchOptions {
  fhirTimeoutMs: number;
  hookDeadlineMs: number;
  /** Most bytes read from one FHIR answer, counted after decoding. */
  fhirMaxResponseBytes: number;
  metrics?: Metrics;
  logger?: Logger;
}

export class FhirFetcher {
  constructor(private readonly options: FetchOptions) {}

  /** One GET, with the per-request timeout and the call's deadline; throws FetchFailure with a safe message. */
  async fetchPage(key: string, url: string, resourceType: string, search: boolean, call: FhirCall): Promise<Page> {
    if (call.deadline.aborted) throw new FetchFailure(`the hook call's deadline (${this.options.hookDeadlineMs} ms) passed`, 'timeout');
    if (call.cancel.signal.aborted) throw new FetchFailure('cancelled', 'incomplete', true);
    call.requests++;
    const started = performance.now();
    let outcome: FetchOutcome = 'ok';
    try {
      let body: unknown;
      try {
        // The transport never follows a redirect (it could carry the bearer token to another server). It keeps the
        // FHIR_TIMEOUT_MS timer itself; the call's signal carries its deadline and its fail-fast switch.
        const options: TransportRequestOptions = { signal: call.cancel.signal, timeoutMs: this.options.fhirTimeoutMs };
        body = await call.fhirClient().request(url, { options });
      } catch (error) {
        const failure = this.describe(error, call);
        outcome = failure.outcome;
        throw failure.error;
      }
      if (!isObject(body)) {
        outcome = 'malformed';
        throw new FetchFailure('the FHIR server sent a body that is not a FHIR resource');
      }
      const page = readPage(body);
      if ('problem' in page) {
        outcome = 'malformed';
        throw new FetchFailure(`the FHIR server sent an invalid body (${page.problem})`);
      }
      if (body.resourceType === 'OperationOutcome') {
        outcome = 'malformed';
        throw new FetchFailure('the FHIR server answered with an OperationOutcome');
      }
      if (search && body.resourceType !== 'Bundle') {
        outcome = 'malformed';
        throw new FetchFailure(`the FHIR server sent a ${String(body.resourceType)}, not a Bundle`);
      }
      if (!search && body.resourceType !== resourceType) {
        outcome = 'malformed';
        throw new FetchFailure(`the FHIR server sent a ${String(body.resourceType)}, not a ${resourceType}`);
      }
      return page;
    } finally {
      this.count(resourceType, outcome, (performance.now() - started) / 1000);
      if (outcome !== 'ok') this.options.logger?.warn({ prefetchKey: key, resourceType, outcome }, 'FHIR request failed');
    }
  }

  private describe(error: unknown, call: FhirCall): { error: FetchFailure; outcome: FetchOutcome } {
    if (call.deadline.aborted) return { error: new FetchFailure(`the hook call's deadline (${this.options.hookDeadlineMs} ms) passed`, 'timeout'), outcome: 'timeout' };
    if (error instanceof FhirTransportError && error.kind === 'timeout') return { error: new FetchFailure(`the FHIR server did not answer within ${this.options.fhirTimeoutMs} ms (FHIR_TIMEOUT_MS)`, 'timeout'), outcome: 'timeout' };
    if (call.cancel.signal.aborted) return { error: new FetchFailure('cancelled', 'incomplete', true), outcome: 'network' };
    if (error instanceof FhirTransportError) return this.describeTransport(error);
    const status = isObject(error) && isObject(error.response) ? error.response.status : undefined;
    if (typeof status === 'number') {
      if (status >= 200 && status < 300) return { error: new FetchFailure('the FHIR server sent a body that is not JSON'), outcome: 'malformed' };
      const meaning = status === 401 ? ' (not authorised)' : status === 403 ? ' (forbidden)' : status === 404 ? ' (not found)' : '';
      return { error: new FetchFailure(`FHIR server answered ${status}${meaning}`), outcome: status < 500 ? 'http_4xx' : 'http_5xx' };
    }
    const cause = isObject(error) && isObject(error.cause) ? error.cause : undefined;
    const code = cause && typeof cause.code === 'string' && /^[A-Z_]+$/.test(cause.code) ? ` (${cause.code})` : '';
    return { error: new FetchFailure(`the FHIR server could not be reached${code}`), outcome: 'network' };
  }

  private describeTransport(error: FhirTransportError): { error: FetchFailure; outcome: FetchOutcome } {
    switch (error.kind) {
      case 'too-large':
        return { error: new FetchFailure(`the FHIR server's answer is larger than ${this.options.fhirMaxResponseBytes} bytes (FHIR_MAX_RESPONSE_BYTES)`, 'too-costly'), outcome: 'too_large' };
      case 'non-public-address':
        return {
          error: new FetchFailure('fhirServer is at a loopback, link-local or private address, refused in production unless on FHIR_SERVER_ALLOWLIST; it was not contacted', 'security'),
          outcome: 'refused',
        };
      case 'outside-allowlist':
        return { error: new FetchFailure('the request would leave the base paths of FHIR_SERVER_ALLOWLIST; no request was made', 'security'), outcome: 'refused' };
      case 'other-origin':
        return { error: new FetchFailure('the request would go to another server than fhirServer; no request was made', 'security'), outcome: 'refused' };
      case 'undecodable':
        return { error: new FetchFailure('the FHIR server sent a body that could not be decoded (Content-Encoding)'), outcome: 'malformed' };
      case 'timeout':
        return { error: new FetchFailure(`the FHIR server did not answer within ${this.options.fhirTimeoutMs} ms (FHIR_TIMEOUT_MS)`, 'timeout'), outcome: 'timeout' };
      case 'aborted':
      case 'network':
        return { error: new FetchFailure(`the FHIR server could not be reached${error.code ? ` (${error.code})` : ''}`), outcome: 'network' };
    }
  }

  count(resourceType: string, outcome: FetchOutcome, seconds: number): void {
    const metrics = this.options.metrics;
    if (!metrics) return;
    const labels = { resource_type: resourceType, outcome };
    metrics.fhirRequests.inc(labels);
    if (outcome !== 'refused') metrics.fhirDuration.observe(labels, seconds);
  }
}
