import cors from 'cors';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { performance } from 'node:perf_hooks';
import type { AppConfig } from '../config.js';
import { checkArrayLimit, handleHookCall, schemaViolation, type HookCallDeps } from '../cds-hooks/hook-call.js';
import type { FeedbackItem } from '../cds-hooks/types.js';
import type { ClientAuthenticator } from './client-auth.js';
import { jsonDepthExceeds, jsonTextDepthExceeds } from './json-depth.js';
import { scrubMessage } from './logger.js';
import type { Metrics } from './metrics.js';
import { badRequest, HttpError, notFound, operationOutcome } from './operation-outcome.js';
import { collapseRepeatedSlashesMiddleware } from './repeated-slashes.js';
import type { Readiness } from '../store/readiness.js';
import type { FeedbackRepository, Store } from '../store/types.js';

export interface AppDeps extends HookCallDeps {
  config: AppConfig;
  feedback: FeedbackRepository;
  store: Store;
  readiness: Readiness;
  /** Prometheus text of every worker under WEB_CONCURRENCY > 1; default: this process's registry. */
  metricsText?: () => Promise<string>;
  metrics: Metrics;
  auth: ClientAuthenticator;
  logger: Logger;
  /** Extra routes mounted before the 404 handler (e.g. the development card preview). */
  extraRoutes?: (app: express.Express) => void;
}

/** What the request log line and the metrics say about one request; filled in by the handlers. */
interface RequestNotes {
  route: string;
  service?: string;
  hook?: string;
  hookInstance?: string;
  ruleIds?: string[];
  fhirRequests?: number;
  authFailure?: string;
  error?: string;
}

function notes(res: Response): RequestNotes {
  return res.locals as RequestNotes;
}

const JSON_TYPES = ['application/json', 'application/*+json'];

const FALLBACK_BODY = JSON.stringify(operationOutcome([{ code: 'exception', diagnostics: 'internal error; the service log has the details' }]));

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

export function createApp(deps: AppDeps): express.Express {
  const { config, metrics, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.set('etag', false);
  app.use(collapseRepeatedSlashesMiddleware);

  app.use((req, res, next) => {
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
  });

  app.use(
    helmet({
      contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'"], imgSrc: ["'self'", 'data:'] } },
      crossOriginResourcePolicy: { policy: 'cross-origin' },
    }),
  );
  // CDS clients (the Sandbox, EHR web views) call from browsers: preflight on every route, without authentication.
  app.use(
    cors({
      origin: config.corsOrigins === '*' ? '*' : config.corsOrigins,
      methods: ['GET', 'POST', 'OPTIONS'],
      allowedHeaders: ['Authorization', 'Content-Type', 'Accept'],
      maxAge: 600,
    }),
  );

  // UTF-8 bodies (nearly all) have their depth checked on the bytes, before parsing; others after, on the document.
  const textDepth = new WeakMap<Request, 'within' | 'exceeded'>();
  const json = express.json({
    limit: config.bodyLimitBytes,
    type: JSON_TYPES,
    strict: false,
    verify: (req, _res, bytes, encoding) => {
      if (encoding === 'utf-8' || encoding === 'utf8') textDepth.set(req as Request, jsonTextDepthExceeds(bytes, config.maxJsonDepth) ? 'exceeded' : 'within');
    },
  });
  const checkDepth = (req: Request, _res: Response, next: NextFunction): void => {
    const checked = textDepth.get(req);
    if (req.body !== undefined && (checked === 'exceeded' || (checked === undefined && jsonDepthExceeds(req.body, config.maxJsonDepth)))) {
      next(badRequest(`the JSON document is nested deeper than ${config.maxJsonDepth} levels`));
      return;
    }
    next();
  };
  const authenticate = (route: string) => async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    notes(res).route = route;
    // Only known ids become a metrics label: arbitrary ids from callers would grow the label set without bound.
    if (req.params.id) notes(res).service = deps.registry.find(String(req.params.id)) ? String(req.params.id) : '(unknown)';
    const audience = `${config.publicBaseUrl}${req.path}`;
    await deps.auth.authenticate(req, audience);
    next();
  };

  app.get('/healthz', (_req, res) => {
    notes(res).route = 'healthz';
    res.json({ status: 'ok' });
  });

  // Readiness (contract §8): start-up done and the store answers; 503 OperationOutcome otherwise. /healthz is liveness.
  app.get('/readyz', async (_req, res) => {
    notes(res).route = 'readyz';
    const problem = await deps.readiness.problem();
    if (problem) res.status(503).json(operationOutcome([{ code: 'transient', diagnostics: `not ready: ${problem}` }]));
    else res.json({ status: 'ready' });
  });

  app.get('/metrics', async (_req, res) => {
    notes(res).route = 'metrics';
    res.type(metrics.registry.contentType).send(await (deps.metricsText?.() ?? metrics.registry.metrics()));
  });

  app.get('/cds-services', authenticate('discovery'), (_req, res) => {
    res.json(deps.registry.discovery);
  });

  app.post('/cds-services/:id', authenticate('service'), json, checkDepth, async (req, res) => {
    const id = String(req.params.id);
    const note = notes(res);
    if (typeof req.body === 'object' && req.body !== null) {
      const body = req.body as Record<string, unknown>;
      if (typeof body.hook === 'string') note.hook = body.hook.slice(0, 64);
      if (typeof body.hookInstance === 'string') note.hookInstance = body.hookInstance.slice(0, 128);
    }
    const result = await handleHookCall(id, req.body, deps);
    note.ruleIds = result.cards.map((card) => card.source.topic.code);
    note.fhirRequests = result.fhirRequests;
    for (const card of result.cards) {
      metrics.cards.inc({ service: id, rule_id: card.source.topic.code, indicator: card.indicator });
    }
    res.json({ cards: result.cards });
  });

  app.post('/cds-services/:id/feedback', authenticate('feedback'), json, checkDepth, async (req, res) => {
    const id = String(req.params.id);
    if (!deps.registry.find(id)) throw notFound(`no CDS service with id "${id}"`);
    if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
      throw badRequest('the feedback body must be a JSON object {"feedback": [...]}');
    }
    checkArrayLimit((req.body as { feedback?: unknown }).feedback, config.maxFeedbackItems, 'feedback', 'feedback');
    if (!deps.validators.feedback(req.body)) throw schemaViolation(deps.validators.feedback, '');
    const items = (req.body as { feedback: FeedbackItem[] }).feedback;
    // Answered only after the commit; a store that cannot commit is a 503 (StoreUnavailableError), never a 200.
    const added = await deps.feedback.add(id, items);
    for (const item of items) metrics.feedback.inc({ service: id, outcome: item.outcome });
    logger.debug({ serviceId: id, items: items.length, added }, 'feedback stored');
    res.json({});
  });

  app.get('/cds-services/:id/feedback', authenticate('feedback'), async (req, res) => {
    const id = String(req.params.id);
    if (!deps.registry.find(id)) throw notFound(`no CDS service with id "${id}"`);
    res.json({ feedback: await deps.feedback.list(id) });
  });

  deps.extraRoutes?.(app);

  // Known paths with a method they do not serve: 405 with Allow.
  const allowed: [RegExp, string][] = [
    [/^\/cds-services\/?$/, 'GET, OPTIONS'],
    [/^\/cds-services\/[^/]+\/feedback\/?$/, 'GET, POST, OPTIONS'],
    [/^\/cds-services\/[^/]+\/?$/, 'POST, OPTIONS'],
    [/^\/(healthz|readyz|metrics)\/?$/, 'GET'],
  ];
  app.use((req, res) => {
    const match = allowed.find(([pattern]) => pattern.test(req.path));
    if (match) {
      res.set('Allow', match[1]);
      res.status(405).json(operationOutcome([{ code: 'not-supported', diagnostics: `${req.method} is not allowed on ${req.path}; allowed: ${match[1]}` }]));
      return;
    }
    res.status(404).json(operationOutcome([{ code: 'not-found', diagnostics: `no route ${req.method} ${req.path}` }]));
  });

  const answerError = (error: unknown, res: Response): void => {
    const note = notes(res);
    if (error instanceof HttpError) {
      if (error.status === 401) note.authFailure = error.message === 'unauthorized' ? undefined : error.message;
      else note.error = scrubMessage(error.message).slice(0, 500);
      res.status(error.status).json(operationOutcome(error.status === 401 ? [{ code: 'login', diagnostics: 'unauthorized' }] : error.issues));
      return;
    }
    const bodyError = error as { type?: string; status?: number; message?: string };
    if (bodyError.type === 'entity.too.large') {
      res.status(413).json(operationOutcome([{ code: 'too-costly', diagnostics: `the request body is larger than ${config.bodyLimitBytes} bytes` }]));
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
  };

  // The last handler must not fail: when describing the error throws (an unprintable error, a body that cannot be
  // serialised), the answer is a 500 whose body was serialised at start-up.
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    try {
      answerError(error, res);
    } catch (failure) {
      answerFallback(res, failure, logger);
    }
  });

  return app;
}
