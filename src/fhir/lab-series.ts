/**
 * A concept's results once every resource is read: newest first, differing copies of one resource and same-time
 * results that disagree reduced to the worse one, flagged (clinical-rules.md §3.1). Deterministic for both roads.
 */
import { LAB_CONCEPT_ROWS } from '../record/lab-concepts.js';
import type { LabConcept, LabSeries, LabValue } from '../record/record.js';
import type { DataSettings } from './data-settings.js';

/** Newest first by calendar date, then instant, then resource (deterministic for both roads). */
function sortKey(effective: string): number {
  if (!/T/.test(effective)) return Number.NEGATIVE_INFINITY;
  const withZone = /(Z|[+-]\d{2}:\d{2})$/.test(effective) ? effective : `${effective}Z`;
  const ms = Date.parse(withZone);
  return Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms;
}
export function newestFirst<T extends { date: string; resource: string; effective?: string }>(a: T, b: T): number {
  if (a.date !== b.date) return a.date < b.date ? 1 : -1;
  const ka = sortKey(a.effective ?? a.date);
  const kb = sortKey(b.effective ?? b.date);
  if (ka !== kb) return ka < kb ? 1 : -1;
  return a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0;
}
/** Two results share a timestamp when their instants are equal (or, without an offset, the strings are). */
function timestampKey(effective: string): string {
  if (/T.*(Z|[+-]\d{2}:\d{2})$/.test(effective)) {
    const ms = Date.parse(effective);
    if (!Number.isNaN(ms)) return String(ms);
  }
  return effective;
}

/** Orders and reduces one series in place; `copied` names resources that came as differing, unversioned copies. */
export function finishLabSeries(series: LabSeries, copied: ReadonlySet<string>, settings: DataSettings): void {
  if (copied.size > 0) setAsideDisputed(series, copied);
  series.values = resolveConflicts(series.concept, mergeCopies(series.concept, series.values, copied, settings).sort(newestFirst), settings);
  // A disputed result as new as the newest usable one (or newer) leaves the series without a latest value: an older
  // clean result must not stand in for it silently; the cards that need the lab then say it is unusable and why.
  const newest = series.values[0];
  if (newest && !series.ignored.some((i) => i.reason === 'disputed' && i.date !== undefined && i.date >= newest.date)) series.latest = newest;
  series.ignored.sort((a, b) => (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0));
}

/**
 * Differing copies of one Observation, no version to tell which is current, and one of them unusable (entered in
 * error, implausible, a unit that cannot be converted): the usable copy cannot be trusted either, so the result is
 * unusable and the cards that need it say so (taking the usable copy would silence a disputed critical value).
 */
function setAsideDisputed(series: LabSeries, copied: ReadonlySet<string>): void {
  const unusable = new Map(series.ignored.filter((i) => copied.has(i.resource)).map((i) => [i.resource, i]));
  if (unusable.size === 0) return;
  series.values = series.values.filter((value) => {
    const other = unusable.get(value.resource);
    if (!other) return true;
    series.ignored.push({
      concept: series.concept,
      resource: value.resource,
      reason: 'disputed',
      detail: `differing copies of this result with no version to tell which is current, and one cannot be used (${other.detail})`,
      date: value.date,
    });
    return false;
  });
}

/**
 * Differing copies of one Observation that no version orders: one result whose content is disputed. Each copy is
 * taken as a same-time result of the other: the worse value counts (whatever its date), and the conflict is named.
 */
function mergeCopies(concept: LabConcept, values: LabValue[], copied: ReadonlySet<string>, settings: DataSettings): LabValue[] {
  if (copied.size === 0) return values;
  const byRef = new Map<string, LabValue[]>();
  const out: LabValue[] = [];
  for (const value of values) {
    if (!copied.has(value.resource)) {
      out.push(value);
      continue;
    }
    const group = byRef.get(value.resource);
    if (group) group.push(value);
    else byRef.set(value.resource, [value]);
  }
  for (const group of byRef.values()) {
    if (group.length === 1) {
      out.push(group[0]!);
      continue;
    }
    const ordered = [...group].sort(newestFirst);
    const worst = ordered.reduce((a, b) => (worse(concept, b, a, settings) ? b : a));
    out.push({ ...worst, conflict: { resources: ordered.map((v) => v.resource), values: ordered.map((v) => v.original), copies: true } });
  }
  return out;
}

/** Same-timestamp results that disagree: keep the worse one, flagged (§3.1); identical duplicates: keep one. */
function resolveConflicts(concept: LabConcept, sorted: LabValue[], settings: DataSettings): LabValue[] {
  const out: LabValue[] = [];
  let i = 0;
  while (i < sorted.length) {
    const first = sorted[i] as LabValue;
    const stamp = timestampKey(first.effective);
    let j = i + 1;
    while (j < sorted.length && timestampKey((sorted[j] as LabValue).effective) === stamp) j++;
    const group = sorted.slice(i, j);
    i = j;
    const signatures = new Set(group.map((v) => (v.value !== undefined ? `${v.value}|${v.unit ?? ''}` : `|${v.answer ?? v.code?.code ?? v.original}`)));
    if (signatures.size === 1) {
      out.push(first);
      continue;
    }
    const worst = group.reduce((a, b) => (worse(concept, b, a, settings) ? b : a));
    out.push({ ...worst, conflict: { resources: group.map((v) => v.resource), values: group.map((v) => v.original) } });
  }
  return out;
}

/** True when `b` is strictly worse than `a` (§3.1 "use the worse (more abnormal) one"). */
function worse(concept: LabConcept, b: LabValue, a: LabValue, settings: DataSettings): boolean {
  const answers = LAB_CONCEPT_ROWS[concept].answers;
  const rank = (v: LabValue): number | undefined => {
    if (answers) return answers.indexOf(v.answer ?? '');
    if (v.value === undefined || v.unit !== a.unit) return undefined;
    return settings.labs[concept].worse === 'higher-is-worse' ? v.value : -v.value;
  };
  const rb = rank(b);
  const ra = rank(a);
  return rb !== undefined && ra !== undefined && rb > ra;
}
