import { Writable } from 'node:stream';
import request from 'supertest';
import { composeService } from '../../src/compose.js';
import { createLogger, scrubMessage } from '../../src/http/logger.js';
import { example, nullPrefetch, PATIENT_VIEW_KEYS, patientViewRequest } from '../helpers/requests.js';
import { testConfig } from '../helpers/service.js';

const JWT_SECRET = 'eyJhbGciOiJFUzM4NCJ9.eyJpc3MiOiJzZWNyZXQtaXNzdWVyIn0.c2lnbmF0dXJlLXNlY3JldA';
const FHIR_TOKEN = 'fhir-access-token-that-must-never-be-logged';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      callback();
    },
  });
  return { lines, stream };
}

describe('logs', () => {
  it('never contain the Authorization header or fhirAuthorization, and say what happened', async () => {
    const { lines, stream } = capture();
    const service = await composeService(testConfig(), createLogger('debug', stream), { defaultMetrics: false });
    const withToken = patientViewRequest({
      fhirServer: 'http://127.0.0.1:9/fhir',
      fhirAuthorization: { access_token: FHIR_TOKEN, token_type: 'Bearer', expires_in: 300, scope: 'user/*.read', subject: 'hcc-cds' },
    });
    await request(service.app).post('/cds-services/hcc-patient-view').set('Authorization', `Bearer ${JWT_SECRET}`).send(withToken);
    const missingKeys = { ...withToken, prefetch: {} };
    await request(service.app).post('/cds-services/hcc-patient-view').set('Authorization', `Bearer ${JWT_SECRET}`).send(missingKeys);
    await request(service.app).post('/cds-services/hcc-patient-view').set('Authorization', `Bearer ${JWT_SECRET}`).send({ ...withToken, hook: 42 });
    await request(service.app).post('/cds-services/hcc-patient-view/feedback').set('Authorization', `Bearer ${JWT_SECRET}`).send(example('spec-feedback-accepted'));
    await service.close();

    const all = lines.join('\n');
    expect(lines.length).toBeGreaterThanOrEqual(4);
    expect(all).not.toContain(JWT_SECRET);
    expect(all).not.toContain(FHIR_TOKEN);
    expect(all).not.toContain('fhir-access-token');
    const requestLines = lines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'request');
    expect(requestLines[0]).toMatchObject({ route: 'service', serviceId: 'hcc-patient-view', hook: 'patient-view', hookInstance: withToken.hookInstance, status: expect.any(Number) });
    expect(typeof requestLines[0].ms).toBe('number');
  });

  it('scrubs URLs and bearer tokens out of error messages', () => {
    const scrubbed = scrubMessage('GET https://ehr.example.org/fhir/Observation?patient=123&code=1834-1 failed: Bearer abc.def.ghi');
    expect(scrubbed).not.toContain('patient=123');
    expect(scrubbed).not.toContain('abc.def.ghi');
    expect(scrubbed).toContain('https://ehr.example.org');
  });
});

describe('GET /metrics', () => {
  it('exposes request counts and latency per service and status, and feedback outcomes', async () => {
    const config = testConfig();
    const service = await composeService(config, createLogger('silent'));
    await request(service.app).post('/cds-services/hcc-patient-view').send(patientViewRequest({ prefetch: nullPrefetch(PATIENT_VIEW_KEYS) })).expect(200);
    await request(service.app).post('/cds-services/hcc-patient-view').send({}).expect(400);
    await request(service.app).post('/cds-services/hcc-patient-view/feedback').send(example('spec-feedback-overridden-no-reason')).expect(200);
    const res = await request(service.app).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toMatch(/hcc_cds_http_requests_total\{route="service",service="hcc-patient-view",status="200"\} 1/);
    expect(res.text).toMatch(/hcc_cds_http_requests_total\{route="service",service="hcc-patient-view",status="400"\} 1/);
    expect(res.text).toMatch(/hcc_cds_http_request_duration_seconds_bucket\{le="0.5",route="service",service="hcc-patient-view",status="200"\} 1/);
    expect(res.text).toMatch(/hcc_cds_feedback_total\{service="hcc-patient-view",outcome="overridden"\} 1/);
    expect(res.text).toContain('hcc_cds_cards_total');
    expect(res.text).toContain('hcc_cds_fhir_request_duration_seconds');
    expect(res.text).toContain('hcc_cds_process_cpu_seconds_total');
    await service.close();
  });

  it('GET /healthz answers 200', async () => {
    const service = await composeService(testConfig(), createLogger('silent'), { defaultMetrics: false });
    expect((await request(service.app).get('/healthz').expect(200)).body).toEqual({ status: 'ok' });
    await service.close();
  });
});
