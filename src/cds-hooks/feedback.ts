/**
 * The feedback use case (CDS Hooks 2.0 §Feedback): check a batch and store it; list what a service received.
 * Async, so that the store behind it can be one that answers asynchronously.
 */
import { invalid, notFound } from '../common/outcomes.js';
import type { FeedbackRepository } from '../store/types.js';
import { checkArrayLimit, schemaViolation } from './hook-call.js';
import type { Validators } from './schemas.js';
import type { ServiceRegistry } from './service-registry.js';
import type { FeedbackItem } from './types.js';

export interface FeedbackDeps {
  registry: ServiceRegistry;
  validators: Validators;
  feedback: FeedbackRepository;
  /** Most items in one batch (MAX_FEEDBACK_ITEMS). */
  maxFeedbackItems: number;
  /** Snooze after override (src/governance/governance.ts), once the batch is committed. */
  governance?: { snoozeAfterFeedback(items: readonly FeedbackItem[]): Promise<unknown> };
}

function knownService(serviceId: string, deps: FeedbackDeps): void {
  if (!deps.registry.find(serviceId)) throw notFound(`no CDS service with id "${serviceId}"`);
}

/** Checks and stores one batch; returns its items and how many were new (duplicates are stored once). */
export async function receiveFeedback(serviceId: string, body: unknown, deps: FeedbackDeps): Promise<{ items: FeedbackItem[]; added: number }> {
  knownService(serviceId, deps);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('the feedback body must be a JSON object {"feedback": [...]}');
  checkArrayLimit((body as { feedback?: unknown }).feedback, deps.maxFeedbackItems, 'feedback', 'feedback');
  if (!deps.validators.feedback(body)) throw schemaViolation(deps.validators.feedback, '');
  const items = (body as { feedback: FeedbackItem[] }).feedback;
  // Answered only after the commit; a store that cannot commit is a 503 (StoreUnavailableError), never a 200.
  const added = await deps.feedback.add(serviceId, items);
  // After the commit: a failure here is a 503 too; the client's retry stores nothing twice and puts the snooze.
  await deps.governance?.snoozeAfterFeedback(items);
  return { items, added };
}

/** The items stored for a service, oldest first, as they were sent. */
export async function listFeedback(serviceId: string, deps: FeedbackDeps): Promise<FeedbackItem[]> {
  knownService(serviceId, deps);
  return deps.feedback.list(serviceId);
}
