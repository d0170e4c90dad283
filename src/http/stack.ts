/** The middleware every request passes through before routing: security headers and CORS. */
import cors from 'cors';
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import type { AppConfig } from '../config.js';

export const HELMET_OPTIONS = {
  contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'"], imgSrc: ["'self'", 'data:'] } },
  crossOriginResourcePolicy: { policy: 'cross-origin' as const },
};

export function securityHeaders(): RequestHandler {
  return helmet(HELMET_OPTIONS);
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
