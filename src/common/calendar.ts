/** Calendar dates in the facility time zone (contract §3: days are counted between calendar dates in CDS_TIME_ZONE). */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** YYYY-MM-DD of an instant in a time zone. */
export function calendarDate(instant: Date, timeZone: string): string {
  return formatterFor(timeZone).format(instant);
}

/** Whole days from `from` to `to` (both YYYY-MM-DD); positive when `to` is later; NaN when either is not a real date. */
export function daysBetween(from: string, to: string): number {
  return epochDay(to) - epochDay(from);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days in a month (1-12) of the proleptic Gregorian calendar; undefined for a month that does not exist. */
export function daysInMonth(year: number, month: number): number | undefined {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
}

/** Days since 1970-01-01 of a YYYY-MM-DD date, read digit by digit (this runs for every dated fact of every call). */
function epochDay(date: string): number {
  if (date.length !== 10 || date.charCodeAt(4) !== 45 || date.charCodeAt(7) !== 45) return Number.NaN;
  const year = digits(date, 0, 4);
  const month = digits(date, 5, 7);
  const day = digits(date, 8, 10);
  const monthDays = daysInMonth(year, month);
  if (monthDays === undefined || day < 1 || day > monthDays) return Number.NaN;
  // Date.UTC reads years 0-99 as 1900-1999; a 400-year cycle (146 097 days) later is the same calendar.
  return year < 100 ? Date.UTC(year + 400, month - 1, day) / 86_400_000 - 146_097 : Date.UTC(year, month - 1, day) / 86_400_000;
}

function digits(text: string, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i += 1) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return Number.NaN;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * The calendar date of a FHIR date, dateTime or instant in a time zone. A date without a time is that
 * calendar day; a partial date (YYYY or YYYY-MM) is its first day. Undefined when unparseable or not a real
 * calendar date (2026-02-30: Date.parse would quietly read it as 2 March).
 */
export function fhirCalendarDate(value: string, timeZone: string): string | undefined {
  if (/^\d{4}$/.test(value)) return `${value}-01-01`;
  if (/^\d{4}-\d{2}$/.test(value)) return realDate(`${value}-01`);
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return realDate(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || realDate(value.slice(0, 10)) === undefined) return undefined;
  const instant = Date.parse(value);
  if (Number.isNaN(instant)) return undefined;
  // A dateTime without an offset is local time at the facility: keep its calendar day as written.
  if (!/(Z|[+-]\d{2}:\d{2})$/.test(value)) return value.slice(0, 10);
  return calendarDate(new Date(instant), timeZone);
}

const realDate = (date: string): string | undefined => (Number.isNaN(epochDay(date)) ? undefined : date);

/** True for a YYYY-MM-DD date that exists on the calendar (not 2026-02-30). */
export const isCalendarDate = (date: string): boolean => !Number.isNaN(epochDay(date));
