import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CITATIONS } from '../../src/knowledge/citations.js';
import { DEFAULT_SETTINGS, SETTING_DEFINITIONS, SETTING_KEYS } from '../../src/knowledge/settings.js';
import { StartupError } from '../../src/common/startup.js';
import { settingsFromPolicy } from '../../src/knowledge/site-policy.js';
import { loadSettings } from '../../src/site-files.js';
import { testService } from '../helpers/service.js';

describe('settings', () => {
  it('defaults of clinical-rules.md §3', () => {
    expect(DEFAULT_SETTINGS).toMatchObject({
      labFreshnessDays: 14, ecogFreshnessDays: 30, imagingFindingFreshnessDays: 60, surveillanceIntervalDays: 183, pregnancyStatusFreshnessDays: 280,
      bilirubinHighMgDl: 3.0, bilirubinElevatedMgDl: 2.0, inrMax: 1.8, plateletsMin: 60, wbcMin: 3.0, creatinineMaxMgDl: 2.0, egfrMin: 30,
      tumorBurdenCriticalPct: 70, tumorBurdenInfoPct: 50, taceRepeatIntervalDays: 35, reimageWindowDays: 365, postTaceImagingFromDays: 28,
      postTaceImagingToDays: 42, resectionAfpNormaliseDays: 60, preoperativeAfpDays: 90, resectionWindowDays: 365, afpUlnNgMl: 20, afpHighNgMl: 400,
      adultAgeYears: 18, maleSurveillanceAgeYears: 40, femaleSurveillanceAgeYears: 50, strictAscitesHe: false,
    });
  });
  it('every setting has a source from the citation list, and cited URLs are absolute', () => {
    for (const key of SETTING_KEYS) {
      expect(SETTING_DEFINITIONS[key].sources.length).toBeGreaterThan(0);
      for (const source of SETTING_DEFINITIONS[key].sources) expect(CITATIONS[source]).toBeDefined();
    }
    for (const c of Object.values(CITATIONS)) if (c.url) expect(new URL(c.url).protocol).toMatch(/^https?:$/);
  });
});

describe('site policy', () => {
  it('changes settings (INR 1.5, male age 35)', () => {
    const s = settingsFromPolicy({ inrMax: 1.5, maleSurveillanceAgeYears: 35, comment: 'stricter site' });
    expect(s.inrMax).toBe(1.5);
    expect(s.maleSurveillanceAgeYears).toBe(35);
    expect(s.plateletsMin).toBe(60);
  });
  it.each([
    [{ inrMax: 'high' }, /inrMax must be number/],
    [{ inrMaximum: 1.5 }, /unknown setting "inrMaximum"/],
    [{ labFreshnessDays: 7.5 }, /labFreshnessDays must be integer/],
    [{ plateletsMin: -1 }, /plateletsMin must be >= 0/],
    [{ bilirubinElevatedMgDl: 4 }, /"bilirubinElevatedMgDl" \(4\) must not exceed "bilirubinHighMgDl"/],
    [[], /must be object/],
  ])('rejects %j naming the field', (policy, message) => {
    expect(() => settingsFromPolicy(policy)).toThrow(StartupError);
    expect(() => settingsFromPolicy(policy)).toThrow(message);
  });
  it('loads a file; bad JSON or a bad field stops start-up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'policy-'));
    writeFileSync(join(dir, 'good.json'), JSON.stringify({ inrMax: 1.5 }));
    writeFileSync(join(dir, 'bad.json'), '{"inrMax": ');
    writeFileSync(join(dir, 'field.json'), JSON.stringify({ egfrMin: 'x' }));
    expect(loadSettings(join(dir, 'good.json')).inrMax).toBe(1.5);
    expect(loadSettings(undefined)).toBe(DEFAULT_SETTINGS);
    expect(() => loadSettings(join(dir, 'bad.json'))).toThrow(/SITE_POLICY_FILE .*bad\.json: not valid JSON/);
    expect(() => loadSettings(join(dir, 'missing.json'))).toThrow(/SITE_POLICY_FILE .*missing\.json: cannot be read \(ENOENT\)/);
    await expect(testService({ SITE_POLICY_FILE: join(dir, 'field.json') })).rejects.toThrow(/SITE_POLICY_FILE .*field\.json: egfrMin must be number/);
  });
});

describe('README rules and settings tables', () => {
  it('lists every rule id and every setting key', async () => {
    const { readFileSync } = await import('node:fs');
    const { loadRuleCatalog } = await import('../../src/rule-files.js');
    const ALL_RULE_IDS = (await loadRuleCatalog()).ids;
    const doc = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const id of ALL_RULE_IDS) expect(doc).toContain(`| \`${id}\` |`);
    for (const key of SETTING_KEYS) expect(doc).toContain(`| \`${key}\` | ${String(DEFAULT_SETTINGS[key])}`);
  });
});
