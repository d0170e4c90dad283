import express from 'express';
import helmet from 'helmet';
import request from 'supertest';
import { HELMET_OPTIONS } from '../../src/http/stack.js';
import { testService } from '../helpers/service.js';
import { patientViewRequest } from '../helpers/requests.js';

/** What helmet itself sends with the service's options, on a bare Express app. */
function helmetApp(): express.Express {
  const app = express();
  app.use(helmet(HELMET_OPTIONS));
  app.get('/cds-services', (_req, res) => void res.json({ services: [] }));
  app.post('/cds-services/:id', (_req, res) => void res.status(400).json({}));
  return app;
}

/** The headers of a response that come from helmet: not the date, body framing, CORS or keep-alive ones. */
function securityPart(headers: Record<string, string>): Record<string, string> {
  const ignored = new Set(['date', 'connection', 'keep-alive', 'content-type', 'content-length', 'etag', 'vary']);
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !ignored.has(name) && !name.startsWith('access-control-')));
}

describe('security headers', () => {
  it('are exactly the headers helmet sends with the same options, on answers and on errors', async () => {
    const service = await testService();
    const reference = helmetApp();
    const ours = await request(service.app).get('/cds-services').expect(200);
    const theirs = await request(reference).get('/cds-services').expect(200);
    expect(securityPart(ours.headers as Record<string, string>)).toEqual(securityPart(theirs.headers as Record<string, string>));
    expect(Object.keys(securityPart(ours.headers as Record<string, string>))).toEqual(expect.arrayContaining(['content-security-policy', 'strict-transport-security', 'x-frame-options', 'cross-origin-resource-policy']));
    // The policy itself, pinned: the comparison with helmet above follows HELMET_OPTIONS, whatever they say.
    expect(ours.headers['content-security-policy']).toBe(
      "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self';upgrade-insecure-requests",
    );
    expect(ours.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(ours.headers['x-frame-options']).toBe('SAMEORIGIN');

    const oursBad = await request(service.app).post('/cds-services/hcc-patient-view').send({ ...patientViewRequest(), hook: 42 }).expect(400);
    const theirsBad = await request(reference).post('/cds-services/hcc-patient-view').send({}).expect(400);
    expect(securityPart(oursBad.headers as Record<string, string>)).toEqual(securityPart(theirsBad.headers as Record<string, string>));
    expect(oursBad.headers['x-powered-by']).toBeUndefined();
    await service.close();
  });
});
