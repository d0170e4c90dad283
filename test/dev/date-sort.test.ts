import { dateSortKeys, instantsOf, sortByDates } from '../../dev/fhir-server/date-sort.js';

describe('date _sort', () => {
  const lookup = (_type: string, code: string) => (code === 'date' ? { type: 'date', expression: 'X.when' } : code === 'code' ? { type: 'token', expression: 'X.code' } : undefined);

  it('only takes over when every key is a date parameter', () => {
    expect(dateSortKeys('-date', 'X', lookup)).toEqual([{ expression: 'X.when', descending: true }]);
    expect(dateSortKeys('date,-date', 'X', lookup)).toHaveLength(2);
    expect(dateSortKeys('code', 'X', lookup)).toBeUndefined();
    expect(dateSortKeys('-date,code', 'X', lookup)).toBeUndefined();
    expect(dateSortKeys('nope', 'X', lookup)).toBeUndefined();
  });

  it('reads dates, partial dates, offsets and Period bounds as instants', () => {
    expect(instantsOf(['2025', '2025-06', '2025-06-02', '2026-01-01T10:00:00+05:00', { start: '2020-01-01', end: '2020-01-03' }, 42, 'garbage'])).toEqual([
      Date.UTC(2025, 0, 1),
      Date.UTC(2025, 5, 1),
      Date.UTC(2025, 5, 2),
      Date.UTC(2026, 0, 1, 5),
      Date.UTC(2020, 0, 1),
      Date.UTC(2020, 0, 3),
    ]);
  });

  it('orders by instant (not text), descending by latest value, missing values last, stable on ties', () => {
    const entries = [
      { id: 'period-2020', resource: { when: [{ start: '2020-01-01' }] } },
      { id: 'none', resource: { when: [] } },
      { id: '05:00Z', resource: { when: ['2026-01-01T10:00:00+05:00'] } },
      { id: '06:00Z', resource: { when: ['2026-01-01T06:00:00Z'] } },
      { id: 'tie-06:00Z', resource: { when: ['2026-01-01T07:00:00+01:00'] } },
      { id: 'period-to-2027', resource: { when: [{ start: '2019-01-01', end: '2027-01-01' }] } },
    ];
    const evaluate = (_expression: string, resource: unknown) => (resource as { when: unknown[] }).when;
    const ids = (keys: { expression: string; descending: boolean }[]) => sortByDates(entries, keys, evaluate).map((entry) => entry.id);
    expect(ids([{ expression: 'X.when', descending: true }])).toEqual(['period-to-2027', '06:00Z', 'tie-06:00Z', '05:00Z', 'period-2020', 'none']);
    expect(ids([{ expression: 'X.when', descending: false }])).toEqual(['period-to-2027', 'period-2020', '05:00Z', '06:00Z', 'tie-06:00Z', 'none']);
  });
});
