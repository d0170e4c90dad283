import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startBuiltServer, type RunningServer } from '../helpers/spawn-server.js';
import { randomUUID as hookInstance } from 'node:crypto';
import { Registry } from 'prom-client';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/http/logger.js';
import { openStore } from '../../src/store/open-store.js';
import { afpObservation, overduePatientView } from '../helpers/requests.js';
import { tempDir } from '../helpers/service.js';

/**
 * Nothing lost: feedback acknowledged with `200 {}`, and the issued-card log of every hook call answered, survive a
 * `kill -9` of the built server (SQLite WAL, synchronous=FULL, the answer sent only after the commit).
 */
const FEEDBACK = '/cds-services/hcc-patient-view/feedback';

function batch(size: number): { feedback: Record<string, unknown>[] } {
  return {
    feedback: Array.from({ length: size }, (_, i) =>
      i % 2 === 0
        ? { card: randomUUID(), outcome: 'accepted', acceptedSuggestions: [{ id: randomUUID() }], outcomeTimestamp: new Date().toISOString() }
        : { card: randomUUID(), outcome: 'overridden', overrideReason: { userComment: `comment ${i}` }, outcomeTimestamp: new Date().toISOString() },
    ),
  };
}

async function post(server: RunningServer, body: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(server.baseUrl + FEEDBACK, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, text: await res.text() };
}

async function storedCards(server: RunningServer): Promise<string[]> {
  const res = await fetch(server.baseUrl + FEEDBACK);
  expect(res.status).toBe(200);
  return ((await res.json()) as { feedback: { card: string }[] }).feedback.map((item) => item.card);
}

describe('kill -9 durability', () => {
  it('every feedback item answered 200 {} is there after kill -9 and restart', async () => {
    const db = join(tempDir('hcc-cds-durability-'), 'feedback.sqlite');
    const first = await startBuiltServer({ FEEDBACK_DB: db });
    const acknowledged: string[] = [];
    let killed = false;
    try {
      // Sequential batches: each acknowledged before the next is sent.
      for (let i = 0; i < 10; i += 1) {
        const body = batch(3);
        const res = await post(first, body);
        expect(res).toEqual({ status: 200, text: '{}' });
        acknowledged.push(...body.feedback.map((item) => item.card as string));
      }
      // Then a burst, killed while requests are still in flight: whatever was acknowledged must survive.
      const burst = Array.from({ length: 40 }, () => batch(2));
      const pending = burst.map(async (body) => {
        try {
          const res = await post(first, body);
          if (res.status === 200 && res.text === '{}' && !killed) acknowledged.push(...body.feedback.map((item) => item.card as string));
        } catch {
          // connection reset by the kill: not acknowledged
        }
      });
      await Promise.race([Promise.all(pending), new Promise((resolve) => setTimeout(resolve, 15))]);
      expect(existsSync(`${db}-wal`)).toBe(true);
      killed = true;
      first.child.kill('SIGKILL');
      await first.exited;
      await Promise.all(pending);
    } finally {
      if (first.child.exitCode === null && first.child.signalCode === null) first.child.kill('SIGKILL');
    }
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(acknowledged.length).toBeGreaterThanOrEqual(30);

    const second = await startBuiltServer({ FEEDBACK_DB: db });
    try {
      const cards = await storedCards(second);
      const stored = new Set(cards);
      expect(acknowledged.filter((card) => !stored.has(card))).toEqual([]);
      // Stored once each, oldest first: the sequential batches come first, in order.
      expect(new Set(cards).size).toBe(cards.length);
      expect(cards.slice(0, 30)).toEqual(acknowledged.slice(0, 30));
    } finally {
      expect(await second.stop('SIGTERM')).toBe(0);
    }
  });

  it('every card of a hook call answered 200 is in the issued-card log after kill -9', async () => {
    const db = join(tempDir('hcc-cds-durability-'), 'feedback.sqlite');
    const server = await startBuiltServer({ FEEDBACK_DB: db });
    const answered: string[] = [];
    let killed = false;
    const call = async (): Promise<void> => {
      try {
        const res = await fetch(`${server.baseUrl}/cds-services/hcc-patient-view`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(overduePatientView([afpObservation('afp-1', 35, new Date().toISOString().slice(0, 10))], hookInstance())) });
        if (res.status !== 200) return;
        const { cards } = (await res.json()) as { cards: { uuid: string }[] };
        if (!killed) answered.push(...cards.map((card) => card.uuid));
      } catch {
        // connection reset by the kill: not answered
      }
    };
    try {
      for (let i = 0; i < 10; i += 1) await call();
      expect(answered).toHaveLength(20);
      const pending = Array.from({ length: 40 }, call);
      await Promise.race([Promise.all(pending), new Promise((resolve) => setTimeout(resolve, 15))]);
      killed = true;
      server.child.kill('SIGKILL');
      await server.exited;
      await Promise.all(pending);
    } finally {
      if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    }
    expect(server.child.signalCode).toBe('SIGKILL');

    const store = await openStore(loadConfig({ NODE_ENV: 'test', FEEDBACK_DB: db }), { logger: createLogger('silent'), registry: new Registry() });
    try {
      const missing: string[] = [];
      for (const uuid of answered) if (!(await store.cardLog.find(uuid))) missing.push(uuid);
      expect(missing).toEqual([]);
      expect((await store.cardLog.find(answered[0]!))?.mode).toBe('shown');
    } finally {
      await store.close();
    }
  });
});
