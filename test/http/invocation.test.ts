import request from 'supertest';
import { testService } from '../helpers/service.js';
import { example, nullPrefetch, orderSelectRequest, orderSignRequest, ORDER_KEYS, PATIENT_VIEW_KEYS, patientViewRequest } from '../helpers/requests.js';

type Service = Awaited<ReturnType<typeof testService>>;
let service: Service;

beforeAll(async () => {
  service = await testService();
});
afterAll(async () => {
  await service.close();
});

function expectOperationOutcome(body: any, code?: string): void {
  expect(body.resourceType).toBe('OperationOutcome');
  expect(Array.isArray(body.issue)).toBe(true);
  expect(body.issue.length).toBeGreaterThan(0);
  for (const issue of body.issue) {
    expect(issue.severity).toBeDefined();
    expect(typeof issue.diagnostics).toBe('string');
  }
  if (code) expect(body.issue.map((i: { code: string }) => i.code)).toContain(code);
}

const post = (path: string) => request(service.app).post(path);

interface CardShape {
  summary: string;
  indicator: string;
  detail: string;
  source: { topic: { code: string } };
}
/** The card of one rule in a hook response. */
const cardFor = (res: { body: { cards: CardShape[] } }, ruleId: string): CardShape | undefined => res.body.cards.find((card) => card.source.topic.code === ruleId);
const bundleOf = (...resources: object[]) => ({ resourceType: 'Bundle', type: 'searchset', entry: resources.map((resource) => ({ resource })) });

describe('POST /cds-services/{id}: errors are OperationOutcomes with the right status', () => {
  it('400 when the body is not JSON', async () => {
    const res = await post('/cds-services/hcc-patient-view').set('Content-Type', 'application/json').send('{"hook": "patient-view",').expect(400);
    expectOperationOutcome(res.body, 'structure');
  });

  it('400 when the body is a JSON array, a string or empty', async () => {
    expectOperationOutcome((await post('/cds-services/hcc-patient-view').send([patientViewRequest()]).expect(400)).body, 'invalid');
    expectOperationOutcome((await post('/cds-services/hcc-patient-view').set('Content-Type', 'application/json').send('"x"').expect(400)).body);
    expectOperationOutcome((await post('/cds-services/hcc-patient-view').expect(400)).body);
  });

  it.each(['hook', 'hookInstance', 'context'])('400 naming the field when %s is missing', async (field) => {
    const body = patientViewRequest();
    delete body[field];
    const res = await post('/cds-services/hcc-patient-view').send(body).expect(400);
    expectOperationOutcome(res.body);
    expect(res.body.issue[0].expression).toEqual([field]);
    expect(res.body.issue[0].diagnostics).toContain(field);
  });

  it.each([
    ['hook', 42],
    ['hookInstance', { id: 1 }],
    ['context', 'p1'],
    ['prefetch', ['x']],
    ['fhirServer', 'not a url'],
    ['fhirAuthorization', 'token'],
  ])('400 when %s has the wrong type', async (field, value) => {
    const res = await post('/cds-services/hcc-patient-view').send(patientViewRequest({ [field]: value })).expect(400);
    expectOperationOutcome(res.body, 'invalid');
  });

  it('400 when a prefetch value is neither an object nor null', async () => {
    const res = await post('/cds-services/hcc-patient-view').send(patientViewRequest({ prefetch: { ...nullPrefetch(PATIENT_VIEW_KEYS), patient: 'Patient/1' } })).expect(400);
    expect(res.body.issue[0].expression[0]).toBe('prefetch.patient');
  });

  it('400 when fhirAuthorization comes without fhirServer', async () => {
    const body = patientViewRequest({ fhirAuthorization: { access_token: 'abc', token_type: 'Bearer', expires_in: 300, scope: 'user/*.read', subject: 'hcc' } });
    const res = await post('/cds-services/hcc-patient-view').send(body).expect(400);
    expect(res.body.issue[0].expression).toEqual(['fhirServer']);
  });

  it('400 when the context lacks a required field or carries an unsafe id', async () => {
    const noPatient = patientViewRequest();
    delete noPatient.context.patientId;
    expect((await post('/cds-services/hcc-patient-view').send(noPatient).expect(400)).body.issue[0].expression).toEqual(['context.patientId']);
    const injected = patientViewRequest({ context: { userId: 'Practitioner/1', patientId: '1&_include=*' } });
    await post('/cds-services/hcc-patient-view').send(injected).expect(400);
    const noSelections = orderSelectRequest();
    delete noSelections.context.selections;
    expect((await post('/cds-services/hcc-tace-order-select').send(noSelections).expect(400)).body.issue[0].expression).toEqual(['context.selections']);
    const badDraft = orderSignRequest();
    badDraft.context.draftOrders = { resourceType: 'Patient' };
    await post('/cds-services/hcc-tace-order-sign').send(badDraft).expect(400);
  });

  it('400 when the hook does not match the service id', async () => {
    const res = await post('/cds-services/hcc-patient-view').send(orderSelectRequest()).expect(400);
    expectOperationOutcome(res.body, 'invalid');
    expect(res.body.issue[0].diagnostics).toContain('order-select');
  });

  it('404 for an unknown service id', async () => {
    const res = await post('/cds-services/no-such-service').send(patientViewRequest()).expect(404);
    expectOperationOutcome(res.body, 'not-found');
  });

  it('405 with Allow for a wrong method', async () => {
    const res = await request(service.app).get('/cds-services/hcc-patient-view').expect(405);
    expect(res.headers.allow).toBe('POST, OPTIONS');
    expectOperationOutcome(res.body, 'not-supported');
    expect((await request(service.app).delete('/cds-services').expect(405)).headers.allow).toBe('GET, OPTIONS');
    expect((await request(service.app).put('/cds-services/hcc-patient-view/feedback').expect(405)).headers.allow).toBe('GET, POST, OPTIONS');
  });

  it('404 OperationOutcome for an unknown path', async () => {
    expectOperationOutcome((await request(service.app).get('/nothing-here').expect(404)).body, 'not-found');
  });

  it('413 when the body is larger than the limit', async () => {
    const small = await testService({ BODY_LIMIT_BYTES: '2048' });
    const body = patientViewRequest({ extension: { 'org.example.padding': 'x'.repeat(4096) } });
    const res = await request(small.app).post('/cds-services/hcc-patient-view').send(body).expect(413);
    expectOperationOutcome(res.body, 'too-costly');
    await small.close();
  });

  it('accepts a 5 MB prefetch body', async () => {
    const entry = Array.from({ length: 9000 }, (_, i) => ({ resource: { resourceType: 'Condition', id: `c${i}`, note: [{ text: 'x'.repeat(500) }] } }));
    const body = patientViewRequest({ prefetch: { ...nullPrefetch(PATIENT_VIEW_KEYS), conditions: { resourceType: 'Bundle', type: 'searchset', entry } } });
    expect(JSON.stringify(body).length).toBeGreaterThan(5_000_000);
    await post('/cds-services/hcc-patient-view').send(body).expect(200);
  });

  it('400 when the JSON is nested too deeply', async () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 200; i++) deep = { a: deep };
    await post('/cds-services/hcc-patient-view').send(patientViewRequest({ extension: { 'org.example.deep': deep } })).expect(400);
  });
});

describe('POST /cds-services/{id}: accepted requests', () => {
  it('accepts application/json and application/fhir+json with a charset', async () => {
    const body = JSON.stringify(patientViewRequest());
    const plain = await post('/cds-services/hcc-patient-view').set('Content-Type', 'application/json; charset=utf-8').send(body).expect(200);
    expect(Array.isArray(plain.body.cards)).toBe(true);
    await post('/cds-services/hcc-patient-view').set('Content-Type', 'application/fhir+json').send(body).expect(200);
  });

  it('ignores unknown fields, extensions and prefetch keys of other services', async () => {
    const ext = example('spec-request-with-extension');
    const body = { ...ext, context: { ...ext.context, patientId: 'p1', futureField: { x: 1 } }, prefetch: { ...nullPrefetch(PATIENT_VIEW_KEYS), patientToGreet: { resourceType: 'Patient', id: 'p1' } }, unknownTopLevel: true };
    await post('/cds-services/hcc-patient-view').send(body).expect(200);
  });

  it('accepts the spec patient-view example', async () => {
    const spec = example('spec-request-patient-view');
    const res = await post('/cds-services/hcc-patient-view').send({ ...spec, prefetch: { ...spec.prefetch, ...nullPrefetch(PATIENT_VIEW_KEYS) } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ cards: expect.any(Array) });
  });

  it('accepts the hooks-library order-select and order-sign R4 examples (Bundle.type missing, no TACE order)', async () => {
    const select = example('library-order-select-r4');
    const sign = example('library-order-sign-r4');
    const selectRes = await post('/cds-services/hcc-tace-order-select').send({ hook: 'order-select', hookInstance: 'x1', ...select, prefetch: nullPrefetch(ORDER_KEYS) }).expect(200);
    expect(selectRes.body).toEqual({ cards: [] });
    await post('/cds-services/hcc-tace-order-sign').send({ hook: 'order-sign', hookInstance: 'x2', ...sign, prefetch: nullPrefetch(ORDER_KEYS) }).expect(200);
  });

  it('accepts what the CDS Hooks Sandbox sends (empty codings, reasonCode [], no Bundle.type)', async () => {
    for (const [name, id] of [['sandbox-order-select-servicerequest', 'hcc-tace-order-select'], ['sandbox-order-select-medicationrequest', 'hcc-tace-order-select'], ['sandbox-patient-view-request', 'hcc-patient-view']] as const) {
      const body = example(name);
      const keys = id === 'hcc-patient-view' ? PATIENT_VIEW_KEYS : ORDER_KEYS;
      const res = await post(`/cds-services/${id}`).send({ ...body, prefetch: { ...nullPrefetch(keys), ...body.prefetch } });
      expect([200, 412]).toContain(res.status);
      expect(res.status === 200 ? res.body.cards : res.body.resourceType).toBeDefined();
    }
  });

  it('accepts the Inferno CRD order-select and order-sign requests', async () => {
    for (const [name, id] of [['inferno-order-select', 'hcc-tace-order-select'], ['inferno-order-sign', 'hcc-tace-order-sign']] as const) {
      const body = example(name);
      const res = await post(`/cds-services/${id}`).send({ ...body, prefetch: nullPrefetch(ORDER_KEYS) });
      expect(res.status).toBe(200);
    }
  });

  it('answers a TACE order on both order hooks with a card list', async () => {
    expect((await post('/cds-services/hcc-tace-order-select').send(orderSelectRequest()).expect(200)).body.cards).toEqual(expect.any(Array));
    expect((await post('/cds-services/hcc-tace-order-sign').send(orderSignRequest()).expect(200)).body.cards).toEqual(expect.any(Array));
  });
});

describe('POST /cds-services/{id}: data that cannot be placed in time is named, not dropped', () => {
  it('an undated liver ultrasound report keeps surveillance overdue and the card names the report', async () => {
    const body = patientViewRequest({
      prefetch: {
        ...nullPrefetch(PATIENT_VIEW_KEYS),
        patient: { resourceType: 'Patient', id: 'p1', gender: 'male', birthDate: '1960-05-01' },
        conditions: bundleOf({ resourceType: 'Condition', id: 'cirr', subject: { reference: 'Patient/p1' }, code: { coding: [{ system: 'http://snomed.info/sct', code: '19943007' }] } }),
        imagingReports: bundleOf({ resourceType: 'DiagnosticReport', id: 'us-undated', status: 'final', subject: { reference: 'Patient/p1' }, code: { coding: [{ system: 'http://loinc.org', code: '24558-9' }] } }),
      },
    });
    const overdue = cardFor(await post('/cds-services/hcc-patient-view').send(body).expect(200), 'SURV-OVERDUE');
    expect(overdue?.summary).toContain('no liver imaging');
    expect(overdue?.detail).toContain('DiagnosticReport/us-undated (US imaging) has no date and was not used');
  });
});

describe('POST /cds-services/{id}: a prior TACE that cannot be placed in time', () => {
  it('a TACE dated 30 February still raises TACE-INTERVAL on order-select, naming the procedure', async () => {
    const procedure = { resourceType: 'Procedure', id: 'tace-feb30', status: 'completed', subject: { reference: 'Patient/p1' }, performedDateTime: '2026-02-30', code: { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: '37243' }] } };
    const body = orderSelectRequest({ prefetch: { ...nullPrefetch(ORDER_KEYS), procedures: bundleOf(procedure) } });
    const interval = cardFor(await post('/cds-services/hcc-tace-order-select').send(body).expect(200), 'TACE-INTERVAL');
    expect(interval?.indicator).toBe('warning');
    expect(interval?.detail).toContain('Procedure/tace-feb30 (TACE) has a date that cannot be read ("2026-02-30")');
  });
});

describe('POST /cds-services/{id}: prefetch keys the service did not ask for', () => {
  it('are ignored whatever they hold (the spec example sends "user": "123")', async () => {
    const body = patientViewRequest({ prefetch: { ...nullPrefetch(PATIENT_VIEW_KEYS), user: '123', other: [1, 2], labs: { resourceType: 'Bundle', entry: 'not an array' } } });
    expect((await post('/cds-services/hcc-patient-view').send(body).expect(200)).body).toEqual({ cards: [] });
  });
  it('even when one is a Bundle larger than MAX_BUNDLE_ENTRIES', async () => {
    const small = await testService({ MAX_BUNDLE_ENTRIES: '5' });
    const big = { resourceType: 'Bundle', entry: Array.from({ length: 6 }, (_, i) => ({ resource: { resourceType: 'Basic', id: `b${i}` } })) };
    await request(small.app).post('/cds-services/hcc-patient-view').send(patientViewRequest({ prefetch: { ...nullPrefetch(PATIENT_VIEW_KEYS), other: big } })).expect(200);
    await request(small.app).post('/cds-services/hcc-patient-view').send(patientViewRequest({ prefetch: { ...nullPrefetch(PATIENT_VIEW_KEYS), conditions: big } })).expect(413);
    await small.close();
  });
  it('but a key it asked for with a Bundle whose entry is not an array is a 400 naming the key', async () => {
    const body = patientViewRequest({ prefetch: { ...nullPrefetch(PATIENT_VIEW_KEYS), conditions: { resourceType: 'Bundle', entry: {} } } });
    const res = await post('/cds-services/hcc-patient-view').send(body).expect(400);
    expect(res.body.issue[0].expression[0]).toBe('prefetch.conditions.entry');
  });
});
