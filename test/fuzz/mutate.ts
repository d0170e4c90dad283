import fc from 'fast-check';

/** Generators of hostile values and JSON mutations for the fuzz tests. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

export const absurdNumber = fc.constantFrom(1e308, -1e308, -0, 0, 5e-324, Number.MAX_SAFE_INTEGER + 2, -1, 1e21, 0.1 + 0.2, 42);

export const absurdString = fc.constantFrom(
  'NaN', '-0', '1e308', 'Infinity', '-Infinity', '', ' ', '2024-13-45', '2024-02-30T25:61:61Z', '0000-00-00', '9999-12-31T23:59:59.999999999Z',
  '2024-02-29', '1969-12-31T23:59:60Z', '-000001-01-01', '\u0000', '\ud800', '\u202e\u0041', 'Patient/../../etc/passwd', '{{context.patientId}}',
  '<script>alert(1)</script>', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ☢ ñ 中文 🧬', "'; DROP TABLE feedback;--", '__proto__', 'constructor', 'http://169.254.169.254/latest/meta-data',
  'Bearer x.y.z', 'mg/dL', '10*9/L', '{INR}', 'μmol/L',
);

const hugeString = fc.integer({ min: 10_000, max: 200_000 }).map((n) => 'ℵ'.repeat(n));

function nest(depth: number, leaf: Json = 1): Json {
  let value: Json = leaf;
  for (let i = 0; i < depth; i += 1) value = i % 2 === 0 ? [value] : { a: value };
  return value;
}
const deepValue = fc.integer({ min: 10, max: 120 }).map((depth) => nest(depth));

const OO = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: 'upstream failed' }] };

export const wrongResource: fc.Arbitrary<Json> = fc.constantFrom<Json>(
  { resourceType: 'Patient', id: 'someone-else' },
  OO,
  { resourceType: 'Bundle' },
  { resourceType: 'Bundle', entry: 'not-an-array' },
  { resourceType: 'Bundle', type: 'searchset', entry: [null, 1, 'x', {}, { resource: null }, { resource: { resourceType: 42 } }, { resource: OO }] },
  { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: { resourceType: 'Binary', contentType: 'text/plain', data: 'aGk=' } }] },
  { resourceType: 'Observation', valueQuantity: { value: '1e308', unit: 'mg/dL' } },
  { resourceType: 42 },
  { resourceType: null },
  { resourceType: '__proto__', __proto__: { polluted: true } } as unknown as Json,
  { resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Patient' } }] } }] },
);

/** A lab Observation with absurd values, units, dates and statuses. */
export const absurdObservation: fc.Arbitrary<Json> = fc.record({
  resourceType: fc.constant('Observation'),
  id: fc.oneof(fc.constant('o1'), absurdString),
  status: fc.constantFrom('final', 'amended', 'preliminary', 'entered-in-error', 'cancelled', 'unknown', '', 'FINAL'),
  code: fc.record({
    coding: fc.array(
      fc.record({ system: fc.constantFrom('http://loinc.org', 'urn:hcc-cds:local', '', 'http://snomed.info/sct'), code: fc.constantFrom('1975-2', '1751-7', '6301-6', '777-3', '6690-2', '2160-0', '1834-1', '89247-1', 'tumor-burden-pct', 'pvtt-vp', 'westhaven-grade', '') }),
      { maxLength: 3 },
    ),
  }),
  effectiveDateTime: fc.oneof(absurdString, fc.date({ noInvalidDate: true, min: new Date('1800-01-01'), max: new Date('2200-01-01') }).map((d) => d.toISOString())),
  valueQuantity: fc.record({ value: fc.oneof(absurdNumber, absurdString), unit: fc.oneof(absurdString, fc.string()), system: fc.constant('http://unitsofmeasure.org'), code: fc.oneof(absurdString, fc.string()), comparator: fc.constantFrom('<', '>=', 'bogus') }, { requiredKeys: [] }),
  valueString: fc.oneof(absurdString, fc.string()),
  valueCodeableConcept: fc.record({ coding: fc.array(fc.record({ system: fc.string(), code: fc.string() }), { maxLength: 2 }) }),
  interpretation: fc.jsonValue({ maxDepth: 2 }),
}, { requiredKeys: ['resourceType', 'code'] }) as fc.Arbitrary<Json>;

/** Something a caller might put where a JSON value was expected. */
export const hostileValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 3, arbitrary: absurdNumber },
  { weight: 4, arbitrary: absurdString },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 64 }) },
  { weight: 1, arbitrary: hugeString },
  { weight: 1, arbitrary: deepValue },
  { weight: 3, arbitrary: wrongResource },
  { weight: 2, arbitrary: absurdObservation },
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json> },
  { weight: 2, arbitrary: fc.constantFrom<Json>(null, [], {}, true, false, [null], [[]]) },
);

export type Mutation =
  | { op: 'replace'; at: number; shallow: boolean; value: Json }
  | { op: 'delete'; at: number; shallow: boolean }
  | { op: 'extra'; at: number; shallow: boolean; key: string; value: Json }
  | { op: 'stringify'; at: number; shallow: boolean }
  | { op: 'wrap'; at: number; shallow: boolean }
  | { op: 'repeat'; at: number; shallow: boolean; times: number };

const at = fc.nat();
const shallow = fc.boolean();
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('replace' as const), at, shallow, value: hostileValue }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('delete' as const), at, shallow }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('extra' as const), at, shallow, key: fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('extension', '__proto__', 'constructor', 'resourceType', 'entry', 'prefetch')), value: hostileValue }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('stringify' as const), at, shallow }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('wrap' as const), at, shallow }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('repeat' as const), at, shallow, times: fc.integer({ min: 2, max: 300 }) }) },
);

function allPaths(value: Json, prefix: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(value)) value.forEach((child, index) => { out.push([...prefix, index]); allPaths(child, [...prefix, index], out); });
  else if (value !== null && typeof value === 'object') for (const [key, child] of Object.entries(value)) { out.push([...prefix, key]); allPaths(child, [...prefix, key], out); }
  return out;
}

function parentOf(root: Json, path: Path): { parent: Json[] | Record<string, Json>; key: string | number } | undefined {
  let node: Json = root;
  for (const segment of path.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, Json>)[segment as string] as Json;
  }
  if (node === null || typeof node !== 'object') return undefined;
  return { parent: node as Json[] | Record<string, Json>, key: path[path.length - 1]! };
}

/** Applies mutations to a deep copy of `document` (inserted values are copied too: generators share constants); `shallow` mutations hit the envelope (depth <= 2). */
export function applyMutations(document: Json, mutations: Mutation[]): Json {
  const root = structuredClone(document);
  for (const m of mutations) {
    const paths = allPaths(root).filter((path) => !m.shallow || path.length <= 2);
    if (paths.length === 0) return m.op === 'replace' ? structuredClone(m.value) : root;
    const path = paths[m.at % paths.length]!;
    const slot = parentOf(root, path);
    if (!slot) continue;
    const { parent, key } = slot;
    const current = (parent as Record<string, Json>)[key as string] as Json;
    switch (m.op) {
      case 'replace':
        (parent as Record<string, Json>)[key as string] = structuredClone(m.value);
        break;
      case 'delete':
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key as string];
        break;
      case 'extra':
        if (current !== null && typeof current === 'object' && !Array.isArray(current)) Object.defineProperty(current, m.key, { value: structuredClone(m.value), enumerable: true, writable: true, configurable: true });
        else if (Array.isArray(current)) current.push(structuredClone(m.value));
        break;
      case 'stringify':
        (parent as Record<string, Json>)[key as string] = JSON.stringify(current) ?? 'undefined';
        break;
      case 'wrap':
        (parent as Record<string, Json>)[key as string] = [current];
        break;
      case 'repeat':
        if (Array.isArray(current) && current.length > 0) (parent as Record<string, Json>)[key as string] = Array.from({ length: m.times }, (_, i) => structuredClone(current[i % current.length]!));
        break;
    }
  }
  return root;
}
