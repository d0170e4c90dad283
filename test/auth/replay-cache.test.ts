import { ReplayCache } from '../../src/auth/replay-cache.js';

describe('ReplayCache (bounded jti memory)', () => {
  it('refuses a jti seen before while its token lives, and forgets it after expiry', () => {
    const cache = new ReplayCache(10);
    expect(cache.checkAndRemember('a', 2000, 1000)).toBe('fresh');
    expect(cache.checkAndRemember('a', 2000, 1999)).toBe('replayed');
    expect(cache.checkAndRemember('a', 5000, 2000)).toBe('fresh');
  });

  it('when full of live tokens it fails closed; expired entries are evicted to make room', () => {
    const cache = new ReplayCache(3);
    expect(cache.checkAndRemember('a', 1500, 1000)).toBe('fresh');
    expect(cache.checkAndRemember('b', 9000, 1000)).toBe('fresh');
    expect(cache.checkAndRemember('c', 9000, 1000)).toBe('fresh');
    expect(cache.checkAndRemember('d', 9000, 1001)).toBe('full');
    expect(cache.size).toBe(3);
    // 'a' expired at 1500: it is swept and 'd' fits; live 'b' and 'c' are still remembered.
    expect(cache.checkAndRemember('d', 9000, 1600)).toBe('fresh');
    expect(cache.checkAndRemember('b', 9000, 1700)).toBe('replayed');
    expect(cache.checkAndRemember('e', 9000, 1800)).toBe('full');
    expect(cache.size).toBe(3);
  });

  it('stays within its bound under a long stream of short-lived tokens', () => {
    const cache = new ReplayCache(1000);
    for (let i = 0; i < 50_000; i += 1) {
      expect(cache.checkAndRemember(`jti-${i}`, i * 10 + 300, i * 10)).toBe('fresh');
    }
    expect(cache.size).toBeLessThanOrEqual(1000);
  });
});
