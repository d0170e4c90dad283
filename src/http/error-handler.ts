/** The last handlers: 405 / 404 for what no route served, and every error as a status with an OperationOutcome. */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { OutcomeError } from '../common/outcomes.js';
import { scrubMessage } from './logger.js';
import { operationOutcome, STATUS_OF } from './operation-outcome.js';
import { notes } from './request-notes.js';

const FALLBACK_BODY = JSON.stringify(operationOutcome([{ code: 'exception', diagnostics: 'internal error; the service log has the details' }]));

/** Known paths with a method they do not serve: 405 with Allow. */
const ALLOWED: readonly [RegExp, string][] = [
  [/^\/cds-services\/?$/, 'GET, OPTIONS'],
  [/^\/cds-services\/[^/]+\/feedback\/?$/, 'GET, POST, OPTIONS'],
  [/^\/cds-services\/[^/]+\/?$/, 'POST, OPTIONS'],
  [/^\/(healthz|readyz|metrics)\/?$/, 'GET'],
  [/^\/admin(\/reports\/rules)?\/?$/, 'GET'],
];

export function unmatchedRoute(req: Request, res: Response): void {
  const match = ALLOWED.find(([pattern]) => pattern.test(req.path));
  if (match) {
    res.set('Allow', match[1]);
    res.status(405).json(operationOutcome([{ code: 'not-supported', diagnostics: `${req.method} is not allowed on ${req.path}; allowed: ${match[1]}` }]));
    return;
  }
  res.status(404).json(operationOutcome([{ code: 'not-found', diagnostics: `no route ${req.method} ${req.path}` }]));
}

function describeFailure(failure: unknown): string {
  try {
    return scrubMessage(String(failure instanceof Error ? failure.message : failure)).slice(0, 500);
  } catch {
    return 'an error that cannot be printed';
  }
}

function answerFallback(res: Response, failure: unknown, logger: Logger): void {
  try {
    logger.error({ err: describeFailure(failure) }, 'the error handler failed; answered with the fallback 500');
  } catch {
    // Logging is best effort here; the answer below is not.
  }
  try {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.statusCode = 500;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.end(FALLBACK_BODY);
  } catch {
    res.destroy();
  }
}

function answerError(error: unknown, res: Response, bodyLimitBytes: number, logger: Logger): void {
  const note = notes(res);
  if (error instanceof OutcomeError) {
    if (error.kind === 'unauthorized') {
      // The reason is for the log line only; the caller is told no more than "unauthorized" (contract §5).
      note.authFailure = error.message === 'unauthorized' ? undefined : error.message;
      res.status(STATUS_OF.unauthorized).json(operationOutcome([{ code: 'login', diagnostics: 'unauthorized' }]));
      return;
    }
    note.error = scrubMessage(error.message).slice(0, 500);
    res.status(STATUS_OF[error.kind]).json(operationOutcome(error.issues));
    return;
  }
  const bodyError = error as { type?: string; status?: number; message?: string };
  if (bodyError.type === 'entity.too.large') {
    res.status(413).json(operationOutcome([{ code: 'too-costly', diagnostics: `the request body is larger than ${bodyLimitBytes} bytes` }]));
    return;
  }
  if (bodyError.type === 'entity.parse.failed') {
    res.status(400).json(operationOutcome([{ code: 'structure', diagnostics: 'the request body is not valid JSON' }]));
    return;
  }
  if (bodyError.type === 'encoding.unsupported' || bodyError.type === 'charset.unsupported') {
    res.status(415).json(operationOutcome([{ code: 'not-supported', diagnostics: 'unsupported content encoding or charset' }]));
    return;
  }
  if (typeof bodyError.status === 'number' && bodyError.status >= 400 && bodyError.status < 500) {
    res.status(bodyError.status).json(operationOutcome([{ code: 'invalid', diagnostics: 'the request could not be read' }]));
    return;
  }
  note.error = scrubMessage(String((error as Error)?.stack ?? error)).slice(0, 2000);
  logger.error({ route: note.route, serviceId: note.service, hookInstance: note.hookInstance, err: note.error }, 'unexpected error');
  res.status(500).json(operationOutcome([{ code: 'exception', diagnostics: 'internal error; the service log has the details' }]));
}

/**
 * The last handler must not fail: when describing the error throws (an unprintable error, a body that cannot be
 * serialised), the answer is a 500 whose body was serialised at start-up.
 */
export function errorHandler(bodyLimitBytes: number, logger: Logger) {
  return (error: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    try {
      answerError(error, res, bodyLimitBytes, logger);
    } catch (failure) {
      answerFallback(res, failure, logger);
    }
  };
}
