/**
 * The floor of `npm run bench`: the same hook pipeline (body read, JSON.parse, depth check, `handleHookCall` with the
 * composed deps, JSON.stringify) behind a bare `node:http` handler, with no middleware. Every other row of the bench
 * reads as a ratio to it, measured in the same run, in the same process as the service. `POST /bench/empty` reads and
 * parses the body the same way and answers {"cards":[]}: the bare counterpart of the Express floor. `POST /bench/gets`
 * is the floor of a FHIR-road call: the body read and parsed the same way, then the service's prefetch queries sent
 * to `fhirServer` at once over a bare kept-alive `node:http` Agent and each answer parsed, then {"cards":[]}: what Node
 * itself needs for the call's HTTP, with none of our transport, resolver, record or rules.
 */
import http, { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { renderTemplate, tokenValues } from '../src/cds-hooks/prefetch/template.js';
import type { HookContext } from '../src/cds-hooks/types.js';
import { handleHookCall, type HookCallDeps } from '../src/cds-hooks/hook-call.js';
import { OutcomeError } from '../src/common/outcomes.js';
import { jsonTextDepthExceeds } from '../src/http/json-depth.js';

const SERVICE_PATH = /^\/cds-services\/([^/?]+)$/;

function answer(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** GETs of `urls` all at once over `agent`, each answer read and JSON-parsed; resolves with how many were made. */
export function bareGets(urls: readonly string[], agent: http.Agent): Promise<number> {
  const one = (url: string): Promise<unknown> =>
    new Promise((resolve, reject) => {
      http
        .get(url, { agent, headers: { accept: 'application/fhir+json' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
          res.on('error', reject);
        })
        .on('error', reject);
    });
  return Promise.all(urls.map(one)).then((bodies) => bodies.length);
}

/** The prefetch queries of a service for a hook request's context, as absolute URLs under its fhirServer. */
export function queryUrls(prefetch: Readonly<Record<string, string>>, fhirServer: string, context: HookContext): string[] {
  const values = tokenValues(context);
  return Object.values(prefetch).map((template) => `${fhirServer}/${renderTemplate(template, values)!}`);
}

const getsAgent = new http.Agent({ keepAlive: true });

async function handle(req: IncomingMessage, res: ServerResponse, deps: HookCallDeps, limits: { bodyLimitBytes: number; maxJsonDepth: number }): Promise<void> {
  const empty = req.method === 'POST' && req.url === '/bench/empty';
  const gets = req.method === 'POST' && req.url?.startsWith('/bench/gets/') === true;
  const id = req.method === 'POST' ? (gets ? req.url!.slice('/bench/gets/'.length) : SERVICE_PATH.exec(req.url ?? '')?.[1]) : undefined;
  if (id === undefined && !empty) return answer(res, 404, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limits.bodyLimitBytes) return answer(res, 413, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'too-costly' }] });
    chunks.push(chunk as Buffer);
  }
  const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
  if (jsonTextDepthExceeds(bytes, limits.maxJsonDepth)) return answer(res, 400, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid' }] });
  const body: unknown = JSON.parse(bytes.toString('utf8'));
  if (id === undefined) return answer(res, 200, { cards: [] });
  if (gets) {
    const request = body as { fhirServer: string; context: HookContext };
    await bareGets(queryUrls(deps.registry.find(id)![0]!.prefetch, request.fhirServer, request.context), getsAgent);
    return answer(res, 200, { cards: [] });
  }
  const result = await handleHookCall(id, body, deps);
  answer(res, 200, { cards: result.cards });
}

export function startFloor(deps: HookCallDeps, limits: { bodyLimitBytes: number; maxJsonDepth: number }): Server {
  return createServer({ keepAliveTimeout: 5000 }, (req, res) => {
    handle(req, res, deps, limits).catch((error: unknown) => {
      const status = error instanceof OutcomeError ? 400 : error instanceof SyntaxError ? 400 : 500;
      if (!res.headersSent) answer(res, status, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception' }] });
      else res.destroy();
    });
  });
}
