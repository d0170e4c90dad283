/** One hook call, top-down: validate -> which service -> TACE scope -> resolve prefetch -> record -> rules -> cards. */
import type { Logger } from 'pino';
import type { Governance } from '../governance/governance.js';
import type { CardLogRepository, IssuedCard } from '../store/types.js';
import { invalid, notFound, OutcomeError, tooCostly } from '../common/outcomes.js';
import type { CodeRef, PatientRecord } from '../record/record.js';
import type { RecordSource } from '../fhir/build-record.js';
import { applicableGroups } from '../knowledge/applicability.js';
import type { CardInput, EvaluationInput, Finding, RuleGroup } from '../knowledge/types.js';
import { buildCard } from './cards.js';
import { taceOrdersInScope } from './orders.js';
import type { DataResolver, ResolvedData } from './prefetch/resolved-data.js';
import { describeErrors, type Validate, type Validators } from './schemas.js';
import type { ServiceDefinition, ServiceRegistry } from './service-registry.js';
import type { Card, HookRequest } from './types.js';

/** Turns resolved Bundles into the PatientRecord (the FHIR layer). */
export interface RecordBuilder {
  /** `fhirServer`: the request's FHIR base, under which an absolute reference to this patient is recognised. */
  build(data: RecordSource, options: { today: string; patientId: string; fhirServer?: string }): PatientRecord;
}

/** The clinical knowledge: pure functions of (record, orders, today, settings). */
export interface KnowledgeBase {
  /** `off`: rule ids not to evaluate for this call. */
  evaluate(groups: readonly RuleGroup[], input: EvaluationInput, off?: ReadonlySet<string>, silent?: ReadonlySet<string>): Finding[];
  render(finding: Finding, input: EvaluationInput): CardInput;
}

/** The go-live policy (src/governance/governance.ts): which rules run, which cards are returned, the log rows. */
export type CardGovernance = Pick<Governance, 'offRuleIds' | 'quietRuleIds' | 'decide'>;

export interface HookCallDeps {
  registry: ServiceRegistry;
  validators: Validators;
  resolver: DataResolver;
  records: RecordBuilder;
  knowledge: KnowledgeBase;
  /** A TACE order code of the loaded value sets (site codes included). */
  isTaceOrderCode: (code: CodeRef) => boolean;
  /** Today's calendar date (YYYY-MM-DD) in CDS_TIME_ZONE. */
  today: () => string;
  hookDeadlineMs: number;
  maxDraftOrders: number;
  /** Most `context.selections` accepted (MAX_SELECTIONS). */
  maxSelections: number;
  /** Most `entry` items accepted in one prefetch Bundle (MAX_BUNDLE_ENTRIES); 10 000 when not given. */
  maxBundleEntries?: number;
  logger: Logger;
  /** Absent (tools, benchmarks): every rule active, every card returned, no log rows. */
  governance?: CardGovernance;
  /** Where the rows go, committed before the answer (as durable as feedback). Absent: not recorded. */
  cardLog?: Pick<CardLogRepository, 'record'>;
  /** The log could not be written for an unauthenticated call, which is answered anyway (see `recordRows`). */
  onCardLogFailure?: (error: unknown, rows: number) => void;
}

export interface HookCallResult {
  /** The cards to answer with (mode `shown`). */
  cards: Card[];
  /** The issued-card log rows of every card decided on (shown, silent, snoozed), for `cardLog.record`. */
  rows: IssuedCard[];
  fhirRequests: number;
}

/** An `invalid` outcome naming, by path, every schema error of `validate`'s last run. */
export function schemaViolation(validate: Validate, root: string): OutcomeError {
  return new OutcomeError('invalid', describeErrors(validate.errors, root).map((e) => ({ code: 'invalid' as const, diagnostics: `${e.path} ${e.message}`, expression: [e.path] })));
}

/** `too-costly` when `value` is an array longer than `limit`. Checked before schema validation, whose work grows with the items. */
export function checkArrayLimit(value: unknown, limit: number, name: string, expression: string, noun = 'items'): void {
  if (Array.isArray(value) && value.length > limit) throw tooCostly(`${name} has ${value.length} ${noun}; at most ${limit} are accepted`, [expression]);
}

/** The arrays of a hook context that have a limit (MAX_DRAFT_ORDERS, MAX_SELECTIONS). */
export interface ContextLimits {
  maxDraftOrders: number;
  maxSelections: number;
}

const DEFAULT_CONTEXT_LIMITS: ContextLimits = { maxDraftOrders: 200, maxSelections: 200 };

function checkContextLimits(context: unknown, limits: ContextLimits): void {
  if (typeof context !== 'object' || context === null) return;
  const { draftOrders, selections } = context as { draftOrders?: unknown; selections?: unknown };
  const entries = typeof draftOrders === 'object' && draftOrders !== null ? (draftOrders as { entry?: unknown }).entry : undefined;
  checkArrayLimit(entries, limits.maxDraftOrders, 'context.draftOrders', 'context.draftOrders.entry', 'entries');
  checkArrayLimit(selections, limits.maxSelections, 'context.selections', 'context.selections');
}

/** The request body, checked against the CDS Hooks 2.0 envelope and the hook's context schema. */
export function validateHookRequest(
  body: unknown,
  services: readonly ServiceDefinition[],
  validators: Validators,
  limits: ContextLimits = DEFAULT_CONTEXT_LIMITS,
): { request: HookRequest; service: ServiceDefinition } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('the request body must be a JSON object (CDS Hooks 2.0 §Calling a CDS Service)');
  }
  if (!validators.request(body)) throw schemaViolation(validators.request, '');
  const request = body as unknown as HookRequest;
  const service = services.find((candidate) => candidate.hook === request.hook);
  if (!service) {
    const offered = services.map((s) => s.hook).join(', ');
    throw invalid(`hook "${request.hook}" is not offered by service "${services[0]?.id}" (it serves ${offered})`, ['hook']);
  }
  checkContextLimits(request.context, limits);
  const validateContext = validators.contexts[service.hook];
  if (!validateContext(request.context)) throw schemaViolation(validateContext, 'context');
  const prefetch = (request.prefetch ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(service.prefetch)) {
    if (prefetch[key] !== undefined && !validators.prefetchValue(prefetch[key])) throw schemaViolation(validators.prefetchValue, `prefetch.${key}`);
  }
  return { request, service };
}

/** Only the keys this service asked for count: the others are ignored, however large (conformance C7). */
function checkPrefetchSize(service: ServiceDefinition, request: HookRequest, maxEntries: number): void {
  for (const key of Object.keys(service.prefetch)) {
    const value = request.prefetch?.[key];
    const entry = value?.resourceType === 'Bundle' ? value.entry : undefined;
    if (Array.isArray(entry) && entry.length > maxEntries) {
      throw tooCostly(`prefetch.${key.slice(0, 64)} is a Bundle with ${entry.length} entries; at most ${maxEntries} are accepted`, [`prefetch.${key.slice(0, 64)}.entry`]);
    }
  }
}

/** All data fetching of one call under one deadline: a plain timer, cleared when the data is in (AbortSignal.timeout would keep a timer and the signal alive for the whole deadline after every call). */
async function resolveWithin(deps: HookCallDeps, service: ServiceDefinition, request: HookRequest): Promise<ResolvedData> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), deps.hookDeadlineMs);
  try {
    return await deps.resolver.resolve(service, request, deadline.signal);
  } finally {
    clearTimeout(timer);
  }
}

/** `client`: the authenticated caller (absent when authentication is off); rule modes and the log rows use it. */
export async function handleHookCall(serviceId: string, body: unknown, deps: HookCallDeps, client?: { iss: string; tenant?: string }): Promise<HookCallResult> {
  const services = deps.registry.find(serviceId);
  if (!services) throw notFound(`no CDS service with id "${serviceId}"`);
  const { request, service } = validateHookRequest(body, services, deps.validators, deps);
  checkPrefetchSize(service, request, deps.maxBundleEntries ?? 10_000);

  const { hook } = service;
  const { patientId } = request.context;
  const taceOrders = taceOrdersInScope(hook, request.context, deps.isTaceOrderCode);
  // Nothing of ours applies (an order hook without a TACE order in scope): no patient data needs to be read.
  if (applicableGroups(service.ruleGroups, hook, taceOrders.length).length === 0) return { cards: [], rows: [], fhirRequests: 0 };

  const data = await resolveWithin(deps, service, request);
  const record = deps.records.build(data, { today: deps.today(), patientId, ...(typeof request.fhirServer === 'string' ? { fhirServer: request.fhirServer } : {}) });
  const input: EvaluationInput = { hook, record, taceOrders, patientId };
  const { governance } = deps;
  const identity = { serviceId, hook, hookInstance: request.hookInstance, patientId, ...(client ? { iss: client.iss, ...(client.tenant !== undefined ? { tenant: client.tenant } : {}) } : {}) };
  const findings = deps.knowledge.evaluate(service.ruleGroups, input, governance?.offRuleIds(serviceId, client?.iss), await governance?.quietRuleIds(identity));
  // Silent and snoozed cards are rendered like shown ones (the same path, the same cost, the same fingerprint).
  const cards = findings.map((finding) => buildCard(deps.knowledge.render(finding, input)));
  if (!governance) return { cards, rows: [], fhirRequests: data.fhirRequests };
  const { returned, rows } = await governance.decide(identity, cards, findings);
  await recordRows(rows, deps, client !== undefined);
  return { cards: returned, rows, fhirRequests: data.fhirRequests };
}

/**
 * The rows are committed before the cards are returned. An authenticated call whose log cannot be written is a 503
 * (StoreUnavailableError), like feedback: with authentication on, the store already answered the replay check. With
 * authentication off (no CDS_CLIENTS_FILE: development, the Sandbox) the store is not otherwise needed by a hook
 * call, so the cards are returned and the failure is logged and counted: a clinician is never denied a card because
 * an audit log is down.
 */
async function recordRows(rows: IssuedCard[], deps: HookCallDeps, authenticated: boolean): Promise<void> {
  if (rows.length === 0 || !deps.cardLog) return;
  try {
    await deps.cardLog.record(rows);
  } catch (error) {
    if (authenticated) throw error;
    deps.onCardLogFailure?.(error, rows.length);
  }
}
