/**
 * A real FHIR R4 server on loopback for the demo and integration tests: Medplum's FhirRouter over an in-memory
 * repository behind `node:http`. The wrapper adds what the engine lacks (ecosystem.md §1): `GET /fhir/metadata`,
 * `/healthz`, searchset paging links, validation of every write (400 OperationOutcome), all-entries validation of
 * transaction Bundles before any entry is written, `application/fhir+json`, and OperationOutcome for every error.
 * Not a production server: no persistence, no auth (any bearer token is accepted), no quantity/number search.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FhirRequest, HttpMethod, MemoryRepository } from '@medplum/fhir-router';
import { fhirEngine, type FhirEngine } from './fhir-engine.js';
import { dateSortKeys, sortByDates } from './date-sort.js';
import { addSearchLinks, DEFAULT_PAGE_SIZE, withFullUrls } from './search-paging.js';
import { needsChunking, runChunkedTransaction } from './transaction-chunks.js';

export interface FhirServerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: '127.0.0.1';
  /** Largest accepted request body (default 20 MiB). */
  maxBodyBytes?: number;
}

export interface RunningFhirServer {
  /** `http://127.0.0.1:PORT/fhir` */
  baseUrl: string;
  port: number;
  close(): Promise<void>;
}

const BASE_PATH = '/fhir';
const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const JSON_TYPES = ['application/fhir+json', 'application/json', 'application/json-patch+json'];

type Issue = fhir4.OperationOutcomeIssue;

class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: Issue['code'],
    message: string,
  ) {
    super(message);
  }
}

function outcome(code: Issue['code'], diagnostics: string): fhir4.OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': FHIR_JSON, 'Content-Length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new RequestError(413, 'too-costly', `Request body exceeds ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(req: IncomingMessage, text: string): unknown {
  if (text.trim() === '') return undefined;
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!JSON_TYPES.includes(type)) {
    throw new RequestError(415, 'not-supported', `Unsupported Content-Type "${type}"; use application/fhir+json`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new RequestError(400, 'structure', 'Request body is not valid JSON');
  }
}

function queryRecord(url: URL): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    query[key] = values.length === 1 ? (values[0] as string) : values;
  }
  return query;
}

/** A repository whose every write (create, update, patch, conditional create) is validated first. */
function validatingRepository(engine: FhirEngine): MemoryRepository {
  const repo = new engine.router.MemoryRepository();
  const check = (resource: unknown): void => {
    const issues = engine.validate(resource);
    if (issues.length > 0) throw new engine.core.OperationOutcomeError({ resourceType: 'OperationOutcome', issue: issues } as never);
  };
  const create = repo.createResource.bind(repo);
  repo.createResource = ((resource, ...rest) => {
    check(resource);
    return create(resource, ...rest);
  }) as typeof repo.createResource;
  const conditionalCreate = repo.conditionalCreate.bind(repo);
  repo.conditionalCreate = ((resource, ...rest) => {
    check(resource);
    return conditionalCreate(resource, ...rest);
  }) as typeof repo.conditionalCreate;
  return repo;
}

/**
 * MemoryRepository has no rollback, so a transaction is validated as a whole before any entry is written:
 * one 400 OperationOutcome naming every invalid entry (`Bundle.entry[i]`, type/id, the validator's message).
 */
function transactionIssues(engine: FhirEngine, bundle: fhir4.Bundle): Issue[] {
  const issues: Issue[] = [];
  (bundle.entry ?? []).forEach((entry, index) => {
    const method = entry.request?.method;
    if (!entry.request?.url || !method) {
      issues.push({ severity: 'error', code: 'required', diagnostics: `Bundle.entry[${index}] has no request.method/url`, expression: [`Bundle.entry[${index}].request`] });
      return;
    }
    if (method !== 'POST' && method !== 'PUT') return;
    const resource = entry.resource;
    const label = `${resource?.resourceType ?? 'entry'}/${resource?.id ?? entry.fullUrl ?? index}`;
    for (const issue of engine.validate(resource)) {
      const where = (issue.expression ?? []).map((path) => `Bundle.entry[${index}].resource${path.replace(/^[A-Za-z]+/, '')}`);
      issues.push({ ...issue, diagnostics: `${label}: ${issue.diagnostics ?? 'invalid'}`, expression: where.length ? where : [`Bundle.entry[${index}].resource`] });
    }
  });
  return issues;
}

/**
 * MemoryRepository answers an unknown search parameter with zero matches, which a CDS client would read as
 * "no data". Refuse it instead (FHIR strict handling): 400 naming the parameter.
 */
function checkSearchParameters(engine: FhirEngine, type: string, url: URL): void {
  for (const key of new Set(url.searchParams.keys())) {
    if (key.startsWith('_') || key.includes('.')) continue;
    const code = key.split(':')[0] ?? key;
    if (!engine.core.getSearchParameter(type, code)) {
      throw new RequestError(400, 'not-supported', `Unknown search parameter "${code}" for ${type}`);
    }
  }
}

/** Date `_sort` keys the wrapper orders itself (see date-sort.ts); undefined when the engine's order is kept. */
function sortedSearchKeys(engine: FhirEngine, type: string, url: URL): ReturnType<typeof dateSortKeys> {
  const sort = url.searchParams.get('_sort');
  const params = url.searchParams;
  if (!sort || params.has('_include') || params.has('_revinclude') || params.has('_summary') || params.has('_elements')) return undefined;
  return dateSortKeys(sort, type, (resourceType, code) => engine.core.getSearchParameter(resourceType, code));
}

type Routed = { status: number; body: fhir4.Resource; resource?: fhir4.Resource };

/** All matches unsorted from the engine, ordered by instant, then the requested page. */
async function sortedSearch(
  engine: FhirEngine,
  url: URL,
  keys: NonNullable<ReturnType<typeof dateSortKeys>>,
  request: FhirRequest,
  route: (routed: FhirRequest) => Promise<Routed>,
): Promise<Routed> {
  const count = /^\d+$/.test(url.searchParams.get('_count') ?? '') ? Number(url.searchParams.get('_count')) : DEFAULT_PAGE_SIZE;
  const offset = /^\d+$/.test(url.searchParams.get('_offset') ?? '') ? Number(url.searchParams.get('_offset')) : 0;
  const inner = new URL(url.href);
  inner.searchParams.delete('_sort');
  inner.searchParams.delete('_offset');
  inner.searchParams.set('_count', '1000000');
  const answer = await route({ ...request, url: `${inner.pathname.slice(BASE_PATH.length)}${inner.search}`, query: queryRecord(inner) });
  const bundle = answer.body as fhir4.Bundle;
  if (answer.status !== 200 || bundle.resourceType !== 'Bundle') return answer;
  const sorted = sortByDates(bundle.entry ?? [], keys, (expression, resource) => engine.core.evalFhirPath(expression, resource));
  const page = sorted.slice(offset, offset + count);
  const { entry: _all, ...rest } = bundle;
  return { status: 200, body: { ...rest, ...(page.length ? { entry: page } : {}) } as fhir4.Bundle };
}

function responseHeaders(baseUrl: string, status: number, resource: fhir4.Resource | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  const versionId = resource?.meta?.versionId;
  if (resource?.id && versionId && resource.resourceType !== 'Bundle') {
    headers.ETag = `W/"${versionId}"`;
    if (resource.meta?.lastUpdated) headers['Last-Modified'] = new Date(resource.meta.lastUpdated).toUTCString();
    if (status === 201) headers.Location = `${baseUrl}/${resource.resourceType}/${resource.id}/_history/${versionId}`;
  }
  return headers;
}

interface ServerState {
  engine: FhirEngine;
  repo: MemoryRepository;
  router: InstanceType<FhirEngine['router']['FhirRouter']>;
  baseUrl: string;
  origin: string;
  capabilityStatement: string;
  resourceTypes: ReadonlySet<string>;
  maxBodyBytes: number;
}

async function handle(state: ServerState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', state.origin);
  const method = (req.method ?? 'GET').toUpperCase() as HttpMethod;
  if (url.pathname === '/healthz') {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  if (url.pathname !== BASE_PATH && !url.pathname.startsWith(`${BASE_PATH}/`)) {
    send(res, 404, outcome('not-found', `Not found; the FHIR base is ${state.baseUrl}`));
    return;
  }
  if (!METHODS.includes(method)) {
    send(res, 405, outcome('not-supported', `Method ${method} is not supported`), { Allow: METHODS.join(', ') });
    return;
  }
  const path = url.pathname.slice(BASE_PATH.length).replace(/\/+$/, '') || '/';
  if (path === '/metadata') {
    if (method !== 'GET') throw new RequestError(405, 'not-supported', 'metadata is read-only');
    res.writeHead(200, { 'Content-Type': FHIR_JSON }).end(state.capabilityStatement);
    return;
  }
  const type = path.split('/')[1] ?? '';
  if (type && !type.startsWith('$') && !type.startsWith('_') && !state.resourceTypes.has(type)) {
    throw new RequestError(404, 'not-supported', `Unknown resource type "${type}"`);
  }
  const segments = path.split('/').filter(Boolean);
  if (method === 'GET' && segments.length === 1 && type && !type.startsWith('$')) {
    checkSearchParameters(state.engine, type, url);
  }
  const body = parseBody(req, await readBody(req, state.maxBodyBytes));
  if (method === 'POST' && path === '/') {
    const bundle = body as fhir4.Bundle | undefined;
    if (bundle?.resourceType !== 'Bundle' || (bundle.type !== 'transaction' && bundle.type !== 'batch')) {
      throw new RequestError(400, 'invalid', 'POST to the base URL takes a Bundle of type transaction or batch');
    }
    if (bundle.type === 'transaction') {
      const issues = transactionIssues(state.engine, bundle);
      if (issues.length > 0) {
        send(res, 400, { resourceType: 'OperationOutcome', issue: issues });
        return;
      }
    }
  }
  const request: FhirRequest = {
    method,
    url: `${path}${url.search}`,
    pathname: '',
    body,
    params: {},
    query: queryRecord(url),
    headers: req.headers,
    config: { transactions: true },
  };
  const route = async (routed: FhirRequest): Promise<{ status: number; body: fhir4.Resource; resource?: fhir4.Resource }> => {
    const [result, resource] = await state.router.handleRequest(routed, state.repo);
    const routedResource = resource as fhir4.Resource | undefined;
    return { status: state.engine.core.getStatus(result), body: routedResource ?? (result as fhir4.OperationOutcome), ...(routedResource ? { resource: routedResource } : {}) };
  };
  const bundleIn = body as fhir4.Bundle | undefined;
  const sortKeys = method === 'GET' && segments.length === 1 ? sortedSearchKeys(state.engine, type, url) : undefined;
  const answer =
    method === 'POST' && path === '/' && bundleIn?.type === 'transaction' && needsChunking(bundleIn)
      ? await runChunkedTransaction(bundleIn, (chunk) => route({ ...request, body: chunk }))
      : sortKeys
        ? await sortedSearch(state.engine, url, sortKeys, request, route)
        : await route(request);
  const { status, resource } = answer as { status: number; body: fhir4.Resource; resource?: fhir4.Resource };
  let payload = answer.body;
  if (payload.resourceType === 'Bundle') {
    const bundle = payload as fhir4.Bundle;
    if (bundle.type === 'searchset') payload = addSearchLinks(bundle, url, state.baseUrl);
    else if (bundle.type === 'history') payload = { ...bundle, entry: withFullUrls(bundle.entry, state.baseUrl) } as fhir4.Bundle;
  }
  send(res, status, payload, responseHeaders(state.baseUrl, status, resource));
}

/** Starts an in-memory FHIR R4 server on 127.0.0.1; `baseUrl` ends in `/fhir`. Each server has its own store. */
export async function startFhirServer(options: FhirServerOptions = {}): Promise<RunningFhirServer> {
  const engine = await fhirEngine();
  const host = options.host ?? '127.0.0.1';
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host}:${port}`;
  const baseUrl = `${origin}${BASE_PATH}`;
  const state: ServerState = {
    engine,
    repo: validatingRepository(engine),
    router: new engine.router.FhirRouter(),
    baseUrl,
    origin,
    capabilityStatement: JSON.stringify({ ...engine.capabilityStatement, implementation: { ...engine.capabilityStatement.implementation, url: baseUrl } }),
    resourceTypes: new Set(engine.resourceTypes),
    maxBodyBytes: options.maxBodyBytes ?? 20 * 1024 * 1024,
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(state, req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof RequestError) send(res, error.status, outcome(error.code, error.message));
      else send(res, 500, outcome('exception', error instanceof Error ? error.message : 'Internal error'));
    });
  });
  server.keepAliveTimeout = 5_000;

  let closing: Promise<void> | undefined;
  return {
    baseUrl,
    port,
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
