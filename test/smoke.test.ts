import request from 'supertest';
import { testService } from './helpers/service.js';

describe('smoke', () => {
  it('answers discovery with the three hooks', async () => {
    const service = await testService();
    const res = await request(service.app).get('/cds-services').expect(200);
    expect(res.body.services.map((s: { hook: string }) => s.hook).sort()).toEqual(['order-select', 'order-sign', 'patient-view']);
    await service.close();
  });
});
