import { MemoryReplayStore } from '../../src/auth/replay-cache.js';

/** A store on a hand-driven clock. */
function store(quota: number) {
  const clock = { now: 0 };
  return { clock, replay: new MemoryReplayStore(quota, () => clock.now) };
}

describe('MemoryReplayStore (bounded jti memory, one partition per issuer)', () => {
  it('refuses a jti seen before while its token lives, and forgets it after expiry', async () => {
    const { clock, replay } = store(10);
    clock.now = 1000;
    expect(await replay.seen('ehr', 'a', 2000)).toBe('accepted');
    clock.now = 1999;
    expect(await replay.seen('ehr', 'a', 2000)).toBe('replay');
    clock.now = 2000;
    expect(await replay.seen('ehr', 'a', 5000)).toBe('accepted');
  });

  it('when an issuer is full of live tokens it fails closed for that issuer; expired entries make room', async () => {
    const { clock, replay } = store(3);
    clock.now = 1000;
    expect(await replay.seen('ehr', 'a', 1500)).toBe('accepted');
    expect(await replay.seen('ehr', 'b', 9000)).toBe('accepted');
    expect(await replay.seen('ehr', 'c', 9000)).toBe('accepted');
    clock.now = 1001;
    expect(await replay.seen('ehr', 'd', 9000)).toBe('over-quota');
    expect(replay.size('ehr')).toBe(3);
    // 'a' expired at 1500: it is swept and 'd' fits; live 'b' and 'c' are still remembered.
    clock.now = 1600;
    expect(await replay.seen('ehr', 'd', 9000)).toBe('accepted');
    clock.now = 1700;
    expect(await replay.seen('ehr', 'b', 9000)).toBe('replay');
    clock.now = 1800;
    expect(await replay.seen('ehr', 'e', 9000)).toBe('over-quota');
    expect(replay.size('ehr')).toBe(3);
  });

  it('an issuer over its quota does not refuse another issuer, and the same jti of two issuers are two tokens', async () => {
    const { replay } = store(2);
    expect(await replay.seen('flooder', 'x1', 9000)).toBe('accepted');
    expect(await replay.seen('flooder', 'x2', 9000)).toBe('accepted');
    expect(await replay.seen('flooder', 'x3', 9000)).toBe('over-quota');
    expect(await replay.seen('epic', 'x1', 9000)).toBe('accepted');
    expect(await replay.seen('epic', 'e2', 9000)).toBe('accepted');
    expect(replay.size('flooder')).toBe(2);
    expect(replay.size('epic')).toBe(2);
  });

  it('stays within its bound under a long stream of short-lived tokens', async () => {
    const { clock, replay } = store(1000);
    for (let i = 0; i < 50_000; i += 1) {
      clock.now = i * 10;
      expect(await replay.seen('ehr', `jti-${i}`, i * 10 + 300)).toBe('accepted');
    }
    expect(replay.size('ehr')).toBeLessThanOrEqual(1000);
  });
});
