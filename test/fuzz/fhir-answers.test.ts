import fc from 'fast-check';
import { eventually, startHostileFhir, type HostileFhir, type HostileShape } from '../helpers/hostile-fhir.js';
import { contractViolations, send, startHarness, type Harness } from './http-harness.js';

/**
 * The response side: hook calls whose data comes from a loopback FHIR server answering one resource type with a
 * hostile shape (endless, steady or dripping streams; gzip, deflate and br bombs; broken or lying encodings). Whatever
 * it sends: the HTTP contract holds, the answer leaves by the hook deadline plus a margin, and every hostile answer is
 * cut or read to its end (no socket left open). FUZZ_RUNS scales the number of runs.
 */
const SCALE = Number(process.env.FUZZ_RUNS ?? '1') || 1;
const DEADLINE_MS = 600;
const CAP = 256 * 1024;
const CALLS_AT_ONCE = 5;

let harness: Harness;
let fhir: HostileFhir;
let current: { type: string; shape: HostileShape } | undefined;

beforeAll(async () => {
  harness = await startHarness({ FHIR_TIMEOUT_MS: '300', HOOK_DEADLINE_MS: String(DEADLINE_MS), FHIR_MAX_RESPONSE_BYTES: String(CAP) });
  fhir = await startHostileFhir((path) => (current && path.startsWith(`/fhir/${current.type}`) ? current.shape : undefined));
});

afterAll(async () => {
  const health = await send(harness.base, '/healthz', undefined, 'GET');
  expect(health.status).toBe(200);
  await fhir.close();
  await harness.close();
});

const coding = fc.constantFrom('gzip' as const, 'deflate' as const, 'br' as const);
const shape: fc.Arbitrary<HostileShape> = fc.oneof(
  fc.record({ kind: fc.constant('endless' as const), chunkBytes: fc.integer({ min: 1, max: 256 * 1024 }) }),
  fc.record({ kind: fc.constant('steady' as const), bytes: fc.integer({ min: 1, max: 64 * 1024 }), everyMs: fc.integer({ min: 5, max: 200 }) }),
  fc.record({ kind: fc.constant('drip' as const), everyMs: fc.integer({ min: 10, max: 400 }) }),
  fc.record({ kind: fc.constant('bomb' as const), coding, decodedBytes: fc.constantFrom(CAP - 1024, CAP + 1, 4 * 1024 * 1024, 32 * 1024 * 1024) }),
  // Encodings that lie: a coding the body does not have, one nobody supports, a truncated stream.
  fc.record({
    kind: fc.constant('raw' as const),
    headers: fc.constantFrom<Record<string, string>>({ 'content-encoding': 'gzip' }, { 'content-encoding': 'br' }, { 'content-encoding': 'zstd' }, { 'content-encoding': 'gzip, gzip, gzip' }, { 'content-encoding': 'deflate' }),
    body: fc.constantFrom('{"resourceType":"Bundle","type":"searchset","entry":[]}', '', '\u001f\u008b\u0008\u0000'),
  }),
);
const neverData = (chosen: HostileShape): boolean => chosen.kind === 'endless' || chosen.kind === 'steady' || chosen.kind === 'drip' || (chosen.kind === 'bomb' && chosen.decodedBytes > CAP);
const resourceType = fc.constantFrom('Observation', 'Condition', 'Procedure', 'Patient', 'DiagnosticReport', 'ImagingStudy', 'FamilyMemberHistory');

it('hostile FHIR answers: the contract holds and the answer leaves by the deadline', async () => {
  const body = JSON.stringify({
    hook: 'patient-view',
    hookInstance: 'd1577c69-dfbe-44ad-ba6d-3e05e953b2ea',
    fhirServer: fhir.base,
    fhirAuthorization: { access_token: 'fuzz-token', token_type: 'Bearer', expires_in: 300, scope: 'user/*.read', subject: 'hcc-cds' },
    context: { userId: 'Practitioner/u1', patientId: 'p1' },
    prefetch: {},
  });
  await fc.assert(
    fc.asyncProperty(resourceType, shape, async (type, chosen) => {
      current = { type, shape: chosen };
      const outcomes = await Promise.all(
        Array.from({ length: CALLS_AT_ONCE }, async () => {
          const started = performance.now();
          const outcome = await send(harness.base, '/cds-services/hcc-patient-view', body);
          return { outcome, ms: performance.now() - started };
        }),
      );
      for (const { outcome, ms } of outcomes) {
        const problems = contractViolations(outcome, 'hook');
        if (outcome.text.includes('fuzz-token')) problems.push('the token is in the answer');
        if (ms > DEADLINE_MS + 1500) problems.push(`answered after ${Math.round(ms)} ms`);
        // No data can be had from these (all keys are required): never an all-clear.
        if (neverData(chosen) && outcome.status !== 412) problems.push('data that cannot be had did not give a 412');
        if (problems.length > 0) throw new Error(`${type} ${JSON.stringify(chosen)} -> ${outcome.status}: ${problems.join('; ')}`);
      }
      if (!(await eventually(() => fhir.open === 0))) throw new Error(`${type} ${JSON.stringify(chosen)}: ${fhir.open} hostile answers still open`);
    }),
    { numRuns: Math.round(30 * SCALE), endOnFailure: true },
  );
});
