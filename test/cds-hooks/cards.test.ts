import { buildCard, CardInvariantError, fitSummary, RULE_CODE_SYSTEM, type CardInput } from '../../src/cds-hooks/cards.js';
import { cardInvariantViolations, emptyValuePaths } from '../../src/cds-hooks/card-invariants.js';

const base: CardInput = { ruleId: 'TACE-BILI-HIGH', indicator: 'critical', summary: 'Total bilirubin 3.4 mg/dL (> 3.0): TACE contraindicated' };
const draftInr = {
  type: 'create' as const,
  description: 'Order INR',
  resource: { resourceType: 'ServiceRequest', status: 'draft', intent: 'proposal', subject: { reference: 'Patient/p1' }, code: { coding: [{ system: 'http://loinc.org', code: '6301-6' }] } } as fhir4.ServiceRequest,
};

describe('buildCard: CDS Hooks 2.0 card invariants', () => {
  it('gives every card a fresh uuid', () => {
    const a = buildCard(base);
    const b = buildCard(base);
    expect(a.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.uuid).not.toBe(b.uuid);
  });

  it('keeps the summary within 139 characters, at a word boundary', () => {
    const long = `Total bilirubin ${'very '.repeat(40)}high`;
    const card = buildCard({ ...base, summary: long });
    expect(card.summary.length).toBeLessThanOrEqual(139);
    expect(card.summary.endsWith('…')).toBe(true);
    expect(fitSummary('x'.repeat(139))).toHaveLength(139);
    expect(fitSummary('x'.repeat(140)).length).toBeLessThanOrEqual(139);
    expect(fitSummary('  two   spaces ')).toBe('two spaces');
  });

  it('rejects an indicator outside info | warning | critical', () => {
    expect(() => buildCard({ ...base, indicator: 'hard-stop' as never })).toThrow(CardInvariantError);
  });

  it('always sets source.label and source.topic with the rule id', () => {
    const card = buildCard({ ...base, ruleTitle: 'Bilirubin above 3 mg/dL' });
    expect(card.source.label).toBeTruthy();
    expect(card.source.topic).toEqual({ system: RULE_CODE_SYSTEM, code: 'TACE-BILI-HIGH', display: 'Bilirubin above 3 mg/dL' });
    expect(() => buildCard({ ...base, ruleId: ' ' })).toThrow(CardInvariantError);
    expect(() => buildCard({ ...base, summary: '   ' })).toThrow(CardInvariantError);
  });

  it('sets selectionBehavior whenever there are suggestions, and uuids on suggestions', () => {
    const card = buildCard({ ...base, suggestions: [{ label: 'Order INR', actions: [draftInr] }] });
    expect(card.selectionBehavior).toBe('any');
    expect(card.suggestions![0]!.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(buildCard(base).selectionBehavior).toBeUndefined();
    expect(() => buildCard({ ...base, selectionBehavior: 'at-most-one', suggestions: [{ label: 'a', isRecommended: true, actions: [draftInr] }, { label: 'b', isRecommended: true, actions: [draftInr] }] })).toThrow(CardInvariantError);
  });

  it('needs a description on every action, a resource on create, resourceId only on delete', () => {
    expect(() => buildCard({ ...base, suggestions: [{ label: 'x', actions: [{ ...draftInr, description: ' ' }] }] })).toThrow(CardInvariantError);
    expect(() => buildCard({ ...base, suggestions: [{ label: 'x', actions: [{ type: 'create', description: 'x' }] }] })).toThrow(CardInvariantError);
    expect(() => buildCard({ ...base, suggestions: [{ label: 'x', actions: [{ type: 'delete', description: 'x' }] }] })).toThrow(CardInvariantError);
    const card = buildCard({ ...base, suggestions: [{ label: 'Remove', actions: [{ type: 'delete', description: 'Remove the draft', resourceId: 'ServiceRequest/1', resource: draftInr.resource }] }] });
    expect(card.suggestions![0]!.actions![0]).toEqual({ type: 'delete', description: 'Remove the draft', resourceId: 'ServiceRequest/1' });
  });

  it('needs a display on every override reason', () => {
    expect(() => buildCard({ ...base, overrideReasons: [{ system: 'urn:x', code: 'a' }] })).toThrow(CardInvariantError);
    const card = buildCard({ ...base, overrideReasons: [{ system: 'urn:x', code: 'a', display: 'Benefit outweighs risk' }] });
    expect(card.overrideReasons).toEqual([{ system: 'urn:x', code: 'a', display: 'Benefit outweighs risk' }]);
  });

  it('allows only absolute urls on absolute links and appContext only on smart links', () => {
    expect(() => buildCard({ ...base, links: [{ label: 'x', url: '/relative', type: 'absolute' }] })).toThrow(CardInvariantError);
    const card = buildCard({ ...base, links: [{ label: 'CIRSE', url: 'https://doi.org/10.1007/s00270-021-02968-1', type: 'absolute', appContext: 'dropped' }] });
    expect(card.links![0]).toEqual({ label: 'CIRSE', url: 'https://doi.org/10.1007/s00270-021-02968-1', type: 'absolute' });
    const smart = buildCard({ ...base, links: [{ label: 'App', url: 'https://app.example.org/launch', type: 'smart', appContext: 'abc' }] });
    expect(smart.links![0]!.appContext).toBe('abc');
  });

  it('never emits null or empty values', () => {
    const card = buildCard({ ...base, detail: '   ', suggestions: [], overrideReasons: [], links: [] });
    expect(emptyValuePaths(card)).toEqual([]);
    expect(card).not.toHaveProperty('detail');
    expect(card).not.toHaveProperty('suggestions');
    expect(card).not.toHaveProperty('overrideReasons');
    expect(card).not.toHaveProperty('links');
  });

  it('produces cards that pass the invariant checker, which catches broken cards', () => {
    const good = buildCard({ ...base, detail: '**Bilirubin** 3.4 mg/dL', suggestions: [{ label: 'Order INR', actions: [draftInr] }], overrideReasons: [{ system: 'urn:x', code: 'a', display: 'A' }] });
    expect(cardInvariantViolations(good)).toEqual([]);
    expect(cardInvariantViolations({ ...good, summary: 'x'.repeat(140) })).toContain('summary longer than 139');
    expect(cardInvariantViolations({ ...good, detail: '<b>html</b>' })).toContain('detail must be Markdown without HTML');
    expect(cardInvariantViolations({ ...good, selectionBehavior: undefined })).toContain('suggestions without a valid selectionBehavior');
    expect(cardInvariantViolations({ ...good, links: [] })).toContain('null or empty value at $.links');
  });
});

describe('the invariant checker on Markdown', () => {
  it('flags raw HTML tags but not backslash-escaped ones', () => {
    const card = buildCard({ ...base, detail: 'Observation/\\<script>x\\</script> was ignored' });
    expect(cardInvariantViolations(card)).toEqual([]);
    expect(cardInvariantViolations({ ...card, detail: 'x <script>alert(1)</script>' })).toContain('detail must be Markdown without HTML');
    expect(cardInvariantViolations({ ...card, detail: '<b>bold</b>' })).toContain('detail must be Markdown without HTML');
  });
});
