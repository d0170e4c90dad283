/**
 * A real FHIR R4 server on loopback for the demo and integration tests: Medplum's FhirRouter over an in-memory
 * repository behind `node:http`. The wrapper adds what the engine lacks (ecosystem.md §1): `GET /fhir/metadata`,
 * `/healthz`, searchset paging links, validation of every write (400 OperationOutcome), all-entries validation of
 * transaction Bundles before any entry is written, `application/fhir+json`, OperationOutcome for every error,
 * CORS for browser clients (cors.ts), `POST [type]/_search` (post-search.ts) and a default page size.
 * Not a production server: no persistence, no auth (any bearer token is accepted), no quantity/number search.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FhirRequest, HttpMethod, MemoryRepository } from '@medplum/fhir-router';
import { fhirEngine, type FhirEngine } from './fhir-engine.js';
import { dateSortKeys, sortByDates } from './date-sort.js';
import { answerPreflight, setCorsHeaders } from './cors.js';
import { FORM_URLENCODED, postSearchType, searchUrlOfPost } from './post-search.js';
import { addSearchLinks, DEFAULT_PAGE_SIZE, pageSizeOf, withFullUrls, withPageSize } from './search-paging.js';
import { needsChunking, runChunkedTransaction } from './transaction-chunks.js';

export interface FhirServerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: '127.0.0.1';
  /** Largest accepted request body (default 20 MiB). */
  maxBodyBytes?: number;
  /** Entries per searchset page when a search has no `_count` (default 20). */
  defaultPageSize?: number;
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

function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function parseBody(req: IncomingMessage, text: string): unknown {
  if (text.trim() === '') return undefined;
  const type = mediaType(req);
  if (!JSON_TYPES.includes(type)) {
    throw new RequestError(415, 'not-supported', `Unsupported Content-Type "${type}"; use application/fhir+json`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new RequestError(400, 'structure', 'Request body is not valid JSON');
  }
}

/** The form body of `POST [type]/_search` (empty is fine: the parameters may all be in the query string). */
function searchForm(req: IncomingMessage, text: string): string {
  if (text.trim() === '') return '';
  const type = mediaType(req);
  if (type !== FORM_URLENCODED) {
    throw new RequestError(415, 'not-supported', `Unsupported Content-Type "${type}" for POST _search; use ${FORM_URLENCODED}`);
  }
  return text;
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
  defaultPageSize: number,
): Promise<Routed> {
  const count = pageSizeOf(url, defaultPageSize);
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
  defaultPageSize: number;
}

async function handle(state: ServerState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestUrl = new URL(req.url ?? '/', state.origin);
  const requestMethod = (req.method ?? 'GET').toUpperCase();
  setCorsHeaders(res);
  if (requestMethod === 'OPTIONS') {
    answerPreflight(res);
    return;
  }
  if (requestUrl.pathname === '/healthz') {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  if (requestUrl.pathname !== BASE_PATH && !requestUrl.pathname.startsWith(`${BASE_PATH}/`)) {
    send(res, 404, outcome('not-found', `Not found; the FHIR base is ${state.baseUrl}`));
    return;
  }
  if (!(METHODS as readonly string[]).includes(requestMethod)) {
    send(res, 405, outcome('not-supported', `Method ${requestMethod} is not supported`), { Allow: [...METHODS, 'OPTIONS'].join(', ') });
    return;
  }
  const requestPath = requestUrl.pathname.slice(BASE_PATH.length).replace(/\/+$/, '') || '/';
  if (requestPath === '/metadata') {
    if (requestMethod !== 'GET') throw new RequestError(405, 'not-supported', 'metadata is read-only');
    res.writeHead(200, { 'Content-Type': FHIR_JSON }).end(state.capabilityStatement);
    return;
  }
  const type = requestPath.split('/')[1] ?? '';
  if (type && !type.startsWith('$') && !type.startsWith('_') && !state.resourceTypes.has(type)) {
    throw new RequestError(404, 'not-supported', `Unknown resource type "${type}"`);
  }
  const bodyText = await readBody(req, state.maxBodyBytes);
  // POST [type]/_search is answered as the GET with the same parameters: same checks, sorting and paging links.
  const postSearch = requestMethod === 'POST' ? postSearchType(requestPath) : undefined;
  const url = postSearch ? searchUrlOfPost(requestUrl, BASE_PATH, postSearch, searchForm(req, bodyText)) : requestUrl;
  const method = (postSearch ? 'GET' : requestMethod) as HttpMethod;
  const path = postSearch ? `/${postSearch}` : requestPath;
  const body = postSearch ? undefined : parseBody(req, bodyText);
  const segments = path.split('/').filter(Boolean);
  const typeSearch = method === 'GET' && segments.length === 1 && state.resourceTypes.has(type);
  if (typeSearch) checkSearchParameters(state.engine, type, url);
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
  const routedUrl = typeSearch ? withPageSize(url, state.defaultPageSize) : url;
  const request: FhirRequest = {
    method,
    url: `${path}${routedUrl.search}`,
    pathname: '',
    body,
    params: {},
    query: queryRecord(routedUrl),
    headers: req.headers,
    config: { transactions: true },
  };
  const route = async (routed: FhirRequest): Promise<{ status: number; body: fhir4.Resource; resource?: fhir4.Resource }> => {
    const [result, resource] = await state.router.handleRequest(routed, state.repo);
    const routedResource = resource as fhir4.Resource | undefined;
    return { status: state.engine.core.getStatus(result), body: routedResource ?? (result as fhir4.OperationOutcome), ...(routedResource ? { resource: routedResource } : {}) };
  };
  const bundleIn = body as fhir4.Bundle | undefined;
  const sortKeys = typeSearch ? sortedSearchKeys(state.engine, type, url) : undefined;
  const answer =
    method === 'POST' && path === '/' && bundleIn?.type === 'transaction' && needsChunking(bundleIn)
      ? await runChunkedTransaction(bundleIn, (chunk) => route({ ...request, body: chunk }))
      : sortKeys
        ? await sortedSearch(state.engine, url, sortKeys, request, route, state.defaultPageSize)
        : await route(request);
  const { status, resource } = answer as { status: number; body: fhir4.Resource; resource?: fhir4.Resource };
  let payload = answer.body;
  if (payload.resourceType === 'Bundle') {
    const bundle = payload as fhir4.Bundle;
    if (bundle.type === 'searchset') payload = addSearchLinks(bundle, url, state.baseUrl, state.defaultPageSize);
    else if (bundle.type === 'history') payload = { ...bundle, entry: withFullUrls(bundle.entry, state.baseUrl) } as fhir4.Bundle;
  }
  send(res, status, payload, responseHeaders(state.baseUrl, status, resource));
}

/** Starts an in-memory FHIR R4 server on 127.0.0.1; `baseUrl` ends in `/fhir`. Each server has its own store. */
export async function startFhirServer(options: FhirServerOptions = {}): Promise<RunningFhirServer> {
  const defaultPageSize = options.defaultPageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(defaultPageSize) || defaultPageSize < 1) throw new RangeError(`defaultPageSize must be a positive integer, got ${defaultPageSize}`);
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
    defaultPageSize,
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
