import type { ReplayStore } from '../auth/replay-cache.js';
import type { FeedbackItem } from '../cds-hooks/types.js';
import { OutcomeError } from '../common/outcomes.js';

/**
 * The service's durable state behind one interface, with two implementations: embedded (SQLite at FEEDBACK_DB, the
 * default) and PostgreSQL (DATABASE_URL), shared by every process that names it. Every method is async (PostgreSQL
 * needs it) and resolves only once its write is committed; when the store cannot be reached it rejects with a
 * StoreUnavailableError, which the HTTP layer answers 503.
 */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  readonly feedback: FeedbackRepository;
  readonly cardLog: CardLogRepository;
  readonly snoozes: SnoozeRepository;
  /** The JWT `jti` replay cache (atomic check-and-insert, per-issuer quota). */
  readonly replay: ReplayStore;
  /** Resolves when the store answers; rejects with StoreUnavailableError otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface FeedbackRepository {
  /** Stores a batch atomically, duplicates once; resolves (with how many items were new) after the commit. */
  add(serviceId: string, items: FeedbackItem[], receivedAt?: string): Promise<number>;
  /** What was stored for a service, oldest first, each item exactly as it was sent. */
  list(serviceId: string): Promise<FeedbackItem[]>;
}

export type CardMode = 'shown' | 'silent' | 'snoozed';
export const CARD_MODES: readonly CardMode[] = ['shown', 'silent', 'snoozed'];

/** One card the service decided on (returned, silent or snoozed). Never a raw patient id: a pseudonym. */
export interface IssuedCard {
  uuid: string;
  serviceId: string;
  hook: string;
  hookInstance: string;
  ruleId: string;
  indicator: string;
  mode: CardMode;
  iss?: string;
  tenant?: string;
  /** An ISO 8601 instant; stored and returned as UTC with milliseconds (`2026-11-01T10:00:00.000Z`). */
  issuedAt: string;
  patientPseudonym: string;
  fingerprint: string;
  /** The card's suggestions (absent when none): feedback names an accepted one by uuid, the report counts it by label. */
  suggestions?: LoggedSuggestion[];
}

export interface LoggedSuggestion {
  uuid: string;
  label: string;
}

export interface OverrideReasonCoding {
  system?: string;
  code?: string;
  display?: string;
}

/** The latest feedback for a card, as the report needs it. */
export interface CardFeedback {
  outcome: 'accepted' | 'overridden';
  outcomeTimestamp: string;
  /** The coded reason (`overrideReason.reason`, or the legacy flat `{code, system, display}`); absent when none. */
  overrideReason?: OverrideReasonCoding;
  acceptedSuggestionIds: string[];
}

export interface CardOutcome extends IssuedCard {
  /** The card's latest feedback (by outcomeTimestamp, then arrival); absent when none arrived. */
  latest?: CardFeedback;
  /** Distinct feedback items stored for the card. */
  feedbackItems: number;
}

export interface CardLogRepository {
  /** Records the rows (a uuid already logged is left as it is); resolves after the commit. */
  record(rows: IssuedCard[]): Promise<void>;
  find(uuid: string): Promise<IssuedCard | undefined>;
  /** Every card issued in [fromIso, toIso), oldest first, each with its latest feedback. */
  outcomes(fromIso: string, toIso: string): Promise<CardOutcome[]>;
  /** Feedback items received in [fromIso, toIso) whose card uuid is not in the log. */
  orphanFeedback(fromIso: string, toIso: string): Promise<number>;
  /** Deletes cards issued before `iso`; resolves with how many. */
  purgeBefore(iso: string): Promise<number>;
}

export interface Snooze {
  ruleId: string;
  patientPseudonym: string;
  fingerprint: string;
  /** ISO instant, UTC with milliseconds. */
  untilIso: string;
}

export interface SnoozeRepository {
  /** One snooze per (rule, pseudonym): a new one replaces the old. */
  put(snooze: Snooze): Promise<void>;
  /** The snoozes of a patient still running at `nowIso` (until > now). */
  active(patientPseudonym: string, nowIso: string): Promise<Snooze[]>;
  /** Deletes snoozes that ended at or before `nowIso`; resolves with how many. */
  purgeExpired(nowIso: string): Promise<number>;
}

/**
 * The store could not be reached or could not commit. A 503 with an OperationOutcome: the request was neither
 * accepted unchecked nor acknowledged. The message names the operation, never data or credentials.
 */
export class StoreUnavailableError extends OutcomeError {
  constructor(
    readonly operation: string,
    readonly reason: string,
  ) {
    super('unavailable', { code: 'transient', diagnostics: `the service's data store is unavailable (${operation}); retry later` });
    this.name = 'StoreUnavailableError';
  }
}

/** What a store reports about its own health, for the log and the metrics (kept out of the store's logic). */
export interface StoreObserver {
  /** An operation failed because the store could not be reached or commit. */
  unavailable(operation: string, reason: string): void;
  /** An operation succeeded (after failures: the store is back). */
  available(): void;
}

export const silentObserver: StoreObserver = { unavailable: () => undefined, available: () => undefined };

/** An ISO 8601 instant in the one form both backends store and compare: UTC with milliseconds. */
export function normalizeInstant(iso: string, what: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new TypeError(`${what} is not an ISO 8601 instant: ${JSON.stringify(iso).slice(0, 60)}`);
  return new Date(ms).toISOString();
}
