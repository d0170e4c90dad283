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

/** Whole days from `from` to `to` (both YYYY-MM-DD); positive when `to` is later. */
export function daysBetween(from: string, to: string): number {
  return Math.round((midnightUtc(to) - midnightUtc(from)) / 86_400_000);
}

// `to` is nearly always today: remember the last date parsed.
let lastDate = '';
let lastMs = Number.NaN;
function midnightUtc(date: string): number {
  if (date !== lastDate) {
    lastMs = Date.parse(`${date}T00:00:00Z`);
    lastDate = date;
  }
  return lastMs;
}

/**
 * The calendar date of a FHIR date, dateTime or instant in a time zone. A date without a time is that
 * calendar day; a partial date (YYYY or YYYY-MM) is its first day. Undefined when unparseable.
 */
export function fhirCalendarDate(value: string, timeZone: string): string | undefined {
  if (/^\d{4}$/.test(value)) return `${value}-01-01`;
  if (/^\d{4}-\d{2}$/.test(value)) return `${value}-01`;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return Number.isNaN(Date.parse(`${value}T00:00:00Z`)) ? undefined : value;
  const instant = Date.parse(value);
  if (Number.isNaN(instant) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) return undefined;
  // A dateTime without an offset is local time at the facility: keep its calendar day as written.
  if (!/(Z|[+-]\d{2}:\d{2})$/.test(value)) return value.slice(0, 10);
  return calendarDate(new Date(instant), timeZone);
}
