/**
 * `npm run report -- [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--format md|csv|json]`: the governance report of
 * GET /admin/reports/rules from the configured store (DATABASE_URL, else FEEDBACK_DB), printed to stdout.
 * It only reads; it never creates a database. Bad arguments or a store it cannot read: one line on stderr, exit 1.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Registry } from 'prom-client';
import { ConfigError, loadConfig, type AppConfig } from '../config.js';
import { createLogger } from '../http/logger.js';
import { openStore } from '../store/open-store.js';
import { StoreUnavailableError, type Store } from '../store/types.js';
import { governanceReport, type GovernanceReport } from './report.js';
import { loadRuleCatalog } from '../rule-files.js';
import { reportCsv, reportMarkdown } from './report-format.js';
import { ReportRangeError } from './report-range.js';

const FORMATS = ['md', 'csv', 'json'] as const;
type Format = (typeof FORMATS)[number];

/** A report run fails quickly: a store that does not answer within this is reported, not waited for. */
const CLI_DATABASE_STARTUP_TIMEOUT_MS = 3000;

class UsageError extends Error {}

export interface ReportArguments {
  from?: string;
  to?: string;
  format: Format;
}

export function parseReportArguments(argv: readonly string[]): ReportArguments {
  let values: { from?: string; to?: string; format?: string };
  try {
    ({ values } = parseArgs({ args: [...argv], options: { from: { type: 'string' }, to: { type: 'string' }, format: { type: 'string' } }, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]} (usage: npm run report -- --from YYYY-MM-DD --to YYYY-MM-DD [--format md|csv|json])`);
  }
  const format = values.format ?? 'md';
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be md, csv or json, got ${JSON.stringify(format)}`);
  return { ...(values.from !== undefined ? { from: values.from } : {}), ...(values.to !== undefined ? { to: values.to } : {}), format: format as Format };
}

export function renderReport(report: GovernanceReport, format: Format): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  if (format === 'csv') return reportCsv(report);
  return reportMarkdown(report);
}

async function openForReading(config: AppConfig, env: NodeJS.ProcessEnv): Promise<Store> {
  if (!config.databaseUrl && config.feedbackDbPath !== ':memory:' && !existsSync(config.feedbackDbPath)) {
    throw new ConfigError(`FEEDBACK_DB ${config.feedbackDbPath} does not exist (set FEEDBACK_DB or DATABASE_URL to the service's store)`);
  }
  const startup = env.DATABASE_STARTUP_TIMEOUT_MS?.trim() ? config.databaseStartupTimeoutMs : CLI_DATABASE_STARTUP_TIMEOUT_MS;
  return openStore({ ...config, databaseStartupTimeoutMs: startup }, { logger: createLogger('silent'), registry: new Registry() });
}

export async function runReport(argv: readonly string[], env: NodeJS.ProcessEnv, out: (text: string) => void | Promise<void>): Promise<void> {
  const args = parseReportArguments(argv);
  const config = loadConfig(env);
  const store = await openForReading(config, env);
  await store.ping();
  try {
    const catalog = await loadRuleCatalog();
    const report = await governanceReport(store.cardLog, { from: args.from, to: args.to }, config.timeZone, new Date(), (id) => catalog.position(id));
    await out(renderReport(report, args.format));
  } finally {
    await store.close().catch(() => undefined);
  }
}

/** One line for stderr: the reason, never a password of a database URL. */
export function failureLine(error: unknown): string {
  const known = error instanceof UsageError || error instanceof ConfigError || error instanceof ReportRangeError;
  const reason = error instanceof StoreUnavailableError ? `${error.message}: ${error.reason}` : (error as Error)?.message ?? String(error);
  const message = known ? reason : `cannot read the store: ${reason}`;
  return message.split('\n')[0]!.replace(/\/\/[^/@\s]*@/g, '//***@').slice(0, 400);
}
