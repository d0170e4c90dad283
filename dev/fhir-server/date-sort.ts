/**
 * `_sort` on date parameters, done right. MemoryRepository compares the JSON text of the values, so a Period
 * (`{"start":…}`) sorts after every dateTime string and instants with different offsets sort by local clock time
 * (`10:00+05:00` after `06:00Z`). With `_sort=-date&_count=200` that could return an older page instead of the
 * latest values. The wrapper fetches all matches unsorted and orders them by instant here: ascending by each
 * resource's earliest value, descending by its latest; resources without a value last; several keys in FHIR order.
 */

export interface DateSortKey {
  expression: string;
  descending: boolean;
}

interface ParamLookup {
  (resourceType: string, code: string): { type?: string; expression?: string } | undefined;
}

/** The sort keys of a `_sort` value when every key is a date parameter of the type; undefined otherwise. */
export function dateSortKeys(sort: string, resourceType: string, lookup: ParamLookup): DateSortKey[] | undefined {
  const keys: DateSortKey[] = [];
  for (const raw of sort.split(',')) {
    const descending = raw.startsWith('-');
    const param = lookup(resourceType, descending ? raw.slice(1) : raw);
    if (param?.type !== 'date' || !param.expression) return undefined;
    keys.push({ expression: param.expression, descending });
  }
  return keys.length > 0 ? keys : undefined;
}

function instant(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const partial = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$/.exec(value);
  if (partial) return Date.UTC(Number(partial[1]), Number(partial[2] ?? '1') - 1, Number(partial[3] ?? '1'));
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/** Every instant in the values of a date expression (dates, dateTimes, instants, Period start/end). */
export function instantsOf(values: unknown[]): number[] {
  const out: number[] = [];
  for (const value of values) {
    const period = value as { start?: unknown; end?: unknown } | null;
    const candidates = value && typeof value === 'object' ? [period?.start, period?.end] : [value];
    for (const candidate of candidates) {
      const time = instant(candidate);
      if (time !== undefined) out.push(time);
    }
  }
  return out;
}

export function sortByDates<T extends { resource?: unknown }>(entries: T[], keys: DateSortKey[], evaluate: (expression: string, resource: unknown) => unknown[]): T[] {
  const decorated = entries.map((entry, index) => ({
    entry,
    index,
    values: keys.map((key) => {
      const times = instantsOf(evaluate(key.expression, entry.resource));
      if (times.length === 0) return undefined;
      return key.descending ? Math.max(...times) : Math.min(...times);
    }),
  }));
  decorated.sort((a, b) => {
    for (const [position, key] of keys.entries()) {
      const left = a.values[position];
      const right = b.values[position];
      if (left === right) continue;
      if (left === undefined) return 1;
      if (right === undefined) return -1;
      return key.descending ? right - left : left - right;
    }
    return a.index - b.index;
  });
  return decorated.map((item) => item.entry);
}
