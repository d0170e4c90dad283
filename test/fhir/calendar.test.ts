import { calendarDate, daysBetween, fhirCalendarDate } from '../../src/common/calendar.js';

describe('daysBetween', () => {
  it.each([
    ['2026-11-29', '2026-11-29', 0],
    ['2026-11-28', '2026-11-29', 1],
    ['2026-11-29', '2026-11-28', -1],
    ['2025-12-31', '2026-01-01', 1],
    ['2024-02-28', '2024-03-01', 2],
    ['2023-02-28', '2023-03-01', 1],
    ['2000-02-28', '2000-03-01', 2],
    ['1900-02-28', '1900-03-01', 1],
    ['2026-05-29', '2026-11-29', 184],
    ['0050-01-01', '0051-01-01', 365],
  ])('%s -> %s is %i days', (from, to, days) => {
    expect(daysBetween(from, to)).toBe(days);
  });

  it('matches Date arithmetic across a century of days', () => {
    for (let ms = Date.UTC(1950, 0, 1); ms < Date.UTC(2050, 0, 1); ms += 86_400_000 * 37) {
      const date = new Date(ms).toISOString().slice(0, 10);
      expect(daysBetween('1970-01-01', date)).toBe(ms / 86_400_000);
    }
  });

  it.each(['2026-02-29', '2026-13-01', '2026-00-10', '2026-04-31', '2026-1-01', '20261101', 'abcd-ef-gh', ''])('is NaN for %j', (bad) => {
    expect(daysBetween(bad, '2026-11-29')).toBeNaN();
    expect(daysBetween('2026-11-29', bad)).toBeNaN();
  });
});

describe('fhirCalendarDate', () => {
  it('keeps dates and offset-free dateTimes as written, and moves instants into the time zone', () => {
    expect(fhirCalendarDate('2026-11-29', 'America/New_York')).toBe('2026-11-29');
    expect(fhirCalendarDate('2026-11', 'UTC')).toBe('2026-11-01');
    expect(fhirCalendarDate('2026-11-29T23:30:00', 'Asia/Tokyo')).toBe('2026-11-29');
    expect(fhirCalendarDate('2026-11-30T02:00:00Z', 'America/New_York')).toBe('2026-11-29');
    expect(fhirCalendarDate('2026-11-29T20:00:00-05:00', 'Asia/Kolkata')).toBe('2026-11-30');
    expect(fhirCalendarDate('not a date', 'UTC')).toBeUndefined();
    expect(fhirCalendarDate('2026-02-30', 'UTC')).toBeUndefined();
  });

  it('agrees with calendarDate for instants', () => {
    const instant = new Date('2026-03-08T07:30:00Z');
    expect(fhirCalendarDate(instant.toISOString(), 'America/Los_Angeles')).toBe(calendarDate(instant, 'America/Los_Angeles'));
  });
});

describe('fhirCalendarDate refuses dates that do not exist', () => {
  it.each(['2026-02-30', '2026-13', '2026-02-30T10:00:00', '2026-02-30T10:00:00Z', '2026-04-31T00:00:00+02:00'])('%j -> undefined', (value) => {
    expect(fhirCalendarDate(value, 'UTC')).toBeUndefined();
  });
  it.each([['2024-02-29', '2024-02-29'], ['2024-02-29T10:00:00Z', '2024-02-29'], ['2026-12', '2026-12-01']])('%j -> %j', (value, date) => {
    expect(fhirCalendarDate(value, 'UTC')).toBe(date);
  });
});
