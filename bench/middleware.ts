/**
 * What each piece of the Express stack costs per call, in-process (no sockets, no autocannon): every middleware of
 * createApp run on a fresh request (a Readable) and node:http response, timed as process CPU (user + system, so GC is in it) and less the cost of making
 * the pair. The pieces: repeated-slash check, request log + metrics (up to the 'finish' event), security headers, CORS,
 * client authentication (the bench's open access), and the JSON body parser with the depth check on the 25 KB
 * order-select body. Run alone with `node dist/bench/middleware.js [--iterations N]`; `npm run bench` runs it too.
 */
import { ServerResponse, type IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { openSync, realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { pino } from 'pino';
import { openAccess } from '../src/auth/client-auth.js';
import { Metrics } from '../src/common/metrics.js';
import { loadConfig } from '../src/config.js';
import { jsonBody } from '../src/http/json-body.js';
import { jsonTextDepthExceeds } from '../src/http/json-depth.js';
import { createLogger } from '../src/http/logger.js';
import { requestLog } from '../src/http/request-notes.js';
import { collapseRepeatedSlashesMiddleware } from '../src/http/repeated-slashes.js';
import { corsHeaders, securityHeaders } from '../src/http/stack.js';
import { benchArgs, benchBodies } from './harness.js';

export interface MiddlewareRow {
  name: string;
  micros: number;
}

type Pair = { req: IncomingMessage; res: ServerResponse };

/** The request as a plain Readable with the fields middleware reads: an IncomingMessage needs a Socket, which costs more than most middleware. */
function pair(body: Buffer | undefined): Pair {
  const headers = { host: '127.0.0.1', 'content-type': 'application/json', accept: 'application/json', origin: 'https://sandbox.example.org', ...(body ? { 'content-length': String(body.length) } : {}) };
  const req = Object.assign(Readable.from(body ? [body] : [], { objectMode: false }), { method: 'POST', url: '/cds-services/hcc-tace-order-select', headers }) as unknown as IncomingMessage;
  const res = new ServerResponse(req);
  (res as unknown as { locals: object }).locals = {};
  return { req, res };
}

async function run(handlers: RequestHandler[], { req, res }: Pair): Promise<void> {
  for (const handler of handlers) {
    await new Promise<void>((resolve, reject) => {
      const next: NextFunction = (error?: unknown) => (error ? reject(error as Error) : resolve());
      const returned = handler(req as Request, res as unknown as Response, next) as unknown;
      if (returned instanceof Promise) returned.catch(reject);
    });
  }
}

export async function measureMiddleware(iterations: number): Promise<MiddlewareRow[]> {
  const config = loadConfig({ ...process.env, PORT: '0', PREVIEW_ENABLED: 'false' });
  const logger = createLogger('info', pino.destination({ fd: openSync('/dev/null', 'w'), sync: false }));
  const metrics = new Metrics({ defaultMetrics: false });
  const body = Buffer.from(JSON.stringify(benchBodies().selectBody));
  const finish = (handler: RequestHandler): RequestHandler => (req, res, next) => {
    handler(req, res, () => {
      res.emit('finish');
      next();
    });
  };
  const authenticate: RequestHandler = async (req, _res, next) => {
    await openAccess.authenticate(req, `${config.publicBaseUrl}${req.path}`);
    next();
  };
  const depthOnly: RequestHandler = (req, _res, next) => {
    jsonTextDepthExceeds(body, config.maxJsonDepth);
    req.resume();
    next();
  };
  const pieces: { name: string; handlers: RequestHandler[]; body?: boolean }[] = [
    { name: 'repeated-slash check', handlers: [collapseRepeatedSlashesMiddleware as RequestHandler] },
    { name: 'request log line + metrics (on finish)', handlers: [finish(requestLog(metrics, logger) as RequestHandler)] },
    { name: 'security headers', handlers: [securityHeaders()] },
    { name: 'CORS', handlers: [corsHeaders(config)] },
    { name: 'client authentication (open access)', handlers: [authenticate] },
    { name: 'JSON body (read, parse, depth check), 25 KB', handlers: jsonBody(config), body: true },
    { name: '  of which the depth check on the bytes', handlers: [depthOnly], body: true },
  ];
  const time = async (handlers: RequestHandler[], withBody: boolean): Promise<number> => {
    for (let i = 0; i < 500; i += 1) await run(handlers, pair(withBody ? body : undefined));
    // CPU time, not wall time: the body is read across event-loop turns, and the machine may be shared. The least of
    // five rounds: other processes' interrupts only ever add.
    let least = Infinity;
    const round = Math.ceil(iterations / 5);
    for (let r = 0; r < 5; r += 1) {
      const before = process.cpuUsage();
      for (let i = 0; i < round; i += 1) await run(handlers, pair(withBody ? body : undefined));
      const spent = process.cpuUsage(before);
      least = Math.min(least, (spent.user + spent.system) / round);
    }
    return least;
  };
  const rows: MiddlewareRow[] = [];
  const nothing = { bare: await time([], false), body: await time([], true) };
  for (const piece of pieces) rows.push({ name: piece.name, micros: (await time(piece.handlers, piece.body === true)) - (piece.body ? nothing.body : nothing.bare) });
  return rows;
}

export function middlewareMarkdown(rows: MiddlewareRow[], iterations: number): string[] {
  return [
    '| Middleware | µs per call |',
    '|---|---|',
    // A piece cheaper than the spread of the request/response pair it is measured on reads as "< 1", not as a negative cost.
    ...rows.map((r) => `| ${r.name} | ${r.micros < 1 ? '< 1' : r.micros.toFixed(1)} |`),
    `| **sum** | **${rows.filter((r) => !r.name.startsWith(' ')).reduce((sum, r) => sum + Math.max(0, r.micros), 0).toFixed(1)}** |`,
    '',
    `CPU time (user + system, GC included) per call over ${iterations} calls after 500 warm-up calls (the least of five rounds), each on a fresh request (a Readable with the headers) and \`node:http\` response (the cost of making the pair subtracted), in one process (\`bench/middleware.ts\`). Express's own routing and \`res.json\` are not in it: the Express floor row minus this sum is roughly what they cost.`,
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  const iterations = benchArgs().number('iterations', 5000);
  process.stdout.write(`${middlewareMarkdown(await measureMiddleware(iterations), iterations).join('\n')}\n`);
}
