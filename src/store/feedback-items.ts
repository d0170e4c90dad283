import { createHash } from 'node:crypto';
import type { FeedbackItem } from '../cds-hooks/types.js';
import { canonicalJson } from '../common/canonical-json.js';
import type { CardFeedback, OverrideReasonCoding } from './types.js';

export { canonicalJson };

/** Same card, outcome, timestamp, accepted suggestions (in any order) and reason -> the same key (per service). */
export function dedupKeyOf(item: FeedbackItem): string {
  const suggestions = (item.acceptedSuggestions ?? []).map(canonicalJson).sort();
  return canonicalJson([item.card, item.outcome, item.outcomeTimestamp, suggestions, item.overrideReason ?? null]);
}

/** The dedup key as a fixed-size digest, for indexes that cannot hold arbitrarily long keys (PostgreSQL btree). */
export function dedupDigestOf(item: FeedbackItem): string {
  return createHash('sha256').update(dedupKeyOf(item)).digest('hex');
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function codingOf(value: unknown): OverrideReasonCoding | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const { system, code, display } = value as Record<string, unknown>;
  const coding: OverrideReasonCoding = {};
  if (text(system) !== undefined) coding.system = text(system);
  if (text(code) !== undefined) coding.code = text(code);
  if (text(display) !== undefined) coding.display = text(display);
  return coding.code === undefined && coding.system === undefined && coding.display === undefined ? undefined : coding;
}

/** What the report needs of one stored item: the 2.0 `overrideReason.reason` coding, or the legacy flat one. */
export function cardFeedbackOf(item: FeedbackItem): CardFeedback {
  const reason = item.overrideReason as Record<string, unknown> | undefined;
  const overrideReason = reason === undefined ? undefined : 'reason' in reason ? codingOf(reason.reason) : codingOf(reason);
  return {
    outcome: item.outcome,
    outcomeTimestamp: item.outcomeTimestamp,
    ...(overrideReason ? { overrideReason } : {}),
    acceptedSuggestionIds: (item.acceptedSuggestions ?? []).map((suggestion) => suggestion.id).filter((id): id is string => typeof id === 'string'),
  };
}

/**
 * A card's outcome is its latest feedback: the greatest outcomeTimestamp (as an instant), ties (and timestamps that
 * do not parse) broken by arrival. `items` come oldest first. The same code for both backends.
 */
export function latestFeedback(items: readonly FeedbackItem[]): CardFeedback | undefined {
  let latest: FeedbackItem | undefined;
  let latestMs = Number.NEGATIVE_INFINITY;
  for (const item of items) {
    const parsed = Date.parse(item.outcomeTimestamp);
    const ms = Number.isFinite(parsed) ? parsed : Number.NEGATIVE_INFINITY;
    if (latest === undefined || ms >= latestMs) {
      latest = item;
      latestMs = ms;
    }
  }
  return latest === undefined ? undefined : cardFeedbackOf(latest);
}
