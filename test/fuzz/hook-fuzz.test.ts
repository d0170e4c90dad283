import fc from 'fast-check';
import { contractViolations, send, startHarness, type Harness } from './http-harness.js';
import { absurdObservation, applyMutations, hostileValue, mutation, wrongResource, type Json } from './mutate.js';
import { SERVICE_IDS, validFeedback, validRequest, type ServiceId } from './valid-requests.js';

/**
 * Property-based abuse of the HTTP contract: thousands of generated and mutated hook requests, prefetch Bundles and
 * feedback bodies. Whatever the input: no 5xx, no crash, a JSON body with a JSON content type, an OperationOutcome on
 * every non-2xx. FUZZ_RUNS scales the number of runs (default 1); fast-check prints the seed of any failure.
 */
const SCALE = Number(process.env.FUZZ_RUNS ?? '1') || 1;
const runs = (n: number): fc.Parameters<unknown> => ({ numRuns: Math.round(n * SCALE), endOnFailure: true });

let harness: Harness;
let calls = 0;

beforeAll(async () => {
  harness = await startHarness({ MAX_BUNDLE_ENTRIES: '500', MAX_DRAFT_ORDERS: '50' });
});

afterAll(async () => {
  // Still alive and answering after everything above.
  const health = await send(harness.base, '/healthz', undefined, 'GET');
  expect(health.status).toBe(200);
  await harness.close();
});

async function check(path: string, body: string | undefined, kind: 'hook' | 'feedback', contentType?: string): Promise<void> {
  calls += 1;
  const outcome = await send(harness.base, path, body, 'POST', contentType);
  const problems = contractViolations(outcome, kind);
  if (problems.length > 0) throw new Error(`${path} -> ${outcome.status}: ${problems.join('; ')}`);
}

const serviceId = fc.constantFrom<ServiceId>(...SERVICE_IDS);

describe('fuzzing through real HTTP', () => {
  it('the unmutated requests are answered 200 (the fuzz starts from valid calls)', async () => {
    for (const id of SERVICE_IDS) {
      const outcome = await send(harness.base, `/cds-services/${id}`, JSON.stringify(validRequest(id)));
      expect(outcome.status).toBe(200);
      expect(contractViolations(outcome, 'hook')).toEqual([]);
    }
    const feedback = await send(harness.base, '/cds-services/hcc-patient-view/feedback', JSON.stringify(validFeedback()));
    expect(feedback.status).toBe(200);
  });

  it('mutated hook requests (anywhere in the document)', async () => {
    await fc.assert(
      fc.asyncProperty(serviceId, fc.array(mutation, { minLength: 1, maxLength: 4 }), async (id, mutations) => {
        const body = applyMutations(validRequest(id) as Json, mutations);
        await check(`/cds-services/${id}`, JSON.stringify(body), 'hook');
      }),
      runs(1200),
    );
  });

  it('mutated envelopes (hook, hookInstance, context, prefetch, fhirServer, fhirAuthorization themselves)', async () => {
    await fc.assert(
      fc.asyncProperty(serviceId, fc.array(mutation.map((m) => ({ ...m, shallow: true })), { minLength: 1, maxLength: 3 }), async (id, mutations) => {
        await check(`/cds-services/${id}`, JSON.stringify(applyMutations(validRequest(id) as Json, mutations)), 'hook');
      }),
      runs(500),
    );
  });

  it('hostile prefetch values: arrays, strings, numbers, OperationOutcomes, wrong resource types, absurd observations', async () => {
    const prefetchValue = fc.oneof(
      hostileValue,
      wrongResource,
      fc.array(absurdObservation, { minLength: 1, maxLength: 30 }).map((resources) => ({ resourceType: 'Bundle', type: 'searchset', entry: resources.map((resource) => ({ resource })) }) as Json),
    );
    const keys = fc.constantFrom('patient', 'conditions', 'observations', 'procedures', 'imagingReports', 'imagingStudies', 'familyHistory', 'unknownKey');
    await fc.assert(
      fc.asyncProperty(serviceId, fc.array(fc.tuple(keys, prefetchValue), { minLength: 1, maxLength: 4 }), async (id, replacements) => {
        const body = validRequest(id) as Record<string, any>;
        for (const [key, value] of replacements) body.prefetch[key] = structuredClone(value);
        await check(`/cds-services/${id}`, JSON.stringify(body), 'hook');
      }),
      runs(800),
    );
  });

  it('draft orders with hostile resources on the order hooks', async () => {
    const orderService = fc.constantFrom<ServiceId>('hcc-tace-order-select', 'hcc-tace-order-sign');
    await fc.assert(
      fc.asyncProperty(orderService, fc.array(fc.oneof(hostileValue, wrongResource, absurdObservation), { maxLength: 8 }), fc.array(fc.oneof(fc.string(), fc.constant('ServiceRequest/sr-tace')), { maxLength: 3 }), async (id, extra, selections) => {
        const body = validRequest(id) as Record<string, any>;
        body.context.draftOrders.entry.push(...extra.map((resource) => ({ resource: structuredClone(resource) })));
        if (id === 'hcc-tace-order-select' && selections.length > 0) body.context.selections = selections;
        await check(`/cds-services/${id}`, JSON.stringify(body), 'hook');
      }),
      runs(300),
    );
  });

  it('mutated feedback bodies', async () => {
    await fc.assert(
      fc.asyncProperty(serviceId, fc.array(mutation, { minLength: 1, maxLength: 4 }), async (id, mutations) => {
        await check(`/cds-services/${id}/feedback`, JSON.stringify(applyMutations(validFeedback() as unknown as Json, mutations)), 'feedback');
      }),
      runs(700),
    );
  });

  it('bodies that are not JSON documents at all, or not objects, under any content type', async () => {
    const rawBody = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value)),
      fc.constantFrom('', '{', '[]', 'null', '"x"', '{"hook":', '\u0000', '{"a":1}{"b":2}', `${'['.repeat(5000)}${']'.repeat(5000)}`, `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`),
    );
    const contentType = fc.constantFrom('application/json', 'application/fhir+json', 'application/json; charset=utf-16', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1');
    const path = fc.constantFrom('/cds-services/hcc-patient-view', '/cds-services/hcc-tace-order-sign', '/cds-services/hcc-patient-view/feedback');
    await fc.assert(
      fc.asyncProperty(path, rawBody, contentType, async (target, body, type) => {
        await check(target, body, target.endsWith('/feedback') ? 'feedback' : 'hook', type);
      }),
      runs(400),
    );
  });

  it('unknown or hostile service ids', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ minLength: 1, maxLength: 80 }), fc.constantFrom('..', '%2e%2e', 'hcc-patient-view%00', 'constructor', '__proto__')), async (id) => {
        calls += 1;
        const outcome = await send(harness.base, `/cds-services/${encodeURIComponent(id)}`, JSON.stringify(validRequest('hcc-patient-view')));
        const problems = contractViolations(outcome, 'hook');
        if (problems.length > 0) throw new Error(problems.join('; '));
      }),
      runs(200),
    );
    // Unknown ids must not become metrics labels (unbounded memory under abuse).
    const metrics = await fetch(`${harness.base}/metrics`).then((res) => res.text());
    const labels = new Set([...metrics.matchAll(/service="([^"]*)"/g)].map((match) => match[1]));
    expect([...labels].filter((label) => !['', '(unknown)', ...SERVICE_IDS].includes(label!))).toEqual([]);
    // eslint-disable-next-line no-console
    if (process.env.FUZZ_VERBOSE) console.log(`fuzz: ${calls} HTTP calls`);
    expect(calls).toBeGreaterThan(3000 * SCALE);
  });
});
