import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StartupError } from './common/startup.js';

/** The package root (where package.json lives), found from this file whether it runs from src/ or dist/src/. */
export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}

export interface AppConfig {
  port: number;
  host: string;
  nodeEnv: string;
  production: boolean;
  logLevel: string;
  /** Base URL the EHR uses to reach this service; JWT `aud` is checked against it. */
  publicBaseUrl: string;
  hooksDir: string;
  feedbackDbPath: string;
  /** Per-request timeout for FHIR calls. */
  fhirTimeoutMs: number;
  /** Deadline for all data fetching of one hook call. */
  hookDeadlineMs: number;
  fhirMaxPages: number;
  fhirMaxResources: number;
  /** Most bytes read from one FHIR answer, counted after decoding (gzip, deflate, br). */
  fhirMaxResponseBytes: number;
  /** Base-URL prefixes that outbound FHIR requests may go to; empty = any. */
  fhirServerAllowlist: string[];
  timeZone: string;
  cdsClientsFile?: string;
  allowUnauthenticated: boolean;
  /** Longest client JWT lifetime accepted (`exp` - now), seconds. */
  jwtMaxLifetimeSec: number;
  /** Live JWT ids remembered per issuer; an issuer over it is refused alone. */
  jwtReplayQuotaPerIssuer: number;
  sitePolicyFile?: string;
  valueSetFile?: string;
  corsOrigins: string[] | '*';
  bodyLimitBytes: number;
  maxJsonDepth: number;
  maxDraftOrders: number;
  maxSelections: number;
  maxFeedbackItems: number;
  maxBundleEntries: number;
  previewEnabled: boolean;
  /** PostgreSQL for shared state (feedback, card log, snoozes, JWT replay cache); unset = the embedded SQLite store. */
  databaseUrl?: string;
  databasePoolMax: number;
  databaseConnectTimeoutMs: number;
  databaseStatementTimeoutMs: number;
  /** How long start-up waits for DATABASE_URL to answer before giving up. */
  databaseStartupTimeoutMs: number;
  /** Worker processes serving one port (node:cluster). */
  webConcurrency: number;
  /** HMAC-SHA256 key of the patient pseudonym in the issued-card log and snoozes (src/governance/pseudonym.ts). */
  patientPseudonymKey: string;
  /** `development-default`: PATIENT_PSEUDONYM_KEY unset outside production, the public development key is in use. */
  patientPseudonymKeySource: 'env' | 'development-default';
  /** Bearer secret of the admin endpoints (/admin); unset: 404 under production, 401 otherwise. */
  adminToken?: string;
  /** ORDER_HOOK_PREFETCH: `none` publishes the order services without prefetch (data over fhirServer, TACE orders only). */
  orderHookPrefetch: OrderHookPrefetch;
  /** Days an issued-card log row is kept before the hourly purge deletes it; 0 = kept forever. */
  cardLogRetentionDays: number;
}

export type OrderHookPrefetch = 'full' | 'none';

/** An environment variable that cannot be used: the one start-up error (common/startup.ts) under its older name. */
export { StartupError as ConfigError } from './common/startup.js';

/**
 * The pseudonym key outside production when none is set: fixed and public, so pseudonyms (and snoozes) agree across
 * restarts and workers in development, as they will in production; the start-up log warns that they are not private.
 */
export const DEVELOPMENT_PSEUDONYM_KEY = 'hcc-cds-development-pseudonym-key-not-secret';

type Env = Record<string, string | undefined>;

function intVar(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new StartupError(`${name} must be an integer >= ${min}, got "${raw}"`);
  }
  return value;
}

/** Variables that used to be read: a site that still sets one must not believe it has effect. */
const MOVED_TO_SITE_POLICY: Readonly<Record<string, string>> = { AFP_NG_PER_IU: 'afpNgPerIu' };

function listVar(env: Env, name: string): string[] {
  return (env[name] ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function pathVar(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  return isAbsolute(raw) ? raw : resolve(process.cwd(), raw);
}

function validTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function loadConfig(env: Env = process.env): AppConfig {
  for (const [variable, setting] of Object.entries(MOVED_TO_SITE_POLICY)) {
    if (env[variable]?.trim()) throw new StartupError(`${variable} is no longer read: set "${setting}" in SITE_POLICY_FILE (a cited site setting, README "Settings")`);
  }
  const port = intVar(env, 'PORT', 3000);
  const nodeEnv = env.NODE_ENV?.trim() || 'development';
  const production = nodeEnv === 'production';
  const timeZone = env.CDS_TIME_ZONE?.trim() || 'UTC';
  if (!validTimeZone(timeZone)) throw new StartupError(`CDS_TIME_ZONE "${timeZone}" is not an IANA time zone`);
  const fhirTimeoutMs = intVar(env, 'FHIR_TIMEOUT_MS', 2000, 1);
  const publicBaseUrl = (env.PUBLIC_BASE_URL?.trim() || `http://localhost:${port}`).replace(/\/+$/, '');
  try {
    new URL(publicBaseUrl);
  } catch {
    throw new StartupError(`PUBLIC_BASE_URL "${publicBaseUrl}" is not a URL`);
  }
  const corsList = listVar(env, 'CORS_ORIGINS');
  const jwtMaxLifetimeSec = intVar(env, 'JWT_MAX_LIFETIME_SEC', 300, 1);
  if (jwtMaxLifetimeSec > 3600) throw new StartupError(`JWT_MAX_LIFETIME_SEC must be at most 3600 (CDS Hooks: no more than an hour), got "${jwtMaxLifetimeSec}"`);
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//i.test(databaseUrl)) {
    throw new StartupError('DATABASE_URL must be a postgres:// or postgresql:// URL (unset for the embedded SQLite store)');
  }
  const webConcurrency = intVar(env, 'WEB_CONCURRENCY', 1, 1);
  if (webConcurrency > 64) throw new StartupError(`WEB_CONCURRENCY must be at most 64, got "${webConcurrency}"`);
  const orderHookPrefetch = (env.ORDER_HOOK_PREFETCH?.trim().toLowerCase() || 'full') as OrderHookPrefetch;
  if (!['full', 'none'].includes(orderHookPrefetch)) throw new StartupError(`ORDER_HOOK_PREFETCH must be "full" or "none", got "${env.ORDER_HOOK_PREFETCH}"`);
  const patientPseudonymKey = env.PATIENT_PSEUDONYM_KEY?.trim() || undefined;
  if (production && patientPseudonymKey === undefined) {
    // One line even when CDS_CLIENTS_FILE is missing too (server.ts checks that one after the configuration is read).
    const clients = !pathVar(env, 'CDS_CLIENTS_FILE') && env.CDS_ALLOW_UNAUTHENTICATED?.trim() !== 'true' ? 'CDS_CLIENTS_FILE (or CDS_ALLOW_UNAUTHENTICATED=true to run open on purpose) and ' : '';
    throw new StartupError(`NODE_ENV=production needs ${clients}PATIENT_PSEUDONYM_KEY (a secret of at least 32 characters: the key of the patient pseudonyms in the issued-card log)`);
  }
  return {
    port,
    host: env.HOST?.trim() || '0.0.0.0',
    nodeEnv,
    production,
    logLevel: env.LOG_LEVEL?.trim() || (nodeEnv === 'test' ? 'silent' : 'info'),
    publicBaseUrl,
    hooksDir: pathVar(env, 'HOOKS_DIR') ?? join(PACKAGE_ROOT, 'hooks'),
    // SQLite's ":memory:" (tests, benchmarks) is a database name, not a file path to resolve.
    feedbackDbPath: env.FEEDBACK_DB?.trim() === ':memory:' ? ':memory:' : (pathVar(env, 'FEEDBACK_DB') ?? join(PACKAGE_ROOT, 'data', 'feedback.sqlite')),
    fhirTimeoutMs,
    hookDeadlineMs: intVar(env, 'HOOK_DEADLINE_MS', fhirTimeoutMs + 1000, 1),
    fhirMaxPages: intVar(env, 'FHIR_MAX_PAGES', 10, 1),
    fhirMaxResources: intVar(env, 'FHIR_MAX_RESOURCES', 5000, 1),
    fhirMaxResponseBytes: intVar(env, 'FHIR_MAX_RESPONSE_BYTES', 16 * 1024 * 1024, 1024),
    fhirServerAllowlist: listVar(env, 'FHIR_SERVER_ALLOWLIST'),
    timeZone,
    cdsClientsFile: pathVar(env, 'CDS_CLIENTS_FILE'),
    allowUnauthenticated: env.CDS_ALLOW_UNAUTHENTICATED?.trim() === 'true',
    jwtMaxLifetimeSec,
    jwtReplayQuotaPerIssuer: intVar(env, 'JWT_REPLAY_QUOTA_PER_ISSUER', 30_000, 1),
    sitePolicyFile: pathVar(env, 'SITE_POLICY_FILE'),
    valueSetFile: pathVar(env, 'VALUE_SET_FILE'),
    corsOrigins: corsList.length === 0 || corsList.includes('*') ? '*' : corsList,
    bodyLimitBytes: intVar(env, 'BODY_LIMIT_BYTES', 8 * 1024 * 1024, 1024),
    maxJsonDepth: intVar(env, 'MAX_JSON_DEPTH', 64, 8),
    maxDraftOrders: intVar(env, 'MAX_DRAFT_ORDERS', 200, 1),
    maxSelections: intVar(env, 'MAX_SELECTIONS', 200, 1),
    maxFeedbackItems: intVar(env, 'MAX_FEEDBACK_ITEMS', 1000, 1),
    maxBundleEntries: intVar(env, 'MAX_BUNDLE_ENTRIES', 10000, 1),
    previewEnabled: !production && env.PREVIEW_ENABLED?.trim() !== 'false',
    databaseUrl,
    databasePoolMax: intVar(env, 'DATABASE_POOL_MAX', 10, 1),
    databaseConnectTimeoutMs: intVar(env, 'DATABASE_CONNECT_TIMEOUT_MS', 2000, 100),
    databaseStatementTimeoutMs: intVar(env, 'DATABASE_STATEMENT_TIMEOUT_MS', 5000, 100),
    databaseStartupTimeoutMs: intVar(env, 'DATABASE_STARTUP_TIMEOUT_MS', 60_000, 0),
    webConcurrency,
    patientPseudonymKey: patientPseudonymKey ?? DEVELOPMENT_PSEUDONYM_KEY,
    patientPseudonymKeySource: patientPseudonymKey === undefined ? 'development-default' : 'env',
    adminToken: env.ADMIN_TOKEN?.trim() || undefined,
    orderHookPrefetch,
    cardLogRetentionDays: intVar(env, 'CARD_LOG_RETENTION_DAYS', 400, 0),
  };
}
