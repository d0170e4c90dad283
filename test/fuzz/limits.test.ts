import { send, startHarness, type Harness } from './http-harness.js';
import { prefetch, validFeedback, validRequest } from './valid-requests.js';

/** The size and shape limits, at their boundaries: a clear 413/400 OperationOutcome, never a 5xx. */
let harness: Harness;
const LIMITS = { BODY_LIMIT_BYTES: '200000', MAX_JSON_DEPTH: '20', MAX_DRAFT_ORDERS: '10', MAX_BUNDLE_ENTRIES: '40' };

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
  });

  it('draft orders: MAX_DRAFT_ORDERS passes, one more is a 413 naming context.draftOrders', async () => {
    expect((await post('/cds-services/hcc-tace-order-sign', withDraftOrders(10))).status).toBe(200);
    const res = await post('/cds-services/hcc-tace-order-sign', withDraftOrders(11));
    expect(res.status).toBe(413);
    expect(diagnostics(res.body)).toMatch(/context\.draftOrders has 11 entries; at most 10/);
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
