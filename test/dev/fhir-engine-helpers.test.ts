import { narrowExpression, splitTopLevelUnion } from '../../dev/fhir-server/fhir-engine.js';
import { bindingIssues, expandableValueSets } from '../../dev/fhir-server/required-bindings.js';
import { addSearchLinks, DEFAULT_PAGE_SIZE } from '../../dev/fhir-server/search-paging.js';

describe('search expression narrowing', () => {
  it('splits only top-level unions', () => {
    expect(splitTopLevelUnion("A.x | (B.y as Quantity) | C.z.where(code = 'a|b') | (D.p | D.q)")).toEqual([
      'A.x',
      '(B.y as Quantity)',
      "C.z.where(code = 'a|b')",
      '(D.p | D.q)',
    ]);
  });

  it("keeps only the resource type's own branches", () => {
    const shared = 'AllergyIntolerance.patient | Condition.subject.where(resolve() is Patient) | Observation.subject.where(resolve() is Patient) | ObservationDefinition.x';
    expect(narrowExpression(shared, 'Observation')).toBe('Observation.subject.where(resolve() is Patient)');
    expect(narrowExpression('(ActivityDefinition.useContext.value as CodeableConcept) | (Measure.useContext.value as CodeableConcept)', 'Measure')).toBe(
      '(Measure.useContext.value as CodeableConcept)',
    );
    expect(narrowExpression('Observation.code', 'Observation')).toBeUndefined();
    expect(narrowExpression('A.x | B.y', 'Observation')).toBeUndefined();
  });
});

describe('paging links', () => {
  const bundle = (total: number): fhir4.Bundle => ({ resourceType: 'Bundle', type: 'searchset', total });
  const relations = (result: fhir4.Bundle) => Object.fromEntries((result.link ?? []).map((link) => [link.relation, new URL(link.url).searchParams.get('_offset')]));
  const url = (query: string) => new URL(`http://127.0.0.1:1/fhir/Observation?${query}`);

  it('next only while offset + count < total (boundary)', () => {
    expect(relations(addSearchLinks(bundle(10), url('_count=5&_offset=5'), 'b'))).toEqual({ self: '5', first: '0', previous: '0' });
    expect(relations(addSearchLinks(bundle(11), url('_count=5&_offset=5'), 'b'))).toEqual({ self: '5', first: '0', previous: '0', next: '10' });
    expect(relations(addSearchLinks(bundle(5), url('_count=5'), 'b'))).toEqual({ self: null, first: '0' });
    expect(relations(addSearchLinks(bundle(6), url('_count=5'), 'b'))).toEqual({ self: null, first: '0', next: '5' });
  });

  it('previous never goes below 0; default page size; _count=0 has only self', () => {
    expect(relations(addSearchLinks(bundle(50), url('_count=5&_offset=3'), 'b')).previous).toBe('0');
    expect(relations(addSearchLinks(bundle(DEFAULT_PAGE_SIZE + 1), url('code=x'), 'b')).next).toBe(String(DEFAULT_PAGE_SIZE));
    expect(relations(addSearchLinks(bundle(50), url('_count=0'), 'b'))).toEqual({ self: null });
  });

  it('keeps the other search parameters in the links and adds fullUrl', () => {
    const result = addSearchLinks(
      { ...bundle(3), entry: [{ resource: { resourceType: 'Patient', id: 'o1' } }] },
      url('patient=p1&code=urn:hcc-cds:local|pvtt-vp&_count=1'),
      'http://127.0.0.1:1/fhir',
    );
    const next = new URL(result.link?.find((link) => link.relation === 'next')?.url as string);
    expect(next.searchParams.get('code')).toBe('urn:hcc-cds:local|pvtt-vp');
    expect(next.searchParams.get('patient')).toBe('p1');
    expect(result.entry?.[0]?.fullUrl).toBe('http://127.0.0.1:1/fhir/Patient/o1');
  });
});

describe('required bindings', () => {
  const terminology = {
    entry: [
      { resource: { resourceType: 'CodeSystem', url: 'cs-status', content: 'complete', concept: [{ code: 'final' }, { code: 'amended', concept: [{ code: 'corrected' }] }] } },
      { resource: { resourceType: 'ValueSet', url: 'vs-status', compose: { include: [{ system: 'cs-status' }] } } },
      { resource: { resourceType: 'ValueSet', url: 'vs-listed', compose: { include: [{ system: 'other', concept: [{ code: 'a' }] }] } } },
      { resource: { resourceType: 'ValueSet', url: 'vs-filtered', compose: { include: [{ system: 'cs-status', filter: [{}] }] } } },
    ],
  };
  const valueSets = expandableValueSets(terminology);

  it('expands whole code systems (nested concepts too) and listed concepts; skips filtered value sets', () => {
    expect([...(valueSets.get('vs-status') ?? [])].sort()).toEqual(['amended', 'corrected', 'final']);
    expect([...(valueSets.get('vs-listed') ?? [])]).toEqual(['a']);
    expect(valueSets.has('vs-filtered')).toBe(false);
  });

  it('flags codes outside an expandable value set, accepts the rest', () => {
    const issues = bindingIssues(
      { 'vs-status|4.0.1': [{ value: 'corrected', path: 'Observation.status' }, { value: 'Final', path: 'Observation.status' }], 'vs-filtered': [{ value: 'zzz' }] },
      valueSets,
    );
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: 'value', expression: ['Observation.status'] });
    expect(issues[0]?.diagnostics).toContain('"Final"');
  });
});
