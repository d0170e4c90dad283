/**
 * The issued-card log's rows as both backends store them (snake_case columns, suggestions as JSON text) and back to
 * IssuedCard / CardOutcome: shared by the SQLite and PostgreSQL stores, in a module of its own so that the
 * PostgreSQL road does not load better-sqlite3.
 */
import type { FeedbackItem } from '../cds-hooks/types.js';
import { latestFeedback } from './feedback-items.js';
import type { CardOutcome, IssuedCard, LoggedSuggestion } from './types.js';

export interface CardRow {
  uuid: string;
  service_id: string;
  hook: string;
  hook_instance: string;
  rule_id: string;
  indicator: string;
  mode: IssuedCard['mode'];
  iss: string | null;
  tenant: string | null;
  issued_at: string;
  patient_pseudonym: string;
  fingerprint: string;
  /** JSON [{uuid, label}]; NULL when the card had none (and in rows logged before schema version 3). */
  suggestions: string | null;
}

/** The suggestions column of both backends: JSON text, or NULL when the card had none. */
export function suggestionsColumn(card: IssuedCard): string | null {
  return card.suggestions && card.suggestions.length > 0 ? JSON.stringify(card.suggestions.map(({ uuid, label }) => ({ uuid, label }))) : null;
}

export function cardOfRow(row: CardRow, issuedAt: string = row.issued_at): IssuedCard {
  return {
    uuid: row.uuid,
    serviceId: row.service_id,
    hook: row.hook,
    hookInstance: row.hook_instance,
    ruleId: row.rule_id,
    indicator: row.indicator,
    mode: row.mode,
    ...(row.iss !== null ? { iss: row.iss } : {}),
    ...(row.tenant !== null ? { tenant: row.tenant } : {}),
    issuedAt,
    patientPseudonym: row.patient_pseudonym,
    fingerprint: row.fingerprint,
    ...(row.suggestions ? { suggestions: JSON.parse(row.suggestions) as LoggedSuggestion[] } : {}),
  };
}

/** Rows of cards joined with their feedback (ordered by card, then arrival) -> one outcome per card. */
export function outcomesOfRows<R extends CardRow & { item_json: string | null }>(rows: R[], issuedAtOf: (row: R) => string): CardOutcome[] {
  const outcomes: CardOutcome[] = [];
  let current: { card: IssuedCard; items: FeedbackItem[] } | undefined;
  const flush = (): void => {
    if (current) outcomes.push({ ...current.card, latest: latestFeedback(current.items), feedbackItems: current.items.length });
  };
  for (const row of rows) {
    if (current?.card.uuid !== row.uuid) {
      flush();
      current = { card: cardOfRow(row, issuedAtOf(row)), items: [] };
    }
    if (row.item_json !== null) current.items.push(JSON.parse(row.item_json) as FeedbackItem);
  }
  flush();
  for (const outcome of outcomes) if (outcome.latest === undefined) delete outcome.latest;
  return outcomes;
}
