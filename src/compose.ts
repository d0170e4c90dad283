import type { Logger } from 'pino';
import type express from 'express';
import { calendarDate } from './calendar.js';
import type { AppConfig } from './config.js';
import { FeedbackStore } from './cds-hooks/feedback-store.js';
import { compileValidators } from './cds-hooks/schemas.js';
import { loadServiceRegistry } from './cds-hooks/service-registry.js';
import { PatientRecordBuilder } from './fhir/build-record.js';
import { PrefetchResolver } from './fhir/resolver.js';
import { createApp } from './http/app.js';
import { openAccess, type ClientAuthenticator } from './http/client-auth.js';
import { Metrics } from './http/metrics.js';
import { ConsensusKnowledgeBase } from './knowledge/engine.js';
import { loadSettings } from './knowledge/site-policy.js';

export interface ComposeOptions {
  /** Fixed clock for tests and demos. */
  now?: () => Date;
  auth?: ClientAuthenticator;
  defaultMetrics?: boolean;
}

export interface ComposedService {
  app: express.Express;
  feedback: FeedbackStore;
  metrics: Metrics;
  close(): Promise<void>;
}

/** Builds everything once at start-up (schemas, value sets, settings, registry); requests only run the pipeline. */
export async function composeService(config: AppConfig, logger: Logger, options: ComposeOptions = {}): Promise<ComposedService> {
  const validators = compileValidators();
  // Settings and site policy: read and schema-checked once; a bad SITE_POLICY_FILE stops start-up naming the field.
  const knowledge = new ConsensusKnowledgeBase(loadSettings(config.sitePolicyFile));
  const registry = loadServiceRegistry(config.hooksDir, validators);
  const metrics = new Metrics({ defaultMetrics: options.defaultMetrics });
  const feedback = new FeedbackStore(config.feedbackDbPath);
  const now = options.now ?? (() => new Date());
  const auth = options.auth ?? openAccess;

  const app = createApp({
    config,
    registry,
    validators,
    resolver: new PrefetchResolver(),
    records: new PatientRecordBuilder(),
    knowledge,
    today: () => calendarDate(now(), config.timeZone),
    hookDeadlineMs: config.hookDeadlineMs,
    maxDraftOrders: config.maxDraftOrders,
    feedback,
    metrics,
    auth,
    logger,
  });

  return {
    app,
    feedback,
    metrics,
    close: async () => feedback.close(),
  };
}
