import { send, startHarness, type Harness } from './http-harness.js';
import { prefetch, validFeedback, validRequest } from './valid-requests.js';

/** The size and shape limits, at their boundaries: a clear 413/400 OperationOutcome, never a 5xx. */
let harness: Harness;
const LIMITS = { BODY_LIMIT_BYTES: '200000', MAX_JSON_DEPTH: '20', MAX_DRAFT_ORDERS: '10', MAX_BUNDLE_ENTRIES: '40', MAX_SELECTIONS: '5', MAX_FEEDBACK_ITEMS: '5' };

beforeAll(async () => {
  harness = await startHarness(LIMITS);
});
afterAll(async () => harness.close());

const diagnostics = (body: unknown): string => ((body as { issue?: { diagnostics?: string }[] }).issue ?? []).map((issue) => issue.diagnostics).join(' | ');
const post = (path: string, body: unknown) => send(harness.base, path, typeof body === 'string' ? body : JSON.stringify(body));

function withObservations(count: number): Record<string, any> {
  const body = validRequest('hcc-patient-view') as Record<string, any>;
  const template = (prefetch().observations as fhir4.Bundle).entry![0]!;
  body.prefetch.observations.entry = Array.from({ length: count }, (_, i) => ({ ...template, resource: { ...template.resource, id: `o${i}` } }));
  return body;
}

function withDraftOrders(count: number): Record<string, any> {
  const body = validRequest('hcc-tace-order-sign') as Record<string, any>;
  const tace = body.context.draftOrders.entry[0];
  body.context.draftOrders.entry = Array.from({ length: count }, (_, i) => ({ resource: { ...tace.resource, id: `sr-${i}` } }));
  return body;
}

describe('limits', () => {
  it('body size: 413 over BODY_LIMIT_BYTES on hook and feedback routes', async () => {
    const big = validRequest('hcc-patient-view') as Record<string, any>;
    big.extension = { 'org.example.padding': 'x'.repeat(250_000) };
    const hook = await post('/cds-services/hcc-patient-view', big);
    expect(hook.status).toBe(413);
    expect(diagnostics(hook.body)).toMatch(/larger than 200000 bytes/);
    const feedback = validFeedback() as Record<string, any>;
    feedback.feedback[1].overrideReason.userComment = 'y'.repeat(250_000);
    const fb = await post('/cds-services/hcc-patient-view/feedback', feedback);
    expect(fb.status).toBe(413);
    expect(fb.body).toMatchObject({ resourceType: 'OperationOutcome' });
  });

  it('JSON depth: 400 past MAX_JSON_DEPTH, and a 100 000-deep document is a 400, not a crash', async () => {
    const body = validRequest('hcc-patient-view') as Record<string, any>;
    let deep: unknown = 1;
    for (let i = 0; i < 25; i += 1) deep = [deep];
    body.extension = { 'org.example.deep': deep };
    const res = await post('/cds-services/hcc-patient-view', body);
    expect(res.status).toBe(400);
    expect(diagnostics(res.body)).toMatch(/nested deeper than 20 levels/);
    const absurd = await post('/cds-services/hcc-patient-view', `${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(absurd.status).toBe(400);
    expect(absurd.body).toMatchObject({ resourceType: 'OperationOutcome' });
    // Not UTF-8: checked on the parsed document instead of the bytes, with the same answer.
    const utf16 = await fetch(`${harness.base}/cds-services/hcc-patient-view`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-16le' }, body: Buffer.from(JSON.stringify(body), 'utf16le') });
    expect(utf16.status).toBe(400);
    expect(diagnostics(await utf16.json())).toMatch(/nested deeper than 20 levels/);
  });

  it('draft orders: MAX_DRAFT_ORDERS passes, one more is a 413 naming context.draftOrders', async () => {
    expect((await post('/cds-services/hcc-tace-order-sign', withDraftOrders(10))).status).toBe(200);
    const res = await post('/cds-services/hcc-tace-order-sign', withDraftOrders(11));
    expect(res.status).toBe(413);
    expect(diagnostics(res.body)).toMatch(/context\.draftOrders has 11 entries; at most 10/);
  });

  it('draft orders: over MAX_DRAFT_ORDERS is a 413 before the entries are checked, however bad they are', async () => {
    const body = withDraftOrders(1) as Record<string, any>;
    body.context.draftOrders.entry = Array<number>(50_000).fill(1);
    const res = await post('/cds-services/hcc-tace-order-sign', body);
    expect(res.status).toBe(413);
    expect((res.body as { issue: unknown[] }).issue).toHaveLength(1);
    expect(diagnostics(res.body)).toMatch(/context\.draftOrders has 50000 entries; at most 10/);
  });

  it('selections: MAX_SELECTIONS passes, one more is a 413 naming context.selections, checked before the items', async () => {
    const withSelections = (selections: unknown[]): Record<string, any> => {
      const body = validRequest('hcc-tace-order-select') as Record<string, any>;
      body.context.selections = selections;
      return body;
    };
    expect((await post('/cds-services/hcc-tace-order-select', withSelections(Array.from({ length: 5 }, () => 'ServiceRequest/sr-tace')))).status).toBe(200);
    const res = await post('/cds-services/hcc-tace-order-select', withSelections(Array.from({ length: 6 }, () => 'ServiceRequest/sr-tace')));
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'too-costly', expression: ['context.selections'] }] });
    expect(diagnostics(res.body)).toMatch(/context\.selections has 6 items; at most 5/);
    const bad = await post('/cds-services/hcc-tace-order-select', withSelections(Array<number>(50_000).fill(1)));
    expect(bad.status).toBe(413);
    expect((bad.body as { issue: unknown[] }).issue).toHaveLength(1);
  });

  it('feedback: MAX_FEEDBACK_ITEMS passes, one more is a 413 naming feedback, checked before the items', async () => {
    const items = (count: number): { feedback: unknown[] } => ({ feedback: Array.from({ length: count }, (_, i) => ({ ...validFeedback().feedback[2], card: `card-${i}` })) });
    expect((await post('/cds-services/hcc-patient-view/feedback', items(5))).status).toBe(200);
    const res = await post('/cds-services/hcc-patient-view/feedback', items(6));
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'too-costly', expression: ['feedback'] }] });
    expect(diagnostics(res.body)).toMatch(/feedback has 6 items; at most 5/);
    const bad = await post('/cds-services/hcc-patient-view/feedback', { feedback: Array(60_000).fill({}) });
    expect(bad.status).toBe(413);
    expect((bad.body as { issue: unknown[] }).issue).toHaveLength(1);
  });

  it('an OperationOutcome lists at most 20 issues and counts the rest, however many items are bad', async () => {
    // Three feedback items (within MAX_FEEDBACK_ITEMS) whose suggestions are 60 000 bad values: no limit applies to
    // them, and before the fix each one became an issue (a 200 kB body gave a 9 MB OperationOutcome).
    const item = { card: 'c', outcome: 'accepted', outcomeTimestamp: new Date().toISOString(), acceptedSuggestions: Array<number>(20_000).fill(1) };
    const res = await post('/cds-services/hcc-patient-view/feedback', { feedback: [item, item, item] });
    expect(res.status).toBe(400);
    const issues = (res.body as { issue: { severity: string; code: string; diagnostics: string; expression?: string[] }[] }).issue;
    expect(issues).toHaveLength(21);
    expect(issues[0]).toEqual({ severity: 'error', code: 'invalid', diagnostics: 'feedback[0].acceptedSuggestions[0] must be object', expression: ['feedback[0].acceptedSuggestions[0]'] });
    expect(issues[20]).toMatchObject({ severity: 'information', code: 'informational' });
    expect(issues[20]!.diagnostics).toMatch(/^and \d+ more issues found, not listed$/);
    expect(res.text.length).toBeLessThan(5000);
  });

  it('bad items past the first ones are still found: a conforming start does not hide a later error', async () => {
    const selections = [...Array.from({ length: 4 }, () => 'ServiceRequest/sr-tace'), 'not a reference'];
    const body = validRequest('hcc-tace-order-select') as Record<string, any>;
    body.context.selections = selections;
    const fine = validFeedback().feedback[2];
    const [hook, feedback] = await Promise.all([
      post('/cds-services/hcc-tace-order-select', body),
      post('/cds-services/hcc-patient-view/feedback', { feedback: [fine, fine, fine, fine, { ...fine, acceptedSuggestions: [...Array.from({ length: 30 }, () => ({ id: 'x' })), 7] }] }),
    ]);
    expect(hook.status).toBe(400);
    expect(diagnostics(hook.body)).toMatch(/context\.selections\[4\] must match pattern/);
    expect(feedback.status).toBe(400);
    expect(diagnostics(feedback.body)).toMatch(/feedback\[4\]\.acceptedSuggestions\[30\] must be object/);
  });

  it('prefetch Bundle entries: MAX_BUNDLE_ENTRIES passes, one more is a 413 naming the prefetch key', async () => {
    expect((await post('/cds-services/hcc-patient-view', withObservations(40))).status).toBe(200);
    const res = await post('/cds-services/hcc-patient-view', withObservations(41));
    expect(res.status).toBe(413);
    expect(diagnostics(res.body)).toMatch(/prefetch\.observations is a Bundle with 41 entries; at most 40/);
    expect((res.body as { issue: { expression?: string[] }[] }).issue[0]!.expression).toEqual(['prefetch.observations.entry']);
  });

  it('a prefetch Bundle whose entry is not an array: 400 naming the field', async () => {
    const body = validRequest('hcc-tace-order-sign') as Record<string, any>;
    body.prefetch.observations.entry = 'NaN';
    const res = await post('/cds-services/hcc-tace-order-sign', body);
    expect(res.status).toBe(400);
    expect(diagnostics(res.body)).toMatch(/prefetch\.observations\.entry/);
  });
});
