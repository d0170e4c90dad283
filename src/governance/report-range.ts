/**
 * The report's period: `from` and `to` are inclusive calendar dates in CDS_TIME_ZONE (contract §7), read as the
 * instants [start of `from`, start of the day after `to`) that the card log is queried with.
 */
import { calendarDate, isCalendarDate } from '../common/calendar.js';

export interface ReportRange {
  /** YYYY-MM-DD, or undefined: from the first card in the log. */
  from?: string;
  /** YYYY-MM-DD (inclusive). */
  to: string;
  fromIso: string;
  toIso: string;
}

export class ReportRangeError extends Error {
  constructor(
    message: string,
    readonly field: 'from' | 'to',
  ) {
    super(message);
  }
}

/** Before any card this service can have logged: "from the beginning". */
const BEGINNING_ISO = '1970-01-01T00:00:00.000Z';
const DAY_MS = 86_400_000;

/**
 * The first instant whose calendar date in the zone is `date` (midnight, or the first minute after a midnight that
 * a clock change skipped). Found by bisection over the wall clock, so no offset arithmetic can be off by an hour.
 */
export function startOfCalendarDay(date: string, timeZone: string): Date {
  const utcMidnight = Date.parse(`${date}T00:00:00.000Z`);
  // Every zone's offset is within ±18 h: the day starts inside this window.
  let low = utcMidnight - 18 * 3_600_000 - 1;
  let high = utcMidnight + 18 * 3_600_000;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (calendarDate(new Date(mid), timeZone) >= date) high = mid;
    else low = mid;
  }
  return new Date(high);
}

function nextDate(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00.000Z`) + DAY_MS).toISOString().slice(0, 10);
}

function checkedDate(value: unknown, field: 'from' | 'to'): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value) || !isCalendarDate(value) || value < '1970-01-01' || value > '9998-12-31') {
    const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : 'given more than once';
    throw new ReportRangeError(`"${field}" must be a calendar date YYYY-MM-DD, got ${shown}`, field);
  }
  return value;
}

/** The period of `?from=&to=`; `to` defaults to today, `from` to the beginning of the log. Throws ReportRangeError. */
export function reportRange(query: { from?: unknown; to?: unknown }, timeZone: string, now: Date = new Date()): ReportRange {
  const from = checkedDate(query.from, 'from');
  const to = checkedDate(query.to, 'to') ?? calendarDate(now, timeZone);
  if (from !== undefined && from > to) throw new ReportRangeError(`"from" (${from}) is after "to" (${to})`, 'from');
  return {
    ...(from !== undefined ? { from } : {}),
    to,
    fromIso: from === undefined ? BEGINNING_ISO : startOfCalendarDay(from, timeZone).toISOString(),
    toIso: startOfCalendarDay(nextDate(to), timeZone).toISOString(),
  };
}
