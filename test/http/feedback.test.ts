import { join } from 'node:path';
import request from 'supertest';
import { composeService } from '../../src/compose.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/http/logger.js';
import { example } from '../helpers/requests.js';
import { tempDir, testService } from '../helpers/service.js';

const FEEDBACK = '/cds-services/hcc-tace-order-select/feedback';

describe('feedback', () => {
  it('stores the spec feedback shapes and returns them oldest first', async () => {
    const service = await testService();
    const accepted = example('spec-feedback-accepted');
    const withReason = example('spec-feedback-overridden-with-reason');
    const noReason = example('spec-feedback-overridden-no-reason');
    for (const body of [accepted, withReason, noReason]) {
      const res = await request(service.app).post(FEEDBACK).send(body).expect(200);
      expect(res.body).toEqual({});
    }
    const stored = await request(service.app).get(FEEDBACK).expect(200);
    expect(stored.body.feedback.map((f: { card: string }) => f.card)).toEqual([accepted.feedback[0].card, withReason.feedback[0].card, noReason.feedback[0].card]);
    // Exactly what was sent, nothing added.
    expect(stored.body.feedback[0]).toEqual(accepted.feedback[0]);
    expect(stored.body.feedback[1].overrideReason.reason.code).toBe('d7ecf885');
    expect(stored.body.feedback[1].overrideReason.userComment).toBe('A comment entered by the clinician.');
    // Feedback is per service.
    expect((await request(service.app).get('/cds-services/hcc-patient-view/feedback').expect(200)).body).toEqual({ feedback: [] });
    await service.close();
  });

  it('tolerates the legacy flat overrideReason and the Sandbox shapes', async () => {
    const service = await testService();
    await request(service.app).post(FEEDBACK).send(example('sandbox-feedback-with-reason')).expect(200);
    await request(service.app).post(FEEDBACK).send(example('sandbox-feedback-no-reason')).expect(200);
    const legacy = { feedback: [{ card: 'c-legacy', outcome: 'overridden', overrideReason: { code: 'patient-declined', system: 'https://example.org/reasons' }, outcomeTimestamp: '2026-11-23T10:00:00Z' }] };
    await request(service.app).post(FEEDBACK).send(legacy).expect(200);
    expect((await request(service.app).get(FEEDBACK)).body.feedback).toHaveLength(3);
    await service.close();
  });

  it('stores duplicates once and a batch atomically', async () => {
    const service = await testService();
    const item = { card: 'card-1', outcome: 'overridden', outcomeTimestamp: '2026-11-23T10:00:00Z' };
    await request(service.app).post(FEEDBACK).send({ feedback: [item, item] }).expect(200);
    await request(service.app).post(FEEDBACK).send({ feedback: [item] }).expect(200);
    await request(service.app).post(FEEDBACK).send({ feedback: [{ ...item, outcomeTimestamp: '2026-11-23T10:05:00Z' }] }).expect(200);
    expect((await request(service.app).get(FEEDBACK)).body.feedback).toHaveLength(2);
    await service.close();
  });

  it('a duplicate sent with its JSON keys in another order, or its accepted suggestions reordered, is still stored once', async () => {
    const service = await testService();
    const overridden = { card: 'card-2', outcome: 'overridden', outcomeTimestamp: '2026-11-23T10:00:00Z', overrideReason: { reason: { system: 's', code: 'x' }, userComment: 'seen' } };
    const reordered = { overrideReason: { userComment: 'seen', reason: { code: 'x', system: 's' } }, outcomeTimestamp: '2026-11-23T10:00:00Z', outcome: 'overridden', card: 'card-2' };
    const accepted = { card: 'card-3', outcome: 'accepted', outcomeTimestamp: '2026-11-23T10:00:00Z', acceptedSuggestions: [{ id: 'a' }, { id: 'b' }] };
    await request(service.app).post(FEEDBACK).send({ feedback: [overridden, accepted] }).expect(200);
    await request(service.app).post(FEEDBACK).send({ feedback: [reordered, { ...accepted, acceptedSuggestions: [{ id: 'b' }, { id: 'a' }] }] }).expect(200);
    await request(service.app).post(FEEDBACK).send({ feedback: [{ ...overridden, overrideReason: { reason: { system: 's', code: 'y' } } }] }).expect(200);
    expect((await request(service.app).get(FEEDBACK)).body.feedback.map((f: { card: string }) => f.card)).toEqual(['card-2', 'card-3', 'card-2']);
    await service.close();
  });

  it.each([
    ['no feedback array', {}],
    ['an empty batch', { feedback: [] }],
    ['an unknown outcome', { feedback: [{ card: 'c', outcome: 'ignored', outcomeTimestamp: '2026-11-23T10:00:00Z' }] }],
    ['accepted without acceptedSuggestions', { feedback: [{ card: 'c', outcome: 'accepted', outcomeTimestamp: '2026-11-23T10:00:00Z' }] }],
    ['no outcomeTimestamp', { feedback: [{ card: 'c', outcome: 'overridden' }] }],
    ['a timestamp that is not ISO 8601', { feedback: [{ card: 'c', outcome: 'overridden', outcomeTimestamp: 'yesterday' }] }],
    ['no card', { feedback: [{ outcome: 'overridden', outcomeTimestamp: '2026-11-23T10:00:00Z' }] }],
    ['an empty overrideReason', { feedback: [{ card: 'c', outcome: 'overridden', overrideReason: {}, outcomeTimestamp: '2026-11-23T10:00:00Z' }] }],
    ['a JSON array', [{ card: 'c' }]],
  ])('400 OperationOutcome for %s, and nothing stored', async (_name, body) => {
    const service = await testService();
    const res = await request(service.app).post(FEEDBACK).send(body as object).expect(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect((await request(service.app).get(FEEDBACK)).body.feedback).toEqual([]);
    await service.close();
  });

  it('404 for feedback to an unknown service', async () => {
    const service = await testService();
    await request(service.app).post('/cds-services/nope/feedback').send(example('spec-feedback-accepted')).expect(404);
    await request(service.app).get('/cds-services/nope/feedback').expect(404);
    await service.close();
  });

  it('FEEDBACK_DB=:memory: is an in-memory database, not a file named ":memory:" in the working directory', () => {
    expect(loadConfig({ NODE_ENV: 'test', FEEDBACK_DB: ':memory:' }).feedbackDbPath).toBe(':memory:');
    expect(loadConfig({ NODE_ENV: 'test', FEEDBACK_DB: 'data/x.sqlite' }).feedbackDbPath).toBe(join(process.cwd(), 'data', 'x.sqlite'));
  });

  it('survives a restart against the same database file', async () => {
    const path = join(tempDir(), 'feedback.sqlite');
    const config = loadConfig({ NODE_ENV: 'test', FEEDBACK_DB: path });
    const first = await composeService(config, createLogger('silent'), { defaultMetrics: false });
    await request(first.app).post(FEEDBACK).send(example('spec-feedback-accepted')).expect(200);
    await first.close();

    const second = await composeService(config, createLogger('silent'), { defaultMetrics: false });
    const res = await request(second.app).get(FEEDBACK).expect(200);
    expect(res.body.feedback).toHaveLength(1);
    expect(res.body.feedback[0].card).toBe('4e0a3a1e-3283-4575-ab82-028d55fe2719');
    await request(second.app).post(FEEDBACK).send(example('spec-feedback-accepted')).expect(200);
    expect((await request(second.app).get(FEEDBACK)).body.feedback).toHaveLength(1);
    await second.close();
  });
});
