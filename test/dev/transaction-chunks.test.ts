import { MAX_TRANSACTION_UPDATES, needsChunking, runChunkedTransaction } from '../../dev/fhir-server/transaction-chunks.js';

const PATIENT_URN = 'urn:uuid:0b8f6d1e-3c2a-4e5f-8a9b-1c2d3e4f5a6b';
const DEVICE_URN = 'urn:uuid:1b8f6d1e-3c2a-4e5f-8a9b-1c2d3e4f5a6b';

function bundle(puts: number): fhir4.Bundle {
  const observations: fhir4.BundleEntry[] = Array.from({ length: puts }, (_, index) => ({
    resource: { resourceType: 'Observation', id: `o${index}`, status: 'final', code: { text: 'x' }, subject: { reference: PATIENT_URN }, device: { reference: DEVICE_URN } },
    request: { method: 'PUT', url: `Observation/o${index}` },
  }));
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      ...observations,
      { fullUrl: PATIENT_URN, resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } },
      { fullUrl: DEVICE_URN, resource: { resourceType: 'Device', id: 'd1' }, request: { method: 'PUT', url: 'Device/d1' } },
    ],
  };
}

/** A stand-in router: answers every entry 201/200 with a location, records what it was sent. */
function fakeRouter(failOnCall?: number) {
  const calls: fhir4.Bundle[] = [];
  const execute = async (chunk: fhir4.Bundle) => {
    calls.push(chunk);
    if (calls.length === failOnCall) {
      return { status: 400, body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', diagnostics: 'boom' }] } as fhir4.OperationOutcome };
    }
    const entry = (chunk.entry ?? []).map((item) => ({
      response: { status: item.request?.method === 'POST' ? '201' : '200', location: item.request?.method === 'POST' ? 'Patient/new-1/_history/1' : (item.request?.url as string) },
    }));
    return { status: 200, body: { resourceType: 'Bundle', type: 'transaction-response', entry } as fhir4.Bundle };
  };
  return { calls, execute };
}

describe('transactions over the router limit of 50 PUTs', () => {
  it('chunks only above the limit (boundary)', () => {
    expect(needsChunking(bundle(MAX_TRANSACTION_UPDATES - 1))).toBe(false); // + Device PUT = 50
    expect(needsChunking(bundle(MAX_TRANSACTION_UPDATES))).toBe(true); // 51 PUTs
  });

  it('sends non-PUT entries first with 50 PUTs, then 50 PUTs at a time; rewrites urn:uuid references across parts; answers in the original order', async () => {
    const router = fakeRouter();
    const input = bundle(120);
    const result = await runChunkedTransaction(input, router.execute);
    expect(router.calls.map((call) => call.entry?.length)).toEqual([51, 50, 21]);
    expect(router.calls[0]?.entry?.[0]?.request?.method).toBe('POST');
    // First part: the router itself resolves the POST's urn:uuid; the PUT Device is known from its URL.
    const first = router.calls[0]?.entry?.[1]?.resource as fhir4.Observation;
    expect(first.subject?.reference).toBe(PATIENT_URN);
    expect(first.device?.reference).toBe('Device/d1');
    const later = router.calls[1]?.entry?.[0]?.resource as fhir4.Observation;
    expect(later.subject?.reference).toBe('Patient/new-1');
    expect(result.status).toBe(200);
    const response = result.body as fhir4.Bundle;
    expect(response.type).toBe('transaction-response');
    expect(response.entry).toHaveLength(122);
    expect(response.entry?.[0]?.response?.location).toBe('Observation/o0');
    expect(response.entry?.[120]?.response?.location).toBe('Patient/new-1/_history/1');
  });

  it('a failing part returns its OperationOutcome plus a note that earlier parts were written', async () => {
    const router = fakeRouter(2);
    const result = await runChunkedTransaction(bundle(120), router.execute);
    expect(result.status).toBe(400);
    const outcome = result.body as fhir4.OperationOutcome;
    expect(outcome.issue.map((issue) => issue.diagnostics)).toEqual([
      'boom',
      'Transaction of 122 entries run in 3 parts (over 50 PUTs); part 2 failed, earlier parts were written',
    ]);
    expect(router.calls).toHaveLength(2);
  });
});
