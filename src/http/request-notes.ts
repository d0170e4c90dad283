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

interface RequestSeries {
  count: { inc(): void };
  duration: { observe(seconds: number): void };
}

/**
 * The counter and histogram children of one (route, service, status), made on first sight and kept: the label set is
 * bounded (routes, known service ids or "(unknown)", statuses), and prom-client would otherwise build, validate and
 * hash a label object twice per request.
 */
function seriesOf(metrics: Metrics, cache: Map<string, RequestSeries>, route: string, service: string, status: number): RequestSeries {
  const key = `${route}\u0000${service}\u0000${status}`;
  let series = cache.get(key);
  if (series === undefined) {
    const labels = { route, service, status: String(status) };
    series = { count: metrics.httpRequests.labels(labels), duration: metrics.httpDuration.labels(labels) };
    cache.set(key, series);
  }
  return series;
}

/** One log line and the request metrics per request (none logged for the health and metrics probes). */
export function requestLog(metrics: Metrics, logger: Logger) {
  const series = new Map<string, RequestSeries>();
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    notes(res).route = 'other';
    res.on('finish', () => {
      const note = notes(res);
      const seconds = (performance.now() - started) / 1000;
      const { count, duration } = seriesOf(metrics, series, note.route, note.service ?? '', res.statusCode);
      count.inc();
      duration.observe(seconds);
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
