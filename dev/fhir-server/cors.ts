/**
 * CORS for the loopback FHIR server, so browser clients (the CDS Hooks Sandbox, SMART apps under development) can
 * use it from any origin. Dev-only: the server holds no real data and accepts any token, so `*` is fine.
 */
import type { ServerResponse } from 'node:http';

export const CORS_ALLOWED_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** Request headers FHIR clients send that are not CORS-safelisted (a browser asks for them in the preflight). */
export const CORS_ALLOWED_HEADERS = ['Accept', 'Authorization', 'Content-Type', 'Prefer', 'If-Match', 'If-None-Match', 'If-None-Exist', 'If-Modified-Since', 'X-Requested-With'] as const;

/** Response headers a script may read besides the safelisted ones (created resources, versions). */
const EXPOSED_HEADERS = ['Location', 'Content-Location', 'ETag', 'Last-Modified'];

/** Set on every answer, errors included, so a browser script can read the OperationOutcome. */
export function setCorsHeaders(res: ServerResponse): void {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS.join(', '));
}

/** Answers an `OPTIONS` request (a CORS preflight or a plain OPTIONS) with 204 and what is allowed. */
export function answerPreflight(res: ServerResponse): void {
  res.writeHead(204, {
    Allow: CORS_ALLOWED_METHODS.join(', '),
    'Access-Control-Allow-Methods': CORS_ALLOWED_METHODS.join(', '),
    'Access-Control-Allow-Headers': CORS_ALLOWED_HEADERS.join(', '),
    'Access-Control-Max-Age': '600',
    // Chrome's Private Network Access: a page on a public origin (the hosted Sandbox) asks before calling loopback.
    'Access-Control-Allow-Private-Network': 'true',
  });
  res.end();
}
