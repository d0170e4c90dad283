/**
 * The store contract, one suite run against every backend (sqlite-store.test.ts, postgres-store.test.ts): what the
 * HTTP layer and the governance report rely on must not depend on where the data lives.
 */
import { randomUUID } from 'node:crypto';
import type { FeedbackItem } from '../../src/cds-hooks/types.js';
import { StoreUnavailableError, type IssuedCard, type Store } from '../../src/store/types.js';

export interface StoreFactory {
  /** A store on a fresh database; `now` drives the replay cache's clock. */
  open(options?: { now?: () => number; quota?: number }): Promise<Store>;
  /** A second store on the same database as `open` last made (another process, as far as the data can tell). */
  openSibling(options?: { now?: () => number; quota?: number }): Promise<Store>;
}

const at = (day: number, hour = 10): string => new Date(Date.UTC(2026, 10, day, hour)).toISOString();

function card(overrides: Partial<IssuedCard> = {}): IssuedCard {
  return {
    uuid: randomUUID(),
    serviceId: 'hcc-patient-view',
    hook: 'patient-view',
    hookInstance: randomUUID(),
    ruleId: 'SURV-OVERDUE',
    indicator: 'warning',
    mode: 'shown',
    issuedAt: at(1),
    patientPseudonym: 'pseudonym-1',
    fingerprint: 'fp-1',
    ...overrides,
  };
}

const accepted = (cardId: string, timestamp: string, ids: string[] = []): FeedbackItem => ({
  card: cardId,
  outcome: 'accepted',
  outcomeTimestamp: timestamp,
  ...(ids.length > 0 ? { acceptedSuggestions: ids.map((id) => ({ id })) } : {}),
});
const overridden = (cardId: string, timestamp: string, code?: string): FeedbackItem => ({
  card: cardId,
  outcome: 'overridden',
  outcomeTimestamp: timestamp,
  ...(code ? { overrideReason: { reason: { system: 'http://example.org/reasons', code, display: `reason ${code}` }, userComment: 'c' } } : {}),
});

export function describeStore(name: string, factory: StoreFactory): void {
  describe(`the ${name} store`, () => {
    const open: Store[] = [];
    const track = (store: Store): Store => {
      open.push(store);
      return store;
    };
    const fresh = async (options?: { now?: () => number; quota?: number }): Promise<Store> => track(await factory.open(options));
    const sibling = async (options?: { now?: () => number; quota?: number }): Promise<Store> => track(await factory.openSibling(options));
    afterEach(async () => {
      for (const store of open.splice(0)) await store.close();
    });

    describe('feedback', () => {
      it('stores batches, duplicates once (whatever the key order or suggestion order), lists them oldest first as sent', async () => {
        const store = await fresh();
        const first = { card: 'c1', outcome: 'overridden' as const, outcomeTimestamp: '2026-11-01T10:00:00Z', overrideReason: { reason: { system: 's', code: 'x' }, userComment: 'y' } };
        const reordered = { overrideReason: { userComment: 'y', reason: { code: 'x', system: 's' } }, outcomeTimestamp: '2026-11-01T10:00:00Z', card: 'c1', outcome: 'overridden' as const };
        const second = { card: 'c2', outcome: 'accepted' as const, outcomeTimestamp: '2026-11-01T11:00:00Z', acceptedSuggestions: [{ id: 'a' }, { id: 'b' }], extension: { 'x-site': 1 } };
        const secondShuffled = { ...second, acceptedSuggestions: [{ id: 'b' }, { id: 'a' }] };
        expect(await store.feedback.add('svc', [first, second])).toBe(2);
        expect(await store.feedback.add('svc', [reordered, secondShuffled, { ...first, card: 'c3' }])).toBe(1);
        expect(await store.feedback.add('svc', [{ ...first, card: 'c4' }, { ...first, card: 'c4' }])).toBe(1);
        expect(await store.feedback.list('svc')).toEqual([first, second, { ...first, card: 'c3' }, { ...first, card: 'c4' }]);
        // Exactly as sent: key order kept.
        expect(Object.keys((await store.feedback.list('svc'))[1]!)).toEqual(Object.keys(second));
        expect(await store.feedback.list('another')).toEqual([]);
        expect(await store.feedback.add('another', [first])).toBe(1);
        expect(await store.feedback.list('another')).toEqual([first]);
      });

      it('keeps what no index could hold: a 250 kB comment, NUL and lone surrogates, an empty batch', async () => {
        const store = await fresh();
        const long = { card: 'c\u0000nul', outcome: 'overridden' as const, outcomeTimestamp: '2026-11-01T10:00:00Z', overrideReason: { userComment: 'y'.repeat(250_000) + '\ud800' } };
        expect(await store.feedback.add('svc', [long])).toBe(1);
        expect(await store.feedback.add('svc', [long])).toBe(0);
        expect(await store.feedback.add('svc', [])).toBe(0);
        const [stored] = await store.feedback.list('svc');
        expect(stored!.card).toBe('c\u0000nul');
        expect((stored!.overrideReason as { userComment: string }).userComment).toHaveLength(250_001);
      });

      it('is shared with every store opened on the same database', async () => {
        const a = await fresh();
        const b = await sibling();
        await a.feedback.add('svc', [accepted('c1', at(1))]);
        await b.feedback.add('svc', [accepted('c1', at(1)), accepted('c2', at(2))]);
        expect((await a.feedback.list('svc')).map((item) => item.card)).toEqual(['c1', 'c2']);
      });
    });

    describe('the issued-card log', () => {
      it('records cards once each and finds them by uuid', async () => {
        const store = await fresh();
        const shown = card({ iss: 'https://ehr.example.org', tenant: 't1', issuedAt: '2026-11-01T12:00:00+02:00', suggestions: [{ uuid: 's-1', label: 'Order AFP' }, { uuid: 's-2', label: 'Order liver ultrasound \u2013 "urgent"' }] });
        const silent = card({ mode: 'silent', ruleId: 'AFP-HIGH' });
        await store.cardLog.record([shown, silent]);
        await store.cardLog.record([{ ...shown, ruleId: 'CHANGED' }]);
        await store.cardLog.record([]);
        expect(await store.cardLog.find(shown.uuid)).toEqual({ ...shown, issuedAt: '2026-11-01T10:00:00.000Z' });
        expect(await store.cardLog.find(silent.uuid)).toEqual({ ...silent, issuedAt: at(1) });
        expect(await store.cardLog.find('no-such-card')).toBeUndefined();
        await expect(store.cardLog.record([card({ issuedAt: 'yesterday' })])).rejects.toThrow(TypeError);
      });

      it('gives each card in [from, to) with its latest feedback; counts orphaned feedback; purges old cards', async () => {
        const store = await fresh();
        const early = card({ issuedAt: at(1, 8) });
        const overriddenCard = card({ issuedAt: at(2) });
        const acceptedCard = card({ issuedAt: at(3), ruleId: 'AFP-HIGH', indicator: 'critical' });
        const silentCard = card({ issuedAt: at(4), mode: 'silent' });
        const outside = card({ issuedAt: at(9) });
        await store.cardLog.record([outside, silentCard, acceptedCard, overriddenCard, early]);
        await store.feedback.add('hcc-patient-view', [
          // Accepted first, overridden later (by timestamp, though it arrives first in the next batch): overridden wins.
          accepted(overriddenCard.uuid, '2026-11-02T10:05:00Z', ['s1']),
        ]);
        await store.feedback.add('hcc-patient-view', [
          overridden(overriddenCard.uuid, '2026-11-02T12:10:00+02:00', 'X'),
          overridden(overriddenCard.uuid, '2026-11-02T10:07:00Z', 'Y'),
          accepted(acceptedCard.uuid, '2026-11-03T11:00:00Z', ['s1', 's2']),
          // The legacy flat reason.
          { card: early.uuid, outcome: 'overridden', outcomeTimestamp: '2026-11-01T09:00:00Z', overrideReason: { code: 'Z', system: 'legacy' } },
        ]);
        await store.feedback.add('hcc-patient-view', [accepted('unknown-card', at(3)), accepted('unknown-card-2', at(3))], at(3));
        await store.feedback.add('hcc-patient-view', [accepted('unknown-late', at(12))], at(12));

        const outcomes = await store.cardLog.outcomes(at(1, 0), at(5, 0));
        expect(outcomes.map((o) => o.uuid)).toEqual([early.uuid, overriddenCard.uuid, acceptedCard.uuid, silentCard.uuid]);
        const [e, o, a, s] = outcomes;
        expect(o).toEqual({
          ...overriddenCard,
          feedbackItems: 3,
          latest: { outcome: 'overridden', outcomeTimestamp: '2026-11-02T12:10:00+02:00', overrideReason: { system: 'http://example.org/reasons', code: 'X', display: 'reason X' }, acceptedSuggestionIds: [] },
        });
        expect(a!.latest).toEqual({ outcome: 'accepted', outcomeTimestamp: '2026-11-03T11:00:00Z', acceptedSuggestionIds: ['s1', 's2'] });
        expect(e!.latest?.overrideReason).toEqual({ code: 'Z', system: 'legacy' });
        expect(s).toEqual({ ...silentCard, feedbackItems: 0 });
        expect('latest' in s!).toBe(false);
        // `to` is exclusive, `from` inclusive.
        expect((await store.cardLog.outcomes(at(2), at(3))).map((c) => c.uuid)).toEqual([overriddenCard.uuid]);

        expect(await store.cardLog.orphanFeedback(at(1, 0), at(5, 0))).toBe(2);
        expect(await store.cardLog.orphanFeedback(at(1, 0), at(30, 0))).toBe(3);
        expect(await store.cardLog.purgeBefore(at(3))).toBe(2);
        expect(await store.cardLog.find(early.uuid)).toBeUndefined();
        expect(await store.cardLog.find(acceptedCard.uuid)).toBeDefined();
      });
    });

    describe('snoozes', () => {
      it('holds one per rule and patient, the latest put winning, until it runs out', async () => {
        const store = await fresh();
        await store.snoozes.put({ ruleId: 'SURV-OVERDUE', patientPseudonym: 'p1', fingerprint: 'f1', untilIso: at(10) });
        await store.snoozes.put({ ruleId: 'AFP-HIGH', patientPseudonym: 'p1', fingerprint: 'f2', untilIso: at(3) });
        await store.snoozes.put({ ruleId: 'SURV-OVERDUE', patientPseudonym: 'p2', fingerprint: 'f3', untilIso: at(10) });
        await store.snoozes.put({ ruleId: 'SURV-OVERDUE', patientPseudonym: 'p1', fingerprint: 'f1-new', untilIso: '2026-11-12T12:00:00+02:00' });
        expect(await store.snoozes.active('p1', at(2))).toEqual([
          { ruleId: 'AFP-HIGH', patientPseudonym: 'p1', fingerprint: 'f2', untilIso: at(3) },
          { ruleId: 'SURV-OVERDUE', patientPseudonym: 'p1', fingerprint: 'f1-new', untilIso: at(12) },
        ]);
        expect((await store.snoozes.active('p1', at(3))).map((s) => s.ruleId)).toEqual(['SURV-OVERDUE']);
        expect(await store.snoozes.active('p1', at(12))).toEqual([]);
        expect(await store.snoozes.active('nobody', at(1))).toEqual([]);
        expect(await store.snoozes.purgeExpired(at(5))).toBe(1);
        expect((await store.snoozes.active('p2', at(5))).map((s) => s.fingerprint)).toEqual(['f3']);
      });
    });

    describe('the JWT replay cache', () => {
      it('accepts a jti once while its token lives, again after it expired; issuers are separate', async () => {
        const clock = { now: 1_800_000_000_000 };
        const store = await fresh({ now: () => clock.now });
        expect(await store.replay.seen('iss-a', 'j1', clock.now + 60_000)).toBe('accepted');
        expect(await store.replay.seen('iss-a', 'j1', clock.now + 60_000)).toBe('replay');
        expect(await store.replay.seen('iss-b', 'j1', clock.now + 60_000)).toBe('accepted');
        clock.now += 61_000;
        expect(await store.replay.seen('iss-a', 'j1', clock.now + 60_000)).toBe('accepted');
        expect(await store.replay.seen('iss-a', 'j1', clock.now + 60_000)).toBe('replay');
      });

      it('refuses an issuer over its quota, alone, until its tokens expire; a replay is still a replay', async () => {
        const clock = { now: 1_800_000_000_000 };
        const store = await fresh({ now: () => clock.now, quota: 3 });
        for (const jti of ['a', 'b', 'c']) expect(await store.replay.seen('flooder', jti, clock.now + 10_000)).toBe('accepted');
        expect(await store.replay.seen('flooder', 'd', clock.now + 10_000)).toBe('over-quota');
        expect(await store.replay.seen('flooder', 'a', clock.now + 10_000)).toBe('replay');
        expect(store.replay.size('flooder')).toBe(3);
        expect(await store.replay.seen('ehr', 'a', clock.now + 10_000)).toBe('accepted');
        clock.now += 11_000;
        expect(await store.replay.seen('flooder', 'd', clock.now + 10_000)).toBe('accepted');
      });

      it('refuses, in every store on the database, a token one of them accepted: exactly one of many racing wins', async () => {
        const a = await fresh();
        const b = await sibling();
        const expires = Date.now() + 60_000;
        expect(await a.replay.seen('iss', 'once', expires)).toBe('accepted');
        expect(await b.replay.seen('iss', 'once', expires)).toBe('replay');
        const verdicts = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).replay.seen('iss', 'raced', expires)));
        expect(verdicts.filter((v) => v === 'accepted')).toHaveLength(1);
        expect(verdicts.filter((v) => v === 'replay')).toHaveLength(19);
      });
    });

    it('answers ping, and once it cannot be reached every operation rejects with a 503 StoreUnavailableError', async () => {
      const store = await fresh();
      await expect(store.ping()).resolves.toBeUndefined();
      await store.close();
      for (const attempt of [
        () => store.ping(),
        () => store.feedback.add('svc', [accepted('c', at(1))]),
        () => store.feedback.list('svc'),
        () => store.cardLog.record([card()]),
        () => store.snoozes.active('p', at(1)),
        () => store.replay.seen('iss', randomUUID(), Date.now() + 60_000),
      ]) {
        const error = await attempt().then(() => undefined, (e: unknown) => e);
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect((error as StoreUnavailableError).kind).toBe('unavailable');
      }
    });
  });
}
