/**
 * `npm run sandbox:check` as a test: the CDS Hooks Sandbox round trip (discovery, patient-view with fhirServer on the
 * loopback FHIR server, cards rendered, accept and dismiss feedback posted and read back, JWT on) in headless
 * Chromium against the repo's own client page (dev/cds-client/static/), launched like test/e2e/preview.test.ts.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/config.js';
import { describeInChromium } from '../helpers/browser.js';
import { cardsMismatch, runSandboxCheck } from '../../dev/cds-client/sandbox-check.js';




describeInChromium('the sandbox round-trip browser test', 'sandbox:check round trip in headless Chromium', () => {
  it('renders the fixture patient-view cards from the FHIR server and stores the accept and the dismiss sent from the page', async () => {
    const lines: string[] = [];
    mkdirSync(join(PACKAGE_ROOT, 'test-artifacts'), { recursive: true });
    const report = await runSandboxCheck({
      patientId: 'hcc-resection-afp',
      screenshotPath: join(PACKAGE_ROOT, 'test-artifacts', 'sandbox-check.png'),
      log: (line) => lines.push(line),
    });
    console.log(`sandbox:check\n${lines.join('\n')}${report.failure ? `\nFAILED: ${report.failure}` : ''}`);
    expect(report.failure).toBeUndefined();
    expect(report.ok).toBe(true);
    expect(report.cards.map((card) => `${card.rule}:${card.indicator}`).sort()).toEqual(['FU-POST-RESECTION-AFP:warning', 'FU-POST-RESECTION-VIRAL:info']);
    const outcomes = report.feedback.map((item) => item.outcome).sort();
    expect(outcomes).toEqual(['accepted', 'overridden']);
    const accepted = report.feedback.find((item) => item.outcome === 'accepted');
    expect(accepted?.acceptedSuggestions).toHaveLength(1);
    expect(new Set(report.feedback.map((item) => item.card)).size).toBe(2);
    expect(lines.some((line) => /discovery without a token: 401/.test(line))).toBe(true);
  }, 90_000);

  it('fails on a refused client with the 401 reason from the service log', async () => {
    const report = await runSandboxCheck({ patientId: 'hcc-surv-overdue', signAs: 'https://unregistered.example.org' });
    expect(report.ok).toBe(false);
    expect(report.failure).toMatch(/HTTP 401/);
    expect(report.failure).toMatch(/authFailure: unknown-iss/);
  }, 90_000);
});

describe('sandbox:check reports what went wrong', () => {
  it('names a patient that is not a fixture, or has no patient-view card, without starting anything', async () => {
    const report = await runSandboxCheck({ patientId: 'no-such-patient' });
    expect(report.ok).toBe(false);
    expect(report.failure).toMatch(/no-such-patient is not a fixture patient/);
    const noCards = await runSandboxCheck({ patientId: 'hcc-tace-cpc' });
    expect(noCards.failure).toMatch(/hcc-tace-cpc has no patient-view cards to accept or dismiss; use one of .*hcc-surv-overdue/);
  });

  it('compares rendered cards with the manifest: alerts exactly, info present', () => {
    const expected = { alerts: [{ ruleId: 'SURV-OVERDUE', indicator: 'warning' as const }], info: ['FU-X'] };
    expect(cardsMismatch([{ rule: 'SURV-OVERDUE', indicator: 'warning' }, { rule: 'FU-X', indicator: 'info' }], expected)).toBeUndefined();
    expect(cardsMismatch([], expected)).toMatch(/expected alerts \[SURV-OVERDUE:warning\], rendered \[\]/);
    expect(cardsMismatch([{ rule: 'SURV-OVERDUE', indicator: 'critical' }, { rule: 'FU-X', indicator: 'info' }], expected)).toMatch(/rendered \[SURV-OVERDUE:critical\]/);
    expect(cardsMismatch([{ rule: 'SURV-OVERDUE', indicator: 'warning' }], expected)).toMatch(/info cards FU-X/);
  });
});
