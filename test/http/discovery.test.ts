import request from 'supertest';
import { emptyValuePaths } from '../../src/cds-hooks/card-invariants.js';
import { templateProblems } from '../../src/cds-hooks/prefetch/template.js';
import { testService } from '../helpers/service.js';

describe('GET /cds-services (discovery)', () => {
  it('lists one service per hook with id, hook, title, description and prefetch, and nothing internal', async () => {
    const service = await testService();
    const res = await request(service.app).get('/cds-services').expect(200).expect('Content-Type', /application\/json/);
    const services = res.body.services as Record<string, unknown>[];
    expect(services.map((s) => s.hook).sort()).toEqual(['order-select', 'order-sign', 'patient-view']);
    for (const entry of services) {
      expect(typeof entry.id).toBe('string');
      expect(typeof entry.title).toBe('string');
      expect(typeof entry.description).toBe('string');
      expect(Object.keys(entry).sort()).toEqual(expect.arrayContaining(['description', 'hook', 'id', 'prefetch', 'title']));
      expect(entry).not.toHaveProperty('ruleGroups');
      expect(entry).not.toHaveProperty('optionalPrefetch');
      expect(entry).not.toHaveProperty('file');
      for (const template of Object.values(entry.prefetch as Record<string, string>)) {
        expect(templateProblems(template)).toEqual([]);
      }
    }
    expect(emptyValuePaths(res.body)).toEqual([]);
    await service.close();
  });

  it('prefetches the data the rules need with CDS Hooks 2.0 tokens only', async () => {
    const service = await testService();
    const res = await request(service.app).get('/cds-services').expect(200);
    const patientView = (res.body.services as { hook: string; prefetch: Record<string, string> }[]).find((s) => s.hook === 'patient-view')!;
    expect(patientView.prefetch.patient).toBe('Patient/{{context.patientId}}');
    expect(patientView.prefetch.observations).toContain('http://loinc.org|1834-1');
    expect(patientView.prefetch.observations).toContain('urn:hcc-cds:local|pvtt-vp');
    expect(patientView.prefetch.observations).toContain('_sort=-date');
    expect(patientView.prefetch.conditions).toBe('Condition?patient={{context.patientId}}&_count=200');
    expect(patientView.prefetch.familyHistory).toContain('FamilyMemberHistory?patient={{context.patientId}}');
    await service.close();
  });
});
