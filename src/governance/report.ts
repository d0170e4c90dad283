/**
 * The governance report (contract §7): per (rule id, mode) how often a card was issued, accepted and overridden,
 * with the override reasons, from the issued-card log joined to feedback. Computed here from
 * `cardLog.outcomes` so both stores give the same numbers. Holds no patient id and no pseudonym.
 */
import { calendarDate } from '../common/calendar.js';
import { CARD_MODES, type CardLogRepository, type CardMode, type CardOutcome } from '../store/types.js';
import { reportRange, type ReportRange } from './report-range.js';

export interface OverrideReasonCount {
  code: string | null;
  system: string | null;
  display?: string;
  count: number;
}

/**
 * Accepted suggestions: by `label` when the logged card had a suggestion of the accepted uuid (a card's suggestion
 * uuids are new on every card, so only the label adds up); else by the `id` the feedback named.
 */
export interface SuggestionCount {
  label?: string;
  id?: string;
  count: number;
}

export interface RuleReportRow {
  ruleId: string;
  mode: CardMode;
  issued: number;
  accepted: number;
  overridden: number;
  noFeedback: number;
  /** accepted / issued */
  acceptRate: number;
  /** overridden / (accepted + overridden); null when both are 0 */
  overrideRate: number | null;
  /** (accepted + overridden) / issued */
  feedbackCoverage: number;
  /** Most frequent first; overrides without a coded reason are counted in `overriddenWithoutReason`. */
  overrideReasons: OverrideReasonCount[];
  overriddenWithoutReason: number;
  acceptedSuggestions: SuggestionCount[];
  /** Issued cards by indicator (a rule's indicator can vary, e.g. AFP-HIGH is info when pregnancy is recorded). */
  indicators: Record<string, number>;
}

export interface DailyCount {
  /** Calendar date in CDS_TIME_ZONE. */
  date: string;
  ruleId: string;
  indicator: string;
  mode: CardMode;
  count: number;
}

export interface GovernanceReport {
  /** Inclusive; the first card's date when the request named none (or `to` when there is no card). */
  from: string;
  to: string;
  timeZone: string;
  rules: RuleReportRow[];
  orphanFeedback: number;
  totals: { issued: number } & Record<CardMode, number>;
  /** Cards per day per (rule, indicator, mode), for the charts; days without cards are left out. */
  daily: DailyCount[];
}

const MODE_ORDER = new Map<string, number>(CARD_MODES.map((mode, index) => [mode, index]));

/** Where a rule id stands in the card order (the rule catalog's `position`); ids it does not know sort by name. */
export type RulePosition = (ruleId: string) => number | undefined;

const byRuleThenMode =
  (position: RulePosition) =>
  (a: { ruleId: string; mode: string }, b: { ruleId: string; mode: string }): number => {
    // Catalog order, then rule ids the catalog no longer has (an old log), by name.
    const rank = (position(a.ruleId) ?? Number.MAX_SAFE_INTEGER) - (position(b.ruleId) ?? Number.MAX_SAFE_INTEGER);
    if (rank !== 0) return rank;
    if (a.ruleId !== b.ruleId) return a.ruleId < b.ruleId ? -1 : 1;
    return (MODE_ORDER.get(a.mode) ?? MODE_ORDER.size) - (MODE_ORDER.get(b.mode) ?? MODE_ORDER.size);
  };

const ratio = (numerator: number, denominator: number): number => (denominator === 0 ? 0 : numerator / denominator);

function mostFrequentFirst<T extends { count: number }>(entries: Iterable<T>, key: (entry: T) => string): T[] {
  return [...entries].sort((a, b) => b.count - a.count || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

interface RowTally {
  row: RuleReportRow;
  reasons: Map<string, OverrideReasonCount>;
  suggestions: Map<string, SuggestionCount>;
}

function tallyOf(ruleId: string, mode: CardMode): RowTally {
  return {
    row: { ruleId, mode, issued: 0, accepted: 0, overridden: 0, noFeedback: 0, acceptRate: 0, overrideRate: null, feedbackCoverage: 0, overrideReasons: [], overriddenWithoutReason: 0, acceptedSuggestions: [], indicators: {} },
    reasons: new Map(),
    suggestions: new Map(),
  };
}

function count(tally: RowTally, card: CardOutcome): void {
  const { row } = tally;
  row.issued += 1;
  row.indicators[card.indicator] = (row.indicators[card.indicator] ?? 0) + 1;
  const latest = card.latest;
  if (latest === undefined) {
    row.noFeedback += 1;
    return;
  }
  if (latest.outcome === 'accepted') {
    row.accepted += 1;
    const labels = new Map((card.suggestions ?? []).map((suggestion) => [suggestion.uuid, suggestion.label]));
    const named = new Set(latest.acceptedSuggestionIds.map((id) => (labels.has(id) ? JSON.stringify(['label', labels.get(id)]) : JSON.stringify(['id', id]))));
    for (const key of named) {
      const [kind, name] = JSON.parse(key) as ['label' | 'id', string];
      const entry = tally.suggestions.get(key) ?? (kind === 'label' ? { label: name, count: 0 } : { id: name, count: 0 });
      entry.count += 1;
      tally.suggestions.set(key, entry);
    }
    return;
  }
  row.overridden += 1;
  const reason = latest.overrideReason;
  if (reason?.code === undefined && reason?.system === undefined) {
    row.overriddenWithoutReason += 1;
    return;
  }
  const key = JSON.stringify([reason.system ?? null, reason.code ?? null]);
  const entry = tally.reasons.get(key) ?? { code: reason.code ?? null, system: reason.system ?? null, count: 0 };
  if (entry.display === undefined && reason.display !== undefined) entry.display = reason.display;
  entry.count += 1;
  tally.reasons.set(key, entry);
}

function finish({ row, reasons, suggestions }: RowTally): RuleReportRow {
  const answered = row.accepted + row.overridden;
  row.acceptRate = ratio(row.accepted, row.issued);
  row.overrideRate = answered === 0 ? null : row.overridden / answered;
  row.feedbackCoverage = ratio(answered, row.issued);
  row.overrideReasons = mostFrequentFirst(reasons.values(), (r) => `${r.system ?? ''}|${r.code ?? ''}`);
  row.acceptedSuggestions = mostFrequentFirst(suggestions.values(), (s) => s.label ?? s.id ?? '');
  return row;
}

/** The report of cards issued within `range` (pure over what the log returned). */
export function buildReport(cards: readonly CardOutcome[], orphanFeedback: number, range: ReportRange, timeZone: string, position: RulePosition = () => undefined): GovernanceReport {
  const order = byRuleThenMode(position);
  const tallies = new Map<string, RowTally>();
  const daily = new Map<string, DailyCount>();
  const totals = { issued: 0, shown: 0, silent: 0, snoozed: 0 };
  let first: string | undefined;
  for (const card of cards) {
    const rowKey = `${card.ruleId}\u0000${card.mode}`;
    let tally = tallies.get(rowKey);
    if (!tally) tallies.set(rowKey, (tally = tallyOf(card.ruleId, card.mode)));
    count(tally, card);
    totals.issued += 1;
    totals[card.mode] += 1;
    const date = calendarDate(new Date(card.issuedAt), timeZone);
    if (first === undefined || date < first) first = date;
    const dayKey = `${date}\u0000${rowKey}\u0000${card.indicator}`;
    const day = daily.get(dayKey) ?? { date, ruleId: card.ruleId, indicator: card.indicator, mode: card.mode, count: 0 };
    day.count += 1;
    daily.set(dayKey, day);
  }
  return {
    from: range.from ?? (first !== undefined && first < range.to ? first : range.to),
    to: range.to,
    timeZone,
    rules: [...tallies.values()].map(finish).sort(order),
    orphanFeedback,
    totals,
    daily: [...daily.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : order(a, b) || (a.indicator < b.indicator ? -1 : a.indicator > b.indicator ? 1 : 0))),
  };
}

/** The report of `?from=&to=` read from the card log (throws ReportRangeError on bad dates, StoreUnavailableError). */
export async function governanceReport(cardLog: Pick<CardLogRepository, 'outcomes' | 'orphanFeedback'>, query: { from?: unknown; to?: unknown }, timeZone: string, now: Date = new Date(), position?: RulePosition): Promise<GovernanceReport> {
  const range = reportRange(query, timeZone, now);
  const [cards, orphans] = await Promise.all([cardLog.outcomes(range.fromIso, range.toIso), cardLog.orphanFeedback(range.fromIso, range.toIso)]);
  return buildReport(cards, orphans, range, timeZone, position);
}
