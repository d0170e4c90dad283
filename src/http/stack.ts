/** The middleware every request passes through before routing: security headers and CORS. */
import cors from 'cors';
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import type { AppConfig } from '../config.js';

export const HELMET_OPTIONS = {
  contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'"], imgSrc: ["'self'", 'data:'] } },
  crossOriginResourcePolicy: { policy: 'cross-origin' as const },
};

/** The headers helmet sets for HELMET_OPTIONS, and those it removes: the same on every response, so read once. */
export function helmetHeaders(options: Parameters<typeof helmet>[0] = HELMET_OPTIONS): { set: [string, string][]; removed: string[] } {
  const set: [string, string][] = [];
  const removed: string[] = [];
  const recorder = {
    setHeader: (name: string, value: unknown) => void set.push([name, String(value)]),
    removeHeader: (name: string) => void removed.push(name),
  };
  let failure: unknown;
  helmet(options)({} as never, recorder as never, (error?: unknown) => {
    failure = error;
  });
  if (failure !== undefined || set.length === 0) throw new Error(`helmet did not set its headers synchronously (${String(failure)})`);
  return { set, removed };
}

/**
 * helmet's headers without running helmet per request: its middleware rebuilds nothing but still calls a dozen
 * closures per response, and our policy has no per-request part (no nonces). The headers are taken from helmet itself
 * at start-up, so they follow helmet's defaults; a test compares both on the same routes.
 */
export function securityHeaders(): RequestHandler {
  const { set, removed } = helmetHeaders();
  return (_req, res, next) => {
    for (let i = 0; i < removed.length; i += 1) res.removeHeader(removed[i]!);
    for (let i = 0; i < set.length; i += 1) res.setHeader(set[i]![0], set[i]![1]);
    next();
  };
}

// CDS clients (the Sandbox, EHR web views) call from browsers: preflight on every route, without authentication.
export function corsHeaders(config: Pick<AppConfig, 'corsOrigins'>): RequestHandler {
  return cors({
    origin: config.corsOrigins === '*' ? '*' : config.corsOrigins,
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Accept'],
    maxAge: 600,
  });
}
