import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * How often the event-loop lag histogram samples. prom-client's default (10 ms) wakes the process 100 times a second
 * whether or not it has work: measured here at ~8 ms of CPU per second idle, ~0.2 ms per call at 40 calls/s
 * (`npm run bench`, c=1). At 50 ms: ~1.9 ms/s, and any stall of 50 ms or more still shows in full.
 */
export const EVENT_LOOP_SAMPLE_MS = 50;

/** One registry per app instance, so tests can run several apps side by side. */
export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'hcc_cds_http_requests_total',
    help: 'HTTP requests by route, CDS service id and status',
    labelNames: ['route', 'service', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'hcc_cds_http_request_duration_seconds',
    help: 'HTTP request latency by route, CDS service id and status',
    labelNames: ['route', 'service', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly cards = new Counter({
    name: 'hcc_cds_cards_total',
    help: 'Cards decided on, by rule id, indicator and mode (shown = returned, silent, snoozed)',
    labelNames: ['service', 'rule_id', 'indicator', 'mode'] as const,
    registers: [this.registry],
  });

  readonly feedback = new Counter({
    name: 'hcc_cds_feedback_total',
    help: 'Feedback items received, by service and outcome',
    labelNames: ['service', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly fhirRequests = new Counter({
    name: 'hcc_cds_fhir_requests_total',
    help: 'Outbound FHIR requests, by resource type and outcome (ok, http_4xx, http_5xx, timeout, network, malformed, refused, too_large)',
    labelNames: ['resource_type', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly fhirDuration = new Histogram({
    name: 'hcc_cds_fhir_request_duration_seconds',
    help: 'Outbound FHIR request latency by resource type and outcome',
    labelNames: ['resource_type', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
    registers: [this.registry],
  });

  readonly authFailures = new Counter({
    name: 'hcc_cds_auth_failures_total',
    help: 'Rejected CDS client JWTs, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  /** Alert on any increase: one registered client is minting tokens faster than its quota (it alone is refused). */
  readonly replayOverQuota = new Counter({
    name: 'hcc_cds_jwt_replay_over_quota_total',
    help: 'Valid client JWTs refused because their issuer has its replay-store quota full of live tokens, by issuer',
    labelNames: ['issuer'] as const,
    registers: [this.registry],
  });

  readonly replayEntries = new Gauge({
    name: 'hcc_cds_jwt_replay_entries',
    help: 'Live JWT ids remembered against replay, by issuer (compare with JWT_REPLAY_QUOTA_PER_ISSUER)',
    labelNames: ['issuer'] as const,
    registers: [this.registry],
    // Workers sharing a replay store each see the same count: across workers the largest, not the sum.
    aggregator: 'max',
  });

  /** Alert on any increase: hook calls without authentication were answered while the issued-card log could not be written. */
  readonly cardLogFailures = new Counter({
    name: 'hcc_cds_card_log_failures_total',
    help: 'Issued-card log rows not written (store unavailable) for unauthenticated hook calls that were answered anyway',
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'hcc_cds_', eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  }
}
