/** The Express app: security headers, CORS, client authentication, and thin routes over the CDS Hooks use cases. */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { AuthenticatedClient, ClientAuthenticator } from '../auth/client-auth.js';
import type { Metrics } from '../common/metrics.js';
import type { AppConfig } from '../config.js';
import { listFeedback, receiveFeedback, type FeedbackDeps } from '../cds-hooks/feedback.js';
import { handleHookCall, type CardGovernance, type HookCallDeps } from '../cds-hooks/hook-call.js';
import { errorHandler, unmatchedRoute } from './error-handler.js';
import { jsonBody } from './json-body.js';
import { operationOutcome } from './operation-outcome.js';
import { openApiRoutes } from './openapi-routes.js';
import { notes, requestLog } from './request-notes.js';
import { collapseRepeatedSlashesMiddleware } from './repeated-slashes.js';
import { corsHeaders, securityHeaders } from './stack.js';
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
  /** Rule modes, the issued-card log rows and snooze after override (src/governance/governance.ts). */
  governance?: CardGovernance & NonNullable<FeedbackDeps['governance']>;
  /** The governance admin router (src/governance/admin-routes.ts), mounted before CORS and client authentication. */
  adminRoutes?: express.Router;
  /** Extra routes mounted before the 404 handler (e.g. the development card preview). */
  extraRoutes?: (app: express.Express) => void;
}

const isAdminPath = (path: string): boolean => path === '/admin' || path.startsWith('/admin/');

/**
 * A router entered only for the paths it serves: every other request (the hook calls) passes by with one string
 * check instead of walking the router's stack (~10 % of what Express costs per hook call, measured in-process). What
 * the router does not answer under its paths is a 404 here; its errors go on to the error handler.
 */
function onlyUnder(serves: (path: string) => boolean, router: express.Router): express.RequestHandler {
  return (req, res, next) => {
    if (!serves(req.path)) return next();
    router(req, res, (error?: unknown) => (error !== undefined && error !== 'route' && error !== 'router' ? next(error) : unmatchedRoute(req, res)));
  };
}

export function createApp(deps: AppDeps): express.Express {
  const { config, metrics, logger } = deps;
  const feedbackDeps = { ...deps, maxFeedbackItems: config.maxFeedbackItems };
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.set('etag', false);
  app.use(collapseRepeatedSlashesMiddleware);
  app.use(requestLog(metrics, logger));
  app.use(securityHeaders());
  // The admin endpoints (contract §7), before CORS: a browser page of another origin never reads them; their own
  // bearer credential (ADMIN_TOKEN), never a CDS client's JWT. What they do not serve under /admin is a 404 / 405 here.
  if (deps.adminRoutes) app.use(onlyUnder(isAdminPath, deps.adminRoutes));
  // CDS clients (the Sandbox, EHR web views) call from browsers: preflight on every route, without authentication.
  app.use(corsHeaders(config));

  const json = jsonBody(config);
  const authenticate = (route: string) => async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    notes(res).route = route;
    // Only known ids become a metrics label: arbitrary ids from callers would grow the label set without bound.
    if (req.params.id) notes(res).service = deps.registry.find(String(req.params.id)) ? String(req.params.id) : '(unknown)';
    res.locals.client = await deps.auth.authenticate(req, `${config.publicBaseUrl}${req.path}`);
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

  app.use(onlyUnder((path) => path.startsWith('/openapi'), openApiRoutes(deps)));

  app.get('/cds-services', authenticate('discovery'), (_req, res) => {
    res.json(deps.registry.discovery);
  });

  app.post('/cds-services/:id', authenticate('service'), ...json, async (req, res) => {
    const id = String(req.params.id);
    const note = notes(res);
    if (typeof req.body === 'object' && req.body !== null) {
      const body = req.body as Record<string, unknown>;
      if (typeof body.hook === 'string') note.hook = body.hook.slice(0, 64);
      if (typeof body.hookInstance === 'string') note.hookInstance = body.hookInstance.slice(0, 128);
    }
    const result = await handleHookCall(id, req.body, deps, res.locals.client as AuthenticatedClient | undefined);
    note.ruleIds = result.cards.map((card) => card.source.topic.code);
    note.fhirRequests = result.fhirRequests;
    for (const row of result.rows) metrics.cards.inc({ service: id, rule_id: row.ruleId, indicator: row.indicator, mode: row.mode });
    res.json({ cards: result.cards });
  });

  app.post('/cds-services/:id/feedback', authenticate('feedback'), ...json, async (req, res) => {
    const id = String(req.params.id);
    const { items, added } = await receiveFeedback(id, req.body, feedbackDeps);
    for (const item of items) metrics.feedback.inc({ service: id, outcome: item.outcome });
    logger.debug({ serviceId: id, items: items.length, added }, 'feedback stored');
    res.json({});
  });

  app.get('/cds-services/:id/feedback', authenticate('feedback'), async (req, res) => {
    res.json({ feedback: await listFeedback(String(req.params.id), feedbackDeps) });
  });

  deps.extraRoutes?.(app);
  app.use(unmatchedRoute);
  app.use(errorHandler(config.bodyLimitBytes, logger));
  return app;
}
