/** What the request log line and the metrics say about one request: filled in by the handlers, written once at the end. */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { performance } from 'node:perf_hooks';
import type { Metrics } from '../common/metrics.js';

export interface RequestNotes {
  route: string;
  service?: string;
  hook?: string;
  hookInstance?: string;
  ruleIds?: string[];
  fhirRequests?: number;
  authFailure?: string;
  error?: string;
}

export function notes(res: Response): RequestNotes {
  return res.locals as RequestNotes;
}

/** One log line and the request metrics per request (none logged for the health and metrics probes). */
export function requestLog(metrics: Metrics, logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    notes(res).route = 'other';
    res.on('finish', () => {
      const note = notes(res);
      const seconds = (performance.now() - started) / 1000;
      const labels = { route: note.route, service: note.service ?? '', status: String(res.statusCode) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, seconds);
      if (note.route === 'healthz' || note.route === 'readyz' || note.route === 'metrics') return;
      logger.info(
        {
          method: req.method,
          route: note.route,
          status: res.statusCode,
          ms: Math.round(seconds * 10000) / 10,
          serviceId: note.service,
          hook: note.hook,
          hookInstance: note.hookInstance,
          ruleIds: note.ruleIds,
          fhirRequests: note.fhirRequests,
          authFailure: note.authFailure,
          error: note.error,
        },
        'request',
      );
    });
    next();
  };
}
