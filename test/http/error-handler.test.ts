import request from 'supertest';
import { OutcomeError } from '../../src/common/outcomes.js';
import { testService } from '../helpers/service.js';

/**
 * The last error handler cannot fail: when describing the error throws (an error that cannot be read, an answer that
 * cannot be serialised; before, a 3 MB body ended in `RangeError: Invalid string length` there), the client still
 * gets a JSON OperationOutcome, never Express's HTML page or an empty body.
 */
describe('the error handler', () => {
  const unreadable = new Proxy(
    {},
    {
      get() {
        throw new Error('this error cannot be read');
      },
    },
  );

  async function serviceWithFailingRoutes() {
    return testService({}, {
      extraRoutes: (app) => {
        app.get('/test/unreadable-error', () => {
          throw unreadable;
        });
        app.get('/test/unserialisable-answer', () => {
          throw new OutcomeError('invalid', { code: 'invalid', diagnostics: 10n as unknown as string });
        });
      },
    });
  }

  it.each(['/test/unreadable-error', '/test/unserialisable-answer'])('%s: a 500 OperationOutcome in JSON', async (path) => {
    const service = await serviceWithFailingRoutes();
    try {
      const res = await request(service.app).get(path);
      expect(res.status).toBe(500);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(res.text)).toEqual({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: 'internal error; the service log has the details' }] });
      // The service still answers afterwards.
      await request(service.app).get('/healthz').expect(200);
    } finally {
      await service.close();
    }
  });
});
