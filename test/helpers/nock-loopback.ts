import nock from 'nock';

/**
 * During each test of the calling block only loopback (supertest, local test servers) can be reached: every other
 * host exists only as nock interceptors, which are cleared after each test.
 */
export function onlyLoopbackAndInterceptors(): void {
  beforeEach(() => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
  });
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });
}
