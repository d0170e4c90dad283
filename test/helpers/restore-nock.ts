/**
 * Runs after each test file (jest setupFilesAfterEnv). Importing nock patches node:http's request functions, and
 * jest shares node:http between the test files of one worker: without this, each file that used nock would leave its
 * interceptor wrapped around the next files' requests (one more fake socket and fake agent per file, so no pooling,
 * and errors re-emitted where nobody listens). The import is nock's module of this file, the one the file activated.
 */
afterAll(async () => {
  const { default: nock } = await import('nock');
  if (nock.isActive()) nock.restore();
});
