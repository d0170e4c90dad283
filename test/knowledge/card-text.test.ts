/**
 * Card text a clinician reads: every card of every fixture on every hook (prefetch road, through HTTP) is scanned for
 * raw UCUM (`{INR}`, `10*9/L`), the internal word "seed", internal wording, a visible `\|`, links that are not https
 * or not on the reference allow-list, and any Markdown link or image in `detail` that the citation code did not make.
 */
import { writeFileSync } from 'node:fs';
import request from 'supertest';
import { calendarDate } from '../../src/common/calendar.js';
import { compileValidators } from '../../src/cds-hooks/schemas.js';
import { loadServiceRegistry } from '../../src/cds-hooks/service-registry.js';
import { fixtureHookRequest, loadFixture, loadManifest } from '../../dev/fixtures/fixtures.js';
import { cardTextProblems } from '../helpers/card-text.js';
import { HOOKS, SERVICE_IDS } from '../helpers/manifest-check.js';
import { testService } from '../helpers/service.js';

describe('card text of every fixture on every hook', () => {
  const NOW = new Date();
  const TODAY = calendarDate(NOW, 'UTC');
  const manifest = loadManifest();
  const registry = loadServiceRegistry(new URL('../../hooks', import.meta.url).pathname, compileValidators());
  let service: Awaited<ReturnType<typeof testService>>;
  beforeAll(async () => {
    service = await testService({}, { now: () => NOW });
  });
  afterAll(async () => service.close());

  it('has no raw UCUM, no "seed", no internal wording, no raw codes, and only https citation links on the allow-list', async () => {
    const problems: string[] = [];
    const dump: string[] = [];
    let cards = 0;
    for (const fixture of manifest.fixtures) {
      for (const hook of HOOKS) {
        const definition = registry.services.find((s) => s.id === SERVICE_IDS[hook])!;
        const body = fixtureHookRequest(fixture, hook, definition.prefetch, loadFixture(fixture.name, TODAY));
        const res = await request(service.app).post(`/cds-services/${SERVICE_IDS[hook]}`).send(body).expect(200);
        for (const card of res.body.cards as Array<Record<string, any>>) {
          cards += 1;
          problems.push(...cardTextProblems(card).map((p) => `${fixture.name} ${hook} ${p}`));
          dump.push(`## ${fixture.name} ${hook} ${card.source.topic.code} (${card.indicator})\n${card.summary}\n\n${card.detail ?? ''}\n`);
        }
      }
    }
    if (process.env.CARD_TEXT_DUMP) writeFileSync(process.env.CARD_TEXT_DUMP, dump.join('\n'));
    expect(cards).toBeGreaterThan(100);
    expect([...new Set(problems)]).toEqual([]);
  });
});
