import { cardInvariantViolations } from '../../src/cds-hooks/card-invariants.js';
import type { FixtureHook, ManifestEntry } from '../../dev/fixtures/fixtures.js';

export const SERVICE_IDS: Record<FixtureHook, string> = {
  'patient-view': 'hcc-patient-view',
  'order-select': 'hcc-tace-order-select',
  'order-sign': 'hcc-tace-order-sign',
};
export const HOOKS = Object.keys(SERVICE_IDS) as FixtureHook[];

/** The manifest's acceptance rule: warning+critical sets exactly equal, listed info cards present, every card conformant. */
export function expectManifestCards(cards: Array<Record<string, any>>, fixture: ManifestEntry, hook: FixtureHook): void {
  for (const card of cards) expect(cardInvariantViolations(card)).toEqual([]);
  const alerts = cards.filter((c) => c.indicator !== 'info').map((c) => `${c.source.topic.code}:${c.indicator}`).sort();
  const expected = fixture.expected[hook];
  expect(alerts).toEqual(expected.alerts.map((a) => `${a.ruleId}:${a.indicator}`).sort());
  const info = cards.filter((c) => c.indicator === 'info').map((c) => c.source.topic.code);
  for (const id of expected.info) expect(info).toContain(id);
}
