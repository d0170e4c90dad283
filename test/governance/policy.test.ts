/** Pure parts of governance: pseudonym, fingerprint, rule modes and snooze policy, the report's period, the key setting. */
import { ConfigError, DEVELOPMENT_PSEUDONYM_KEY, loadConfig } from '../../src/config.js';
import { findingFingerprint } from '../../src/governance/fingerprint.js';
import { patientPseudonymizer, pseudonymKeyWarnings } from '../../src/governance/pseudonym.js';
import { reportRange, startOfCalendarDay } from '../../src/governance/report-range.js';
import { governancePolicyErrors, governancePolicyFrom, GovernancePolicyError, MAX_SNOOZE_DAYS, RuleModes } from '../../src/governance/rule-modes.js';
import type { Finding } from '../../src/knowledge/types.js';
import type { RuleCatalog } from '../../src/knowledge/rule-catalog.js';
import { loadRuleCatalog } from '../../src/rule-files.js';

let rules: RuleCatalog;
beforeAll(async () => {
  rules = await loadRuleCatalog();
});

describe('patient pseudonym', () => {
  const pseudonym = patientPseudonymizer('k'.repeat(32));

  it('is HMAC-SHA256 hex, stable for one key, different under another key, never the id', () => {
    const value = pseudonym('pat-123');
    expect(value).toMatch(/^[0-9a-f]{64}$/);
    expect(pseudonym('pat-123')).toBe(value);
    expect(patientPseudonymizer('another key of the same length..!')('pat-123')).not.toBe(value);
    expect(value).not.toContain('pat-123');
    expect(pseudonym('pat-124')).not.toBe(value);
  });

  it('is scoped by the client: the same id of two tenants or two issuers is two patients', () => {
    const a = pseudonym('123', { iss: 'https://ehr.example.org', tenant: 'north' });
    expect(pseudonym('123', { iss: 'https://ehr.example.org', tenant: 'south' })).not.toBe(a);
    expect(pseudonym('123', { iss: 'https://other.example.org', tenant: 'north' })).not.toBe(a);
    expect(pseudonym('123')).not.toBe(a);
    // No ambiguity from joining: ("a", "b|c") and ("a|b", "c") differ.
    expect(pseudonym('c', { iss: 'a', tenant: 'b|' })).not.toBe(pseudonym('c', { iss: 'a|', tenant: 'b' }));
  });

  it('PATIENT_PSEUDONYM_KEY: required under production in one line, the public development key otherwise, with a warning', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', CDS_ALLOW_UNAUTHENTICATED: 'true' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production', CDS_ALLOW_UNAUTHENTICATED: 'true' })).toThrow(/^NODE_ENV=production needs PATIENT_PSEUDONYM_KEY \(/);
    // Both missing: one line naming both, CDS_CLIENTS_FILE first (as before this setting existed).
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/^NODE_ENV=production needs CDS_CLIENTS_FILE .* and PATIENT_PSEUDONYM_KEY [^\n]*$/);
    const production = loadConfig({ NODE_ENV: 'production', CDS_ALLOW_UNAUTHENTICATED: 'true', PATIENT_PSEUDONYM_KEY: ' s3cret-key-that-is-long-enough-for-hmac ' });
    expect(production).toMatchObject({ patientPseudonymKey: 's3cret-key-that-is-long-enough-for-hmac', patientPseudonymKeySource: 'env' });
    expect(pseudonymKeyWarnings(production)).toEqual([]);
    const development = loadConfig({ NODE_ENV: 'development' });
    expect(development).toMatchObject({ patientPseudonymKey: DEVELOPMENT_PSEUDONYM_KEY, patientPseudonymKeySource: 'development-default' });
    expect(pseudonymKeyWarnings(development)).toEqual([expect.stringMatching(/PATIENT_PSEUDONYM_KEY is not set.*NOT private/)]);
    expect(pseudonymKeyWarnings(loadConfig({ PATIENT_PSEUDONYM_KEY: 'short' }))).toEqual([expect.stringMatching(/shorter than 32/)]);
    expect(loadConfig({ ADMIN_TOKEN: '  t0ken ' }).adminToken).toBe('t0ken');
    expect(loadConfig({ ADMIN_TOKEN: ' ' }).adminToken).toBeUndefined();
  });
});

describe('finding fingerprint', () => {
  const base: Finding = {
    ruleId: 'SURV-OVERDUE',
    indicator: 'warning',
    summary: 'HCC surveillance overdue: no liver imaging in the last 6 months (cirrhosis)',
    facts: [
      { label: 'Cirrhosis', value: 'Cirrhosis of liver (SNOMED CT 19943007)', date: '2020-01-01', resource: 'Condition/c1', note: 'clinical status active' },
      { label: 'AFP', value: '8 ng/mL', date: '2026-01-10', ageDays: 50, resource: 'Observation/afp1', threshold: '<= 183 days' },
    ],
    missing: ['Liver imaging: last US on 2025-05-01 (DiagnosticReport/us1) is 303 days old, older than 183 days'],
    assumptions: [],
    notes: ['Eligible for surveillance because: cirrhosis.'],
    sources: ['aasld2023'],
    suggestions: [],
  };
  const fp = findingFingerprint(base);

  it('is a short hex digest that ignores wording, thresholds, fact order and the passing of days', () => {
    expect(fp).toMatch(/^[0-9a-f]{24}$/);
    const tomorrow: Finding = {
      ...base,
      summary: 'other words',
      notes: ['another note'],
      facts: [{ ...base.facts[1]!, ageDays: 51, threshold: '<= 180 days', note: 'x' }, { ...base.facts[0]! }],
      missing: [base.missing[0]!.replace('303 days old', '304 days old')],
    };
    expect(findingFingerprint(tomorrow)).toBe(fp);
  });

  it('changes with a new AFP value or date, a new imaging date, another resource, rule or indicator', () => {
    const afp = base.facts[1]!;
    expect(findingFingerprint({ ...base, facts: [base.facts[0]!, { ...afp, value: '25 ng/mL' }] })).not.toBe(fp);
    expect(findingFingerprint({ ...base, facts: [base.facts[0]!, { ...afp, date: '2026-02-10' }] })).not.toBe(fp);
    expect(findingFingerprint({ ...base, facts: [base.facts[0]!, { ...afp, resource: 'Observation/afp2' }] })).not.toBe(fp);
    expect(findingFingerprint({ ...base, facts: [base.facts[0]!] })).not.toBe(fp);
    expect(findingFingerprint({ ...base, missing: ['Liver imaging: last US on 2025-06-01 (DiagnosticReport/us2) is 272 days old, older than 183 days'] })).not.toBe(fp);
    expect(findingFingerprint({ ...base, indicator: 'info' })).not.toBe(fp);
    expect(findingFingerprint({ ...base, ruleId: 'AFP-ELEVATED' })).not.toBe(fp);
  });
});

describe('rule modes and snooze policy', () => {
  it('refuses unknown rule ids and modes, bad shapes, out-of-range days and order-hook rules in snooze, naming each field', () => {
    const errors = governancePolicyErrors({
      ruleModes: { 'SURV-OVERDU': 'silent', 'AFP-HIGH': 'quiet', 'TACE-COAG': { default: 'off', services: { x: 'loud' }, extra: 1 }, 'DQ-UNIT': 3 },
      snoozeDaysAfterOverride: { 'SURV-OVERDUE': 181, 'AFP-HIGH': 1.5, 'TACE-CP-C': 7, 'DQ-UNIT': 5, NOPE: 1, 'FU-POST-TACE-IMAGING': -1 },
    }, { rules });
    expect(errors).toEqual([
      '"ruleModes.SURV-OVERDU": unknown rule id',
      '"ruleModes.AFP-HIGH": unknown mode "quiet" (use "active", "silent" or "off")',
      '"ruleModes.TACE-COAG.extra": unknown key (use "default", "services" or "issuers")',
      '"ruleModes.TACE-COAG.services.x": unknown mode "loud" (use "active", "silent" or "off")',
      '"ruleModes.DQ-UNIT": must be a mode ("active", "silent", "off") or {"default", "services", "issuers"}',
      `"snoozeDaysAfterOverride.SURV-OVERDUE": must be a whole number of days from 0 to ${MAX_SNOOZE_DAYS}, got 181`,
      `"snoozeDaysAfterOverride.AFP-HIGH": must be a whole number of days from 0 to ${MAX_SNOOZE_DAYS}, got 1.5`,
      '"snoozeDaysAfterOverride.TACE-CP-C": order-hook (TACE) safety cards are never snoozed',
      '"snoozeDaysAfterOverride.DQ-UNIT": only patient-view rules can be snoozed (DQ-UNIT also fires on order hooks)',
      '"snoozeDaysAfterOverride.NOPE": unknown rule id',
      `"snoozeDaysAfterOverride.FU-POST-TACE-IMAGING": must be a whole number of days from 0 to ${MAX_SNOOZE_DAYS}, got -1`,
    ]);
    expect(() => governancePolicyFrom({ ruleModes: { X: 'off' } }, { rules })).toThrow(GovernancePolicyError);
    expect(() => governancePolicyFrom({ ruleModes: { X: 'off' } }, { rules })).toThrow(/^site policy: "ruleModes.X": unknown rule id$/);
    expect(governancePolicyErrors({ ruleModes: [] }, { rules })).toEqual(['"ruleModes": must be an object of rule id to mode']);
    expect(governancePolicyErrors({ ruleModes: { 'SURV-OVERDUE': { services: { 'no-such-service': 'off' } } } }, { rules, serviceIds: ['hcc-surveillance'] })).toEqual(['"ruleModes.SURV-OVERDUE.services.no-such-service": unknown service id']);
    expect(governancePolicyErrors({ inrMax: 1.5 }, { rules })).toEqual([]);
  });

  it('keeps DQ-INCOMPLETE active: it cannot be silenced or switched off, for any service or client', () => {
    const refused = '"ruleModes.DQ-INCOMPLETE": always active (it is the card that says data were missing; silencing it would make incomplete data read as all clear)';
    for (const mode of ['silent', 'off', { default: 'active', services: { 'hcc-patient-view': 'silent' } }, { issuers: { x: 'off' } }]) {
      expect(governancePolicyErrors({ ruleModes: { 'DQ-INCOMPLETE': mode } }, { rules })).toEqual([refused]);
    }
    expect(governancePolicyErrors({ ruleModes: { 'DQ-INCOMPLETE': 'active' } }, { rules })).toEqual([]);
  });

  it('resolves the mode of a call: iss over service over the rule default over active', () => {
    const modes = new RuleModes(governancePolicyFrom({
      ruleModes: {
        'SURV-OVERDUE': 'silent',
        'AFP-ELEVATED': { default: 'silent', services: { 'hcc-surveillance': 'active', 'hcc-other': 'off' }, issuers: { 'https://pilot.example.org': 'off' } },
        'AFP-HIGH': { services: { 'hcc-other': 'silent' } },
        'TACE-COAG': 'active',
      },
      snoozeDaysAfterOverride: { 'SURV-OVERDUE': 30, 'AFP-HIGH': 0 },
    }, { rules }));
    expect(modes.modeOf('SURV-OVERDUE', 'any-service', 'https://any.example.org')).toBe('silent');
    expect(modes.modeOf('AFP-ELEVATED', 'hcc-surveillance')).toBe('active');
    expect(modes.modeOf('AFP-ELEVATED', 'hcc-other')).toBe('off');
    expect(modes.modeOf('AFP-ELEVATED', 'hcc-third')).toBe('silent');
    expect(modes.modeOf('AFP-ELEVATED', 'hcc-surveillance', 'https://pilot.example.org')).toBe('off');
    expect(modes.modeOf('AFP-HIGH', 'hcc-surveillance')).toBe('active');
    expect(modes.modeOf('AFP-HIGH', 'hcc-other')).toBe('silent');
    expect(modes.modeOf('TACE-CP-C', 'hcc-tace-sign')).toBe('active');
    expect(modes.snoozeDaysOf('SURV-OVERDUE')).toBe(30);
    expect(modes.snoozeDaysOf('AFP-HIGH')).toBe(0);
    expect(modes.snoozeDaysOf('TACE-COAG')).toBe(0);
    expect(modes.describeNotActive()).toEqual([
      'SURV-OVERDUE: silent',
      'AFP-HIGH: active (service hcc-other: silent)',
      'AFP-ELEVATED: silent (service hcc-surveillance: active, service hcc-other: off, iss https://pilot.example.org: off)',
    ]);
    expect(new RuleModes().modeOf('SURV-OVERDUE', 'x')).toBe('active');
  });
});

describe('report period', () => {
  it('reads inclusive calendar dates in the time zone as [start of from, start of the day after to)', () => {
    expect(reportRange({ from: '2026-03-02', to: '2026-03-04' }, 'Europe/Berlin')).toEqual({ from: '2026-03-02', to: '2026-03-04', fromIso: '2026-03-01T23:00:00.000Z', toIso: '2026-03-04T23:00:00.000Z' });
    // Across the spring clock change (29 March 2026 in Berlin) and a zone whose midnight was skipped (Santiago, 2026-09-06).
    expect(reportRange({ from: '2026-03-29', to: '2026-03-29' }, 'Europe/Berlin')).toMatchObject({ fromIso: '2026-03-28T23:00:00.000Z', toIso: '2026-03-29T22:00:00.000Z' });
    expect(startOfCalendarDay('2026-09-06', 'America/Santiago').toISOString()).toBe('2026-09-06T04:00:00.000Z');
    expect(reportRange({}, 'UTC', new Date('2026-03-10T12:00:00Z'))).toEqual({ to: '2026-03-10', fromIso: '1970-01-01T00:00:00.000Z', toIso: '2026-03-11T00:00:00.000Z' });
    expect(() => reportRange({ from: '2026-13-01' }, 'UTC')).toThrow(/"from" must be a calendar date/);
    expect(() => reportRange({ to: ['2026-01-01'] }, 'UTC')).toThrow(/"to" must be a calendar date YYYY-MM-DD, got given more than once/);
  });
});
