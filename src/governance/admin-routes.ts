/**
 * The governance admin endpoints (contract §7), as a router the app mounts before its 404 handler:
 *   GET /admin/reports/rules?from=&to=[&format=csv]  the report as JSON, or CSV (`?format=csv`, `Accept: text/csv`)
 *   GET /admin                                       the page with the charts (static; it fetches the report)
 *   GET /admin/assets/*                              the page's script, style and Chart.js (code only, no data)
 * Credential: `Authorization: Bearer <ADMIN_TOKEN>`, else 401. Without ADMIN_TOKEN: 404 under production (the
 * endpoints do not exist), 401 otherwise with a hint to set it (nothing is ever open without a token).
 * The page asks for the token and sends it as the bearer header of its report requests; a browser that opens
 * /admin without one gets the same page with status 401 (it shows the token field and no data).
 */
import express, { type Request, type Response } from 'express';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { PACKAGE_ROOT } from '../config.js';
import { OutcomeError } from '../common/outcomes.js';
import { operationOutcome, STATUS_OF, type Issue } from '../http/operation-outcome.js';
import type { CardLogRepository } from '../store/types.js';
import { adminTokenChecker } from './admin-auth.js';
import { governanceReport, type RulePosition } from './report.js';
import { reportCsv } from './report-format.js';
import { ReportRangeError } from './report-range.js';

export const ADMIN_STATIC_DIR = join(PACKAGE_ROOT, 'src', 'governance', 'static');

/** Chart.js 4's browser build, from the installed package (never a CDN). */
export function chartJsPath(): string {
  const entry = createRequire(import.meta.url).resolve('chart.js');
  const umd = join(dirname(entry), 'chart.umd.js');
  if (!existsSync(umd)) throw new Error(`chart.js: ${umd} is missing (is chart.js 4 installed?)`);
  return umd;
}

export interface AdminRoutesOptions {
  store: { cardLog: Pick<CardLogRepository, 'outcomes' | 'orphanFeedback'> };
  adminToken?: string;
  production: boolean;
  /** CDS_TIME_ZONE: the report's dates are calendar dates there. */
  timeZone: string;
  logger: Logger;
  now?: () => Date;
  /** The card order of rule ids (the rule catalog's `position`): the report lists rules in it. */
  rulePosition?: RulePosition;
}

/** No inline script or style, nothing from elsewhere; the page only talks to this service. */
export const ADMIN_PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const ASSETS: Record<string, { file: () => string; type: string }> = {
  'admin.js': { file: () => join(ADMIN_STATIC_DIR, 'admin.js'), type: 'text/javascript; charset=utf-8' },
  'admin.css': { file: () => join(ADMIN_STATIC_DIR, 'admin.css'), type: 'text/css; charset=utf-8' },
  'chart.umd.js': { file: chartJsPath, type: 'text/javascript; charset=utf-8' },
};

function answer(res: Response, status: number, issues: Issue[]): void {
  res.status(status).type('application/fhir+json').send(JSON.stringify(operationOutcome(issues)));
}

export function adminRoutes(options: AdminRoutesOptions): express.Router {
  const router = express.Router();
  const check = adminTokenChecker(options.adminToken);
  const now = options.now ?? (() => new Date());
  const chartJs = chartJsPath(); // at start-up: a missing package stops it, not the first page view

  if (options.production && !options.adminToken) {
    // The admin endpoints do not exist in production until a credential is configured.
    router.use('/admin', (_req, res) => answer(res, 404, [{ code: 'not-found', diagnostics: 'not found' }]));
    return router;
  }

  /** True when the request carries the admin credential; otherwise answers 401 (an HTML page for a browser's navigation). */
  const authorized = (req: Request, res: Response, page = false): boolean => {
    const result = check(req.header('authorization'));
    if (result === 'ok') return true;
    options.logger.warn({ route: req.path, reason: result }, 'admin request refused');
    res.set('WWW-Authenticate', 'Bearer realm="hcc-cds admin"');
    res.set('Cache-Control', 'no-store');
    if (page && req.accepts(['application/fhir+json', 'application/json', 'text/html']) === 'text/html') {
      sendPage(res.status(401));
      return false;
    }
    const diagnostics = result === 'disabled' ? 'unauthorized: the admin endpoints need ADMIN_TOKEN to be set (then send it as a bearer token)' : 'unauthorized';
    answer(res, 401, [{ code: 'login', diagnostics }]);
    return false;
  };

  const sendPage = (res: Response): void => {
    res.set('Content-Security-Policy', ADMIN_PAGE_CSP);
    res.set('Cache-Control', 'no-store');
    res.set('Vary', 'Accept, Authorization');
    res.sendFile(join(ADMIN_STATIC_DIR, 'admin.html'), { headers: { 'Content-Type': 'text/html; charset=utf-8' } });
  };

  router.get(['/admin', '/admin/'], (req, res) => {
    if (authorized(req, res, true)) sendPage(res);
  });

  router.get('/admin/assets/:name', (req, res) => {
    const asset = ASSETS[req.params.name];
    if (!asset) {
      answer(res, 404, [{ code: 'not-found', diagnostics: `no admin asset ${JSON.stringify(req.params.name.slice(0, 60))}` }]);
      return;
    }
    res.set('Cache-Control', 'no-cache');
    res.set('X-Content-Type-Options', 'nosniff');
    res.sendFile(req.params.name === 'chart.umd.js' ? chartJs : asset.file(), { headers: { 'Content-Type': asset.type } });
  });

  router.get(['/admin/reports/rules', '/admin/reports/rules/'], async (req, res) => {
    if (!authorized(req, res)) return;
    res.set('Cache-Control', 'no-store');
    res.set('Vary', 'Accept, Authorization');
    const format = req.query.format;
    if (format !== undefined && format !== 'csv' && format !== 'json') {
      answer(res, 400, [{ code: 'invalid', diagnostics: '"format" must be "csv" or "json"', expression: ['format'] }]);
      return;
    }
    const csv = format === 'csv' || (format === undefined && req.accepts(['application/json', 'text/csv']) === 'text/csv');
    try {
      const report = await governanceReport(options.store.cardLog, { from: req.query.from, to: req.query.to }, options.timeZone, now(), options.rulePosition);
      if (csv) {
        const name = `rule-report-${report.from}-to-${report.to}.csv`;
        res.status(200).set('Content-Disposition', `inline; filename="${name}"`).type('text/csv; charset=utf-8; header=present').send(reportCsv(report));
      } else {
        res.status(200).json(report);
      }
    } catch (error) {
      if (error instanceof ReportRangeError) answer(res, 400, [{ code: 'invalid', diagnostics: error.message, expression: [error.field] }]);
      else if (error instanceof OutcomeError) answer(res, STATUS_OF[error.kind], error.issues);
      else {
        options.logger.error({ route: req.path, err: String((error as Error)?.message ?? error).slice(0, 500) }, 'admin report failed');
        answer(res, 500, [{ code: 'exception', diagnostics: 'internal error; the service log has the details' }]);
      }
    }
  });

  return router;
}
