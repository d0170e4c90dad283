import request from 'supertest';
import { testService } from '../helpers/service.js';
import { patientViewRequest } from '../helpers/requests.js';

describe('CORS', () => {
  it.each(['/cds-services', '/cds-services/hcc-patient-view', '/cds-services/hcc-patient-view/feedback'])(
    'answers the preflight on %s without authentication',
    async (path) => {
      const service = await testService();
      const res = await request(service.app)
        .options(path)
        .set('Origin', 'https://sandbox.cds-hooks.org')
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'authorization,content-type');
      expect(res.status).toBeGreaterThanOrEqual(200);
      expect(res.status).toBeLessThan(300);
      const allowHeaders = String(res.headers['access-control-allow-headers']).toLowerCase();
      expect(allowHeaders).toContain('authorization');
      expect(allowHeaders).toContain('content-type');
      expect(String(res.headers['access-control-allow-methods'])).toEqual(expect.stringContaining('POST'));
      expect(String(res.headers['access-control-allow-methods'])).toEqual(expect.stringContaining('GET'));
      expect(res.headers['access-control-allow-origin']).toBeDefined();
      await service.close();
    },
  );

  it('puts CORS headers on POST answers and on errors too', async () => {
    const service = await testService();
    const ok = await request(service.app).post('/cds-services/hcc-patient-view').set('Origin', 'https://ehr.example.org').send(patientViewRequest()).expect(200);
    expect(ok.headers['access-control-allow-origin']).toBe('*');
    const bad = await request(service.app).post('/cds-services/hcc-patient-view').set('Origin', 'https://ehr.example.org').send({}).expect(400);
    expect(bad.headers['access-control-allow-origin']).toBe('*');
    await service.close();
  });

  it('limits origins to CORS_ORIGINS when set', async () => {
    const service = await testService({ CORS_ORIGINS: 'https://ehr.example.org' });
    const allowed = await request(service.app).get('/cds-services').set('Origin', 'https://ehr.example.org');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://ehr.example.org');
    const other = await request(service.app).get('/cds-services').set('Origin', 'https://evil.example.com');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    await service.close();
  });

  it('sends security headers (helmet) and JSON content types', async () => {
    const service = await testService();
    const res = await request(service.app).get('/cds-services').expect(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    await service.close();
  });
});
