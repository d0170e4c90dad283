/**
 * Loads every `fhir-fixtures/*.json` transaction Bundle (not `manifest.json`) into any FHIR R4 server: relative
 * dates resolved against `today`, one POST of the transaction to the base URL, and when a server rejects the
 * transaction, one request per entry (PUT with the stable id; POST with urn:uuid references rewritten) so every
 * good resource is still loaded and every bad one is named with the server's OperationOutcome diagnostics.
 * Standard FHIR REST only (works with HAPI and vendor sandboxes). The bearer token is sent, never printed.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveRelativeDates } from '../fixtures/relative-dates.js';
import { rewriteReferences } from './transaction-chunks.js';

export interface LoadFixturesOptions {
  /** FHIR base URL, e.g. `http://127.0.0.1:8103/fhir` */
  fhirBaseUrl: string;
  fixturesDir: string;
  /** YYYY-MM-DD that `@today…` dates resolve against (the CDS service's today in CDS_TIME_ZONE). */
  today: string;
  bearerToken?: string;
  /** One line per fixture and per rejected resource (the CLI passes console.log); silent when absent. */
  log?: (line: string) => void;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
}

export interface RejectedResource {
  file: string;
  /** `Observation/afp-1`, or `Bundle` when the fixture itself could not be used. */
  resource: string;
  status?: number;
  diagnostics: string;
}

export interface FixtureResult {
  file: string;
  /** Entries in the Bundle. */
  resources: number;
  loaded: number;
  mode: 'transaction' | 'per-entry' | 'none';
  rejected: RejectedResource[];
}

export interface LoadReport {
  fixtures: FixtureResult[];
  loaded: number;
  rejected: RejectedResource[];
  ok: boolean;
}

interface HttpAnswer {
  status: number;
  body: unknown;
}

type Send = (method: string, url: string, body?: unknown, headers?: Record<string, string>) => Promise<HttpAnswer>;

function sender(options: LoadFixturesOptions): Send {
  const timeoutMs = options.timeoutMs ?? 30_000;
  return async (method, url, body, extra = {}) => {
    const headers: Record<string, string> = { Accept: 'application/fhir+json', ...extra };
    if (body !== undefined) headers['Content-Type'] = 'application/fhir+json';
    if (options.bearerToken) headers.Authorization = `Bearer ${options.bearerToken}`;
    try {
      const response = await fetch(url, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? (JSON.parse(text) as unknown) : undefined;
      } catch {
        // keep the text: it becomes the diagnostics
      }
      return { status: response.status, body: parsed };
    } catch (error) {
      // Duck-typed: fetch's errors may come from another realm (e.g. under Jest), where instanceof Error fails.
      const failure = (error ?? {}) as { name?: string; message?: string; cause?: { code?: string; message?: string } };
      const reason = failure.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (failure.cause?.code ?? failure.cause?.message ?? failure.message ?? String(error));
      return { status: 0, body: `request failed: ${reason}` };
    }
  };
}

/** The diagnostics of an OperationOutcome (or a short text of any other answer). */
export function outcomeText(status: number, body: unknown): string {
  const outcome = body as fhir4.OperationOutcome | undefined;
  if (outcome?.resourceType === 'OperationOutcome') {
    const texts = (outcome.issue ?? []).map((issue) => {
      const text = issue.diagnostics ?? issue.details?.text ?? issue.code;
      return issue.expression?.length ? `${text} [${issue.expression.join(', ')}]` : text;
    });
    if (texts.length > 0) return `${status ? `HTTP ${status}: ` : ''}${texts.join('; ')}`;
  }
  const text = typeof body === 'string' ? body.slice(0, 300) : '';
  return status ? `HTTP ${status}${text ? `: ${text}` : ''}` : text || 'no answer';
}

function entryLabel(entry: fhir4.BundleEntry, index: number): string {
  const resource = entry.resource;
  if (resource?.id) return `${resource.resourceType}/${resource.id}`;
  if (entry.request?.url) return entry.request.url;
  return `${resource?.resourceType ?? 'entry'} #${index}`;
}

const ok = (status: number): boolean => status >= 200 && status < 300;

/** The reference (`Type/id`) a create answered with, from the body or the Location header's body. */
function createdReference(body: unknown): string | undefined {
  const resource = body as fhir4.Resource | undefined;
  return resource?.resourceType && resource.id ? `${resource.resourceType}/${resource.id}` : undefined;
}

async function loadEntryByEntry(file: string, bundle: fhir4.Bundle, base: string, send: Send): Promise<{ loaded: number; rejected: RejectedResource[] }> {
  const assigned = new Map<string, string>();
  const rejected: RejectedResource[] = [];
  let loaded = 0;
  const entries = bundle.entry ?? [];
  for (const [index, entry] of entries.entries()) {
    const method = entry.request?.method;
    const label = entryLabel(entry, index);
    if (!entry.resource || !entry.request?.url || (method !== 'PUT' && method !== 'POST')) {
      rejected.push({ file, resource: label, diagnostics: 'entry has no resource or is not a PUT/POST request' });
      continue;
    }
    const resource = rewriteReferences(entry.resource, assigned);
    const headers: Record<string, string> = entry.request.ifNoneExist ? { 'If-None-Exist': entry.request.ifNoneExist } : {};
    const answer = await send(method, `${base}/${entry.request.url}`, resource, headers);
    if (ok(answer.status)) {
      loaded += 1;
      const reference = createdReference(answer.body) ?? (resource.id ? `${resource.resourceType}/${resource.id}` : undefined);
      if (entry.fullUrl?.startsWith('urn:uuid:') && reference) assigned.set(entry.fullUrl, reference);
    } else {
      rejected.push({ file, resource: label, status: answer.status, diagnostics: outcomeText(answer.status, answer.body) });
    }
  }
  return { loaded, rejected };
}

async function loadOne(file: string, document: unknown, options: LoadFixturesOptions, send: Send): Promise<FixtureResult> {
  const base = options.fhirBaseUrl.replace(/\/+$/, '');
  const bundle = resolveRelativeDates(document, options.today) as fhir4.Bundle;
  if (bundle?.resourceType !== 'Bundle' || (bundle.type !== 'transaction' && bundle.type !== 'batch')) {
    return { file, resources: 0, loaded: 0, mode: 'none', rejected: [{ file, resource: 'Bundle', diagnostics: 'not a transaction or batch Bundle' }] };
  }
  const resources = bundle.entry?.length ?? 0;
  const answer = await send('POST', base, bundle);
  if (answer.status === 0 || answer.status === 401 || answer.status === 403) {
    // Unreachable or not allowed: entry-by-entry would fail the same way for every resource.
    return { file, resources, loaded: 0, mode: 'none', rejected: [{ file, resource: 'Bundle', status: answer.status, diagnostics: outcomeText(answer.status, answer.body) }] };
  }
  const response = answer.body as fhir4.Bundle | undefined;
  if (ok(answer.status) && response?.resourceType === 'Bundle') {
    const rejected: RejectedResource[] = [];
    (response.entry ?? []).forEach((result, index) => {
      const status = Number.parseInt(result.response?.status ?? '', 10);
      if (!ok(status)) {
        const source = bundle.entry?.[index];
        rejected.push({ file, resource: source ? entryLabel(source, index) : `entry #${index}`, status, diagnostics: outcomeText(status, result.response?.outcome) });
      }
    });
    if (rejected.length === 0 || bundle.type === 'batch') {
      return { file, resources, loaded: resources - rejected.length, mode: 'transaction', rejected };
    }
  }
  // The server refused the transaction (or does not do transactions): one request per entry, in Bundle order.
  const result = await loadEntryByEntry(file, bundle, base, send);
  return { file, resources, loaded: result.loaded, mode: 'per-entry', rejected: result.rejected };
}

/** Loads every fixture Bundle of `fixturesDir`, in file-name order. */
export async function loadFixtures(options: LoadFixturesOptions): Promise<LoadReport> {
  const log = options.log ?? (() => undefined);
  const send = sender(options);
  const files = (await readdir(options.fixturesDir)).filter((name) => name.endsWith('.json') && name !== 'manifest.json').sort();
  const fixtures: FixtureResult[] = [];
  for (const file of files) {
    let result: FixtureResult;
    try {
      const document = JSON.parse(await readFile(join(options.fixturesDir, file), 'utf8')) as unknown;
      result = await loadOne(file, document, options, send);
    } catch (error) {
      const diagnostics = error instanceof Error ? error.message : String(error);
      result = { file, resources: 0, loaded: 0, mode: 'none', rejected: [{ file, resource: 'Bundle', diagnostics }] };
    }
    fixtures.push(result);
    const via = result.mode === 'per-entry' ? ' (transaction refused; loaded entry by entry)' : '';
    if (result.rejected.length === 0) log(`✓ ${file} ${result.loaded} resources${via}`);
    else log(`✗ ${file} ${result.loaded}/${result.resources} resources loaded, ${result.rejected.length} rejected${via}`);
    for (const rejected of result.rejected) log(`    ✗ ${rejected.resource}: ${rejected.diagnostics}`);
  }
  const rejected = fixtures.flatMap((fixture) => fixture.rejected);
  return { fixtures, loaded: fixtures.reduce((sum, fixture) => sum + fixture.loaded, 0), rejected, ok: rejected.length === 0 };
}
