import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startBuiltServer, type RunningServer } from '../helpers/spawn-server.js';
import { tempDir } from '../helpers/service.js';

/**
 * Nothing lost: feedback acknowledged with `200 {}` survives a `kill -9` of the built server (SQLite WAL,
 * synchronous=FULL, the answer sent only after the commit).
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
});
