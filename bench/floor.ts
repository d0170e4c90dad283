/**
 * The floor of `npm run bench`: the same hook pipeline (body read, JSON.parse, depth check, `handleHookCall` with the
 * composed deps, JSON.stringify) behind a bare `node:http` handler, with no middleware. Every other row of the bench
 * reads as a ratio to it, measured in the same run, in the same process as the service. `POST /bench/empty` reads and
 * parses the body the same way and answers {"cards":[]}: the bare counterpart of the Express floor.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { handleHookCall, type HookCallDeps } from '../src/cds-hooks/hook-call.js';
import { OutcomeError } from '../src/common/outcomes.js';
import { jsonTextDepthExceeds } from '../src/http/json-depth.js';

const SERVICE_PATH = /^\/cds-services\/([^/?]+)$/;

function answer(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function handle(req: IncomingMessage, res: ServerResponse, deps: HookCallDeps, limits: { bodyLimitBytes: number; maxJsonDepth: number }): Promise<void> {
  const empty = req.method === 'POST' && req.url === '/bench/empty';
  const id = req.method === 'POST' ? SERVICE_PATH.exec(req.url ?? '')?.[1] : undefined;
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
