import { monitorEventLoopDelay } from 'node:perf_hooks';
import { contractViolations, send, startHarness, type Harness } from './http-harness.js';
import { prefetch, validRequest } from './valid-requests.js';

/**
 * No request under the body limit holds the event loop: while one hostile body is answered, every other client
 * waits at most ~100 ms. The loop is watched in this process, which is the server's (the harness serves in-process).
 * Before the fix, 512 KiB of bad array items stalled it for about a second (ajv allErrors made one error per item).
 * What is left grows only with JSON.parse, about 60 ms per MiB of empty objects on an idle machine: the limit here
 * keeps that well under the bound on a loaded one. A loaded machine can also stall any process now and then: each
 * body gets up to three tries and its best one counts.
 */
const BODY_LIMIT = 512 * 1024;
const MAX_STALL_MS = 100;
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ BODY_LIMIT_BYTES: String(BODY_LIMIT) });
});
afterAll(async () => harness.close());

/** `prefix` + as many `item`s as fit under the body limit + `suffix`, as JSON text. */
function filled(prefix: string, item: string, suffix: string): string {
  const count = Math.floor((BODY_LIMIT - 1024 - prefix.length - suffix.length) / (item.length + 1));
  return `${prefix}${Array<string>(count).fill(item).join(',')}${suffix}`;
}

/** `value` as JSON with the placeholder string "@" replaced by a run of `item`s filling the body. */
function withRun(value: unknown, item: string): string {
  const [prefix, suffix] = JSON.stringify(value).split('"@"') as [string, string];
  return filled(`${prefix}[`, item, `]${suffix}`);
}

const orderSelect = validRequest('hcc-tace-order-select') as Record<string, any>;
const orderSign = validRequest('hcc-tace-order-sign') as Record<string, any>;
const patientView = validRequest('hcc-patient-view') as Record<string, any>;
const lab = (prefetch().observations as fhir4.Bundle).entry![0]!;

const BODIES: [name: string, path: string, body: string][] = [
  ['selections: numbers', '/cds-services/hcc-tace-order-select', withRun({ ...orderSelect, context: { ...orderSelect.context, selections: '@' } }, '1')],
  ['draft orders: numbers', '/cds-services/hcc-tace-order-sign', withRun({ ...orderSign, context: { ...orderSign.context, draftOrders: { resourceType: 'Bundle', entry: '@' } } }, '1')],
  ['feedback: empty items', '/cds-services/hcc-patient-view/feedback', withRun({ feedback: '@' }, '{}')],
  ['feedback: one item, bad suggestions', '/cds-services/hcc-patient-view/feedback', withRun({ feedback: [{ card: 'c', outcome: 'accepted', outcomeTimestamp: 'now', acceptedSuggestions: '@' }] }, '1')],
  ['envelope: hook is an array', '/cds-services/hcc-patient-view', withRun({ ...patientView, hook: '@' }, '1')],
  ['prefetch Bundle: bad entries', '/cds-services/hcc-patient-view', withRun({ ...patientView, prefetch: { ...patientView.prefetch, observations: { resourceType: 'Bundle', entry: '@' } } }, '7')],
  ['prefetch Bundle: many labs', '/cds-services/hcc-patient-view', withRun({ ...patientView, prefetch: { ...patientView.prefetch, observations: { resourceType: 'Bundle', entry: '@' } } }, JSON.stringify(lab))],
  ['extension: empty objects', '/cds-services/hcc-patient-view', withRun({ ...patientView, extension: { 'org.example.items': '@' } }, '{}')],
];

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 40));

/** The longest stall of the event loop while `body` is answered, and the answer. */
async function stallWhileAnswering(path: string, body: string): Promise<{ stallMs: number; status: number; problems: string[]; issues: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  // The histogram's first tick only starts its clock, and a stall shows when the tick after it runs: let ticks pass
  // on both sides of the request.
  await settle();
  const outcome = await send(harness.base, path, body);
  await settle();
  histogram.disable();
  const issues = ((outcome.body as { issue?: unknown[] } | undefined)?.issue ?? []).length;
  return { stallMs: histogram.max / 1e6, status: outcome.status, problems: contractViolations(outcome, path.endsWith('/feedback') ? 'feedback' : 'hook'), issues };
}

describe('the event loop under hostile bodies', () => {
  it.each(BODIES)('%s: answered without holding the loop for more than ~100 ms', async (_name, path, body) => {
    expect(body.length).toBeLessThan(BODY_LIMIT);
    expect(body.length).toBeGreaterThan(BODY_LIMIT - 32 * 1024);
    let best = Infinity;
    for (let attempt = 0; attempt < 3 && best > MAX_STALL_MS; attempt += 1) {
      const result = await stallWhileAnswering(path, body);
      expect(result.problems).toEqual([]);
      expect(result.issues).toBeLessThanOrEqual(21);
      best = Math.min(best, result.stallMs);
    }
    expect(best).toBeLessThanOrEqual(MAX_STALL_MS);
  });
});
