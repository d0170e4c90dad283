import type { Logger } from 'pino';
import type express from 'express';
import type { Registry } from 'prom-client';
import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { calendarDate } from './common/calendar.js';
import type { AppConfig } from './config.js';
import { compileValidators } from './cds-hooks/schemas.js';
import { loadServiceRegistry } from './cds-hooks/service-registry.js';
import { PatientRecordBuilder } from './fhir/build-record.js';
import { createDataSettings } from './fhir/data-settings.js';
import { FhirDataResolver } from './cds-hooks/prefetch/resolve.js';
import { loadValueSets } from './fhir/value-sets.js';
import { createApp, type AppDeps } from './http/app.js';
import { createClientAuthenticator } from './auth/create-authenticator.js';
import type { JwtAuthenticatorOptions } from './auth/jwt-authenticator.js';
import type { ClientAuthenticator } from './auth/client-auth.js';
import { Metrics } from './common/metrics.js';
import { ConsensusKnowledgeBase } from './knowledge/engine.js';
import { loadRuleCatalog } from './rule-files.js';
import { loadSitePolicy } from './site-files.js';
import { loadClientsFile } from './auth/clients-file.js';
import { adminRoutes } from './governance/admin-routes.js';
import { Governance } from './governance/governance.js';
import { patientPseudonymizer, pseudonymKeyWarnings } from './governance/pseudonym.js';
import { startRetention } from './governance/retention.js';
import { RuleModes } from './governance/rule-modes.js';
import { reasonOf } from './store/guard.js';
import { openStore } from './store/open-store.js';
import { Readiness } from './store/readiness.js';
import type { FeedbackRepository, Store } from './store/types.js';

export interface ComposeOptions {
  /** Fixed clock for tests and demos. */
  now?: () => Date;
  auth?: ClientAuthenticator;
  /** JWT check tuning (clock, JWKS cool-down, replay cache size) for tests; defaults suit production. */
  authOptions?: Omit<JwtAuthenticatorOptions, 'metrics'>;
  defaultMetrics?: boolean;
  /** More routes, mounted before the 404 handler (the benchmark's Express floor). */
  extraRoutes?: (app: express.Express) => void;
  /** Prometheus text of every worker (the cluster primary aggregates), given this process's registry; default: that registry's. */
  metricsText?: (local: Registry) => Promise<string>;
}

export interface ComposedService {
  app: express.Express;
  feedback: FeedbackRepository;
  store: Store;
  readiness: Readiness;
  metrics: Metrics;
  close(): Promise<void>;
}

/** Builds everything once at start-up (schemas, value sets, settings, registry); requests only run the pipeline. */
export async function composeDeps(config: AppConfig, logger: Logger, options: ComposeOptions = {}): Promise<AppDeps> {
  const validators = compileValidators();
  // Settings and site policy: read and schema-checked once; a bad SITE_POLICY_FILE stops start-up naming the field.
  const sitePolicy = loadSitePolicy(config.sitePolicyFile);
  const { settings } = sitePolicy;
  // Value sets first: the prefetch templates ask for their codes, site codes included ({{valueset:...}}).
  const valueSets = loadValueSets(config.valueSetFile);
  const registry = loadServiceRegistry(config.hooksDir, validators, valueSets.searchQueries(), { orderHookPrefetch: config.orderHookPrefetch });
  const catalog = await loadRuleCatalog();
  // Rule modes and snoozes name rules, services and clients: a typo stops start-up rather than never matching.
  const modes = new RuleModes(
    sitePolicy.governance({
      rules: catalog,
      serviceIds: [...new Set(registry.services.map((service) => service.id))],
      ...(config.cdsClientsFile ? { issuers: loadClientsFile(config.cdsClientsFile).clients.map((client) => client.iss) } : {}),
    }),
  );
  const metrics = new Metrics({ defaultMetrics: options.defaultMetrics });
  // The store before the authenticator: the JWT replay cache lives in it (shared when DATABASE_URL is set).
  const store = await openStore(config, { logger, registry: metrics.registry, now: options.authOptions?.now });
  const auth = options.auth ?? (await createClientAuthenticator(config, { metrics, logger }, { replayStore: store.replay, ...options.authOptions }));
  const dataSettings = createDataSettings({ afpNgPerIu: settings.afpNgPerIu });
  const knowledge = new ConsensusKnowledgeBase(catalog, settings);
  const now = options.now ?? (() => new Date());
  const governance = composeGovernance(config, logger, { modes, store, now });

  const deps: AppDeps = {
    config,
    registry,
    validators,
    resolver: new FhirDataResolver({
      fhirTimeoutMs: config.fhirTimeoutMs,
      hookDeadlineMs: config.hookDeadlineMs,
      fhirMaxPages: config.fhirMaxPages,
      fhirMaxResources: config.fhirMaxResources,
      fhirMaxResponseBytes: config.fhirMaxResponseBytes,
      fhirServerAllowlist: config.fhirServerAllowlist,
      production: config.production,
      metrics,
      logger,
    }),
    records: new PatientRecordBuilder(valueSets, dataSettings, config.timeZone),
    knowledge,
    isTaceOrderCode: (code) => valueSets.isTaceCode(code),
    today: () => calendarDate(now(), config.timeZone),
    hookDeadlineMs: config.hookDeadlineMs,
    maxDraftOrders: config.maxDraftOrders,
    maxSelections: config.maxSelections,
    maxBundleEntries: config.maxBundleEntries,
    feedback: store.feedback,
    governance,
    cardLog: store.cardLog,
    onCardLogFailure: (error, rows) => {
      metrics.cardLogFailures.inc(rows);
      logger.error({ rows, err: reasonOf(error) }, 'issued-card log not written (store unavailable); the unauthenticated hook call was answered anyway');
    },
    adminRoutes: adminRoutes({
      store,
      adminToken: config.adminToken,
      production: config.production,
      timeZone: config.timeZone,
      logger,
      now,
      rulePosition: (id) => catalog.position(id),
    }),
    store,
    readiness: new Readiness(store),
    metricsText: options.metricsText ? () => options.metricsText!(metrics.registry) : undefined,
    metrics,
    auth,
    logger,
  };
  // The development card preview (GET /preview); config.previewEnabled is false under NODE_ENV=production.
  const preview = config.previewEnabled ? await loadPreviewRoutes(deps, logger) : undefined;
  const extra = options.extraRoutes;
  if (preview || extra) {
    deps.extraRoutes = (app) => {
      preview?.(app);
      extra?.(app);
    };
  }
  return deps;
}

/** The go-live policy's start-up lines (what is not active, the pseudonym key, the admin credential) and the facade. */
function composeGovernance(config: AppConfig, logger: Logger, parts: { modes: RuleModes; store: Store; now: () => Date }): Governance {
  // Under WEB_CONCURRENCY every worker composes the service; the first one says it for all.
  if (!cluster.isWorker || cluster.worker?.id === 1) {
    for (const line of parts.modes.describeNotActive()) logger.warn({ rule: line }, `rule not active: ${line}`);
    for (const line of pseudonymKeyWarnings(config)) logger.warn(line);
    if (!config.adminToken) {
      logger.warn(`ADMIN_TOKEN is not set: the governance report (/admin) ${config.production ? 'answers 404' : 'answers 401 to every request'}`);
    }
  }
  return new Governance({
    modes: parts.modes,
    pseudonymize: patientPseudonymizer(config.patientPseudonymKey),
    snoozes: parts.store.snoozes,
    cardLog: parts.store.cardLog,
    timeZone: config.timeZone,
    now: parts.now,
    // The card is shown: never hidden because the store could not say whether it is snoozed.
    onSnoozeLookupFailure: (error) => logger.warn({ err: reasonOf(error) }, 'snooze lookup failed; the cards are shown'),
  });
}

export async function composeService(config: AppConfig, logger: Logger, options: ComposeOptions = {}): Promise<ComposedService> {
  const deps = await composeDeps(config, logger, options);
  const app = createApp(deps);
  const retention = startRetention({ store: deps.store, retentionDays: config.cardLogRetentionDays, logger, now: options.now });
  return {
    app,
    feedback: deps.feedback,
    store: deps.store,
    readiness: deps.readiness,
    metrics: deps.metrics,
    close: async () => {
      retention.stop();
      await retention.first;
      deps.resolver.close?.();
      await deps.store.close();
    },
  };
}

type PreviewRoutes = (deps: AppDeps) => (app: express.Express) => void;

/**
 * The card preview is a development tool (dev/preview), outside the runtime build: it is loaded by path, only when
 * enabled, and only where it was built (`npm run build`, or its TypeScript source under the tests). A runtime-only
 * build (the Docker image) has none, and says so once instead of failing.
 */
async function loadPreviewRoutes(deps: AppDeps, logger: Logger): Promise<((app: express.Express) => void) | undefined> {
  const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  const module = new URL(`../dev/preview/routes.${extension}`, import.meta.url);
  if (!existsSync(fileURLToPath(module))) {
    logger.warn('the card preview (GET /preview) is not part of this build; it needs the development tools (npm run build)');
    return undefined;
  }
  const { previewRoutes } = (await import(module.href)) as { previewRoutes: PreviewRoutes };
  return previewRoutes(deps);
}
