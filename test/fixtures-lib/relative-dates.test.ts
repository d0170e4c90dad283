import { resolveRelativeDate, resolveRelativeDates } from '../../dev/fixtures/relative-dates.js';

describe('relative fixture dates', () => {
  it('resolves days, years and times against today', () => {
    expect(resolveRelativeDate('@today', '2026-11-23')).toBe('2026-11-23');
    expect(resolveRelativeDate('@today-30d', '2026-11-23')).toBe('2026-10-24');
    expect(resolveRelativeDate('@today+8d', '2026-11-23')).toBe('2026-12-01');
    expect(resolveRelativeDate('@today-40y', '2026-11-23')).toBe('1986-11-23');
    expect(resolveRelativeDate('@today-1dT09:30:00Z', '2026-03-01')).toBe('2026-02-28T09:30:00Z');
  });

  it('maps 29 February to 28 February in a non-leap year', () => {
    expect(resolveRelativeDate('@today-1y', '2028-02-29')).toBe('2027-02-28');
  });

  it('leaves other strings alone and walks whole documents', () => {
    expect(resolveRelativeDate('today-30d', '2026-11-23')).toBeUndefined();
    expect(resolveRelativeDate('@today-30x', '2026-11-23')).toBeUndefined();
    const doc = { a: ['@today-1d', 'x', 3], b: { c: '@today' } };
    expect(resolveRelativeDates(doc, '2026-11-23')).toEqual({ a: ['2026-11-22', 'x', 3], b: { c: '2026-11-23' } });
    expect(doc.a[0]).toBe('@today-1d');
  });
});
