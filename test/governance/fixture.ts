/**
 * The fixture (issue 13, "Done when"): 10 issued cards of rule A (SURV-OVERDUE), 3 overridden (2 with
 * reason X), 2 accepted; plus a silent rule, a snoozed card, a card outside the period, orphaned feedback.
 * Seeded through the store's own interface (cardLog.record, feedback.add), as the pipeline will.
 */
import { Registry } from 'prom-client';
import type { FeedbackItem } from '../../src/cds-hooks/types.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/http/logger.js';
import { openStore } from '../../src/store/open-store.js';
import type { IssuedCard, Store } from '../../src/store/types.js';

export const REASON_SYSTEM = 'urn:hcc-cds:override-reason';
export const TIME_ZONE = 'Europe/Berlin';
export const SERVICE = 'hcc-surveillance';

export async function openTestStore(env: Record<string, string>): Promise<Store> {
  const config = loadConfig({ NODE_ENV: 'test', CDS_TIME_ZONE: TIME_ZONE, ...env });
  return openStore(config, { logger: createLogger('silent'), registry: new Registry() });
}

const card = (n: number, overrides: Partial<IssuedCard> = {}): IssuedCard => ({
  uuid: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  serviceId: SERVICE,
  hook: 'patient-view',
  hookInstance: `hi-${n}`,
  ruleId: 'SURV-OVERDUE',
  indicator: 'warning',
  mode: 'shown',
  iss: 'https://ehr.example.org',
  issuedAt: `2026-03-0${2 + (n % 3)}T09:00:00.000Z`,
  patientPseudonym: `p${n % 4}`.padEnd(64, '0'),
  fingerprint: `f${n}`.padEnd(24, '0'),
  ...overrides,
});

export const RULE_A_CARDS: IssuedCard[] = Array.from({ length: 10 }, (_, i) => card(i + 1));

const overridden = (uuid: string, code: string | undefined, at: string): FeedbackItem => ({
  card: uuid,
  outcome: 'overridden',
  outcomeTimestamp: at,
  ...(code ? { overrideReason: { reason: { system: REASON_SYSTEM, code, display: code === 'X' ? 'Reason X shown to the clinician' : 'Reason Y' }, userComment: 'free text stays out of the report' } } : {}),
});

export const FEEDBACK: FeedbackItem[] = [
  overridden(RULE_A_CARDS[0]!.uuid, 'X', '2026-03-02T10:00:00Z'),
  overridden(RULE_A_CARDS[1]!.uuid, 'X', '2026-03-02T10:01:00Z'),
  overridden(RULE_A_CARDS[2]!.uuid, 'Y', '2026-03-02T10:02:00Z'),
  { card: RULE_A_CARDS[3]!.uuid, outcome: 'accepted', outcomeTimestamp: '2026-03-03T10:00:00Z', acceptedSuggestions: [{ id: 'order-afp' }, { id: 'order-us' }] },
  // Overridden first, then accepted: the card's outcome is its latest feedback.
  overridden(RULE_A_CARDS[4]!.uuid, 'X', '2026-03-03T10:00:00Z'),
  { card: RULE_A_CARDS[4]!.uuid, outcome: 'accepted', outcomeTimestamp: '2026-03-03T11:00:00Z', acceptedSuggestions: [{ id: 'order-afp' }] },
];

/** Feedback for cards the log never saw. */
export const ORPHANS: FeedbackItem[] = [
  { card: 'ffffffff-0000-4000-8000-000000000001', outcome: 'overridden', outcomeTimestamp: '2026-03-03T12:00:00Z' },
  { card: 'ffffffff-0000-4000-8000-000000000002', outcome: 'accepted', outcomeTimestamp: '2026-03-03T12:00:00Z' },
];

export const OTHER_CARDS: IssuedCard[] = [
  // Silent: what the rule would have shown.
  card(101, { ruleId: 'AFP-ELEVATED', mode: 'silent', issuedAt: '2026-03-02T08:00:00.000Z' }),
  card(102, { ruleId: 'AFP-ELEVATED', mode: 'silent', indicator: 'info', issuedAt: '2026-03-03T08:00:00.000Z' }),
  // 2026-03-01T23:30Z is 2 March in Berlin: inside a period that starts on 2 March there.
  card(103, { ruleId: 'SURV-OVERDUE', mode: 'snoozed', issuedAt: '2026-03-01T23:30:00.000Z' }),
  // 2026-03-04T23:30Z is 5 March in Berlin: outside a period that ends on 4 March.
  card(104, { ruleId: 'SURV-OVERDUE', mode: 'shown', issuedAt: '2026-03-04T23:30:00.000Z' }),
  card(105, { ruleId: 'TACE-COAG', mode: 'shown', indicator: 'critical', hook: 'order-sign', serviceId: 'hcc-tace-sign', issuedAt: '2026-03-03T07:00:00.000Z' }),
];

export async function seed(store: Store): Promise<void> {
  await store.cardLog.record([...RULE_A_CARDS, ...OTHER_CARDS]);
  await store.feedback.add(SERVICE, FEEDBACK.slice(0, 3), '2026-03-02T10:05:00.000Z');
  await store.feedback.add(SERVICE, FEEDBACK.slice(3), '2026-03-03T11:05:00.000Z');
  await store.feedback.add(SERVICE, ORPHANS, '2026-03-03T12:05:00.000Z');
}

/** Sends the same feedback again (as an EHR retrying would): nothing may change. */
export async function repost(store: Store): Promise<void> {
  await store.feedback.add(SERVICE, [...FEEDBACK].reverse(), '2026-03-03T13:00:00.000Z');
  await store.feedback.add(SERVICE, ORPHANS, '2026-03-03T13:00:00.000Z');
}
