import { jest } from '@jest/globals';
import { createDataSettings } from '../../src/fhir/data-settings.js';
import type { LabConcept } from '../../src/record/record.js';
import { formatNumber, roundTo, UnitConverter, type QuantityInput } from '../../src/fhir/units.js';

const UCUM = 'http://unitsofmeasure.org';
const CONSOLE = ['log', 'info', 'warn', 'error', 'debug'] as const;
const converter = new UnitConverter(createDataSettings());
const q = (value: number, code?: string): QuantityInput => (code === undefined ? { value } : { value, system: UCUM, code });
const ok = (concept: LabConcept, input: QuantityInput) => {
  const result = converter.convert(concept, input);
  if (!result.ok) throw new Error(`${concept} ${JSON.stringify(input)} -> ${result.detail}`);
  return result;
};

describe('rounding', () => {
  it('rounds half away from zero without binary noise', () => {
    expect(roundTo(2.675, 2)).toBe(2.68);
    expect(roundTo(1.005, 2)).toBe(1.01);
    expect(roundTo(51.3 / 17.1, 2)).toBe(3);
    expect(roundTo(59.99999999999999, 0)).toBe(60);
    expect(roundTo(0.05, 1)).toBe(0.1);
    expect(roundTo(-2.675, 2)).toBe(-2.68);
  });

  it('returns values that already have no more decimals unchanged, and still rounds one step finer', () => {
    expect(roundTo(250, 0)).toBe(250);
    expect(roundTo(1.2, 1)).toBe(1.2);
    expect(roundTo(-3.5, 1)).toBe(-3.5);
    expect(roundTo(1.25, 1)).toBe(1.3);
    expect(roundTo(1.1 * 3, 1)).toBe(3.3);
    expect(roundTo(0.1 + 0.2, 2)).toBe(0.3);
  });

  it('rounds values written in exponent notation instead of turning them into NaN', () => {
    expect(roundTo(1e-7, 2)).toBe(0);
    expect(roundTo(2.5e-7, 1)).toBe(0);
    expect(roundTo(1e308, 2)).toBe(1e308);
    expect(roundTo(-1e-9, 2)).toBeCloseTo(0);
  });

  it('formats numbers without binary noise', () => {
    expect(formatNumber(250)).toBe('250');
    expect(formatNumber(0.1 + 0.2)).toBe('0.3');
    expect(formatNumber(-7)).toBe('-7');
  });
});

describe('unit conversion at the thresholds of clinical-rules.md §1.1 and the rules', () => {
  it.each([
    // bilirubin (R3, Child-Pugh): umol/L / 17.104, rounded to 0.01
    ['bilirubin', 51.3, 'umol/L', 3.0, 'mg/dL'],
    ['bilirubin', 34.2, 'umol/L', 2.0, 'mg/dL'],
    ['bilirubin', 51.4, 'umol/L', 3.01, 'mg/dL'],
    ['bilirubin', 34.1, 'umol/L', 1.99, 'mg/dL'],
    ['bilirubin', 3.0, 'mg/dL', 3.0, 'mg/dL'],
    ['bilirubin', 30, 'mg/L', 3.0, 'mg/dL'],
    ['bilirubin', 0.0513, 'mmol/L', 3.0, 'mg/dL'],
    // creatinine (R7): umol/L / 88.4
    ['creatinine', 176.8, 'umol/L', 2.0, 'mg/dL'],
    ['creatinine', 176.7, 'umol/L', 2.0, 'mg/dL'],
    ['creatinine', 176.3, 'umol/L', 1.99, 'mg/dL'],
    ['creatinine', 2.0, 'mg/dL', 2.0, 'mg/dL'],
    // albumin (Child-Pugh 3.5 / 2.8): g/L / 10
    ['albumin', 35, 'g/L', 3.5, 'g/dL'],
    ['albumin', 28, 'g/L', 2.8, 'g/dL'],
    ['albumin', 34.9, 'g/L', 3.49, 'g/dL'],
    ['albumin', 3.5, 'g/dL', 3.5, 'g/dL'],
    // platelets (R5 < 60): 10*3/uL = 10*9/L; /uL / 1000; round 1
    ['platelets', 60, '10*3/uL', 60, '10*9/L'],
    ['platelets', 60, '10*9/L', 60, '10*9/L'],
    ['platelets', 60000, '/uL', 60, '10*9/L'],
    ['platelets', 59499, '/uL', 59, '10*9/L'],
    ['platelets', 59500, '/mm3', 60, '10*9/L'],
    ['platelets', 60, '10*3/mm3', 60, '10*9/L'],
    // WBC (R6 < 3.0): round 0.1
    ['wbc', 3000, '/uL', 3.0, '10*9/L'],
    ['wbc', 2.95, '10*3/uL', 3.0, '10*9/L'],
    ['wbc', 2.94, '10*9/L', 2.9, '10*9/L'],
    ['wbc', 2900, '/mm3', 2.9, '10*9/L'],
    // eGFR (R7 < 30)
    ['egfr', 30, 'mL/min/{1.73_m2}', 30, 'mL/min/{1.73_m2}'],
    ['egfr', 29.5, 'mL/min/{1.73_m2}', 30, 'mL/min/{1.73_m2}'],
    // AFP (S3 > 400, S4 >= 20): ng/mL = ug/L; ng/L / 1000; IU/mL x 1.21
    ['afp', 400, 'ng/mL', 400, 'ng/mL'],
    ['afp', 400, 'ug/L', 400, 'ng/mL'],
    ['afp', 400000, 'ng/L', 400, 'ng/mL'],
    ['afp', 400 / 1.21, '[IU]/mL', 400, 'ng/mL'],
    ['afp', 400 / 1.21, 'k[IU]/L', 400, 'ng/mL'],
    ['afp', 20, 'ng/mL', 20, 'ng/mL'],
    ['afp', 16.53, '[IU]/mL', 20, 'ng/mL'],
    // tumour burden (R13 >= 70 / 50)
    ['tumorBurden', 70, '%', 70, '%'],
    ['sodium', 137, 'mmol/L', 137, 'mmol/L'],
  ] as const)('%s %p %s -> %p %s', (concept, value, unit, expected, canonical) => {
    const result = ok(concept, q(value, unit));
    expect(result.value).toBe(expected);
    expect(result.unit).toBe(canonical);
  });

  it('INR is dimensionless: {INR}, {ratio}, 1 or no unit; 1.8 and 2.3 stay exact', () => {
    for (const code of ['{INR}', '{ratio}', '1', undefined]) {
      expect(ok('inr', q(1.8, code))).toEqual({ ok: true, value: 1.8 });
    }
    expect(ok('inr', q(2.3)).value).toBe(2.3);
    expect(ok('inr', q(1.795)).value).toBe(1.8);
    expect(converter.convert('inr', q(1.8, 's'))).toMatchObject({ ok: false, reason: 'unit' });
  });

  it('AFP IU factor is configurable', () => {
    const other = new UnitConverter(createDataSettings({ afpNgPerIu: 1.28 }));
    expect(other.convert('afp', q(100, '[IU]/mL'))).toEqual({ ok: true, value: 128, unit: 'ng/mL' });
  });

  it('refuses units it cannot convert, with a reason', () => {
    expect(converter.convert('afp', q(5, 'umol/L'))).toMatchObject({ ok: false, reason: 'unit', detail: expect.stringContaining('moles') });
    expect(converter.convert('afp', q(5, 'nmol/L'))).toMatchObject({ ok: false, reason: 'unit' });
    expect(converter.convert('albumin', q(0.5, 'mmol/L'))).toMatchObject({ ok: false, reason: 'unit', detail: expect.stringContaining('mmol/L') });
    expect(converter.convert('egfr', q(30, 'mL/min'))).toMatchObject({ ok: false, reason: 'unit' });
    expect(converter.convert('platelets', q(60))).toMatchObject({ ok: false, reason: 'unit', detail: expect.stringContaining('no unit') });
    expect(converter.convert('bilirubin', { value: 3, system: 'http://example.org/units', code: 'mg/dL' })).toMatchObject({ ok: false, reason: 'unit', detail: expect.stringContaining('not UCUM') });
  });

  it('never reads the free-text unit (clinical-rules §4.4): without system + code a quantity has no unit', () => {
    expect(converter.convert('albumin', { value: 35, unit: 'g/L' })).toEqual({ ok: false, reason: 'unit', detail: 'no unit; albumin needs g/dL (the free-text unit "g/L" is not read without a UCUM system and code)' });
    expect(converter.convert('bilirubin', { value: 1.2, unit: 'mg/dL' })).toMatchObject({ ok: false, reason: 'unit' });
    expect(converter.convert('platelets', { value: 60, unit: 'x10^9/L' })).toMatchObject({ ok: false, reason: 'unit' });
    // Dimensionless results need no unit, so an INR with a free-text unit is still an INR.
    expect(converter.convert('inr', { value: 1.8, unit: 'INR' })).toEqual({ ok: true, value: 1.8 });
    // system + code win over a misleading free-text unit
    expect(converter.convert('albumin', { value: 35, system: UCUM, code: 'g/L', unit: 'g/dL' })).toEqual({ ok: true, value: 3.5, unit: 'g/dL' });
  });

  it('never lets the UCUM library print: units it cannot parse are refused with the unit escaped in the reason', () => {
    const printed = CONSOLE.map((name) => jest.spyOn(console, name).mockImplementation(() => undefined));
    try {
      const fresh = new UnitConverter(createDataSettings());
      // Spaces and control characters are refused before the library sees them; the others make it throw inside.
      expect(fresh.convert('bilirubin', q(1, 'mg dL\r\n"forged"'))).toEqual({ ok: false, reason: 'unit', detail: 'unit "mg dL\\r\\n\\"forged\\"" is not a UCUM code (UCUM codes are printable ASCII without spaces)' });
      for (const unit of ["'e0()-", 'Cel%e(1)1', 'mg/\u0007dL']) expect(fresh.convert('bilirubin', q(1, unit))).toMatchObject({ ok: false, reason: 'unit' });
      for (const spy of printed) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of printed) spy.mockRestore();
    }
    // The console is the console again afterwards.
    expect(CONSOLE.every((name) => !jest.isMockFunction(console[name]))).toBe(true);
  });

  it('extreme values are never NaN that slips past the plausibility check', () => {
    expect(converter.convert('bilirubin', q(1e308, 'mg/dL'))).toMatchObject({ ok: false, reason: 'implausible' });
    expect(converter.convert('bilirubin', q(1e308, 'umol/L'))).toMatchObject({ ok: false, reason: 'implausible' });
    expect(converter.convert('albumin', q(1e308, 'g/L'))).toMatchObject({ ok: false, reason: 'implausible' });
    expect(converter.convert('bilirubin', q(1e-7, 'mg/dL'))).toEqual({ ok: true, value: 0, unit: 'mg/dL' });
    expect(converter.convert('inr', q(Number.MAX_VALUE))).toMatchObject({ ok: false, reason: 'implausible' });
  });

  it('flags implausible values after conversion and rounding (the g/L vs g/dL slip)', () => {
    expect(converter.convert('albumin', q(35, 'g/dL'))).toMatchObject({ ok: false, reason: 'implausible' });
    expect(ok('albumin', q(7.0, 'g/dL')).value).toBe(7);
    expect(converter.convert('albumin', q(7.01, 'g/dL'))).toMatchObject({ ok: false, reason: 'implausible' });
    expect(converter.convert('inr', q(16))).toMatchObject({ ok: false, reason: 'implausible' });
    expect(converter.convert('platelets', q(0.4, '10*9/L'))).toMatchObject({ ok: false, reason: 'implausible' });
    expect(converter.convert('bilirubin', q(61, 'mg/dL'))).toMatchObject({ ok: false, reason: 'implausible' });
    expect(converter.convert('creatinine', q(0.05, 'mg/dL'))).toMatchObject({ ok: false, reason: 'implausible' });
    expect(converter.convert('egfr', q(201, 'mL/min/{1.73_m2}'))).toMatchObject({ ok: false, reason: 'implausible' });
    expect(converter.convert('wbc', q(501, '10*9/L'))).toMatchObject({ ok: false, reason: 'implausible' });
    expect(converter.convert('afp', q(10_000_001, 'ng/mL'))).toMatchObject({ ok: false, reason: 'implausible' });
    expect(converter.convert('tumorBurden', q(101, '%'))).toMatchObject({ ok: false, reason: 'implausible' });
  });

  it('converts fast once warmed up (conversion cached per concept and unit)', () => {
    converter.convert('bilirubin', q(10, 'umol/L'));
    const started = performance.now();
    for (let i = 0; i < 100_000; i++) converter.convert('bilirubin', q(i % 500, 'umol/L'));
    const perValueUs = ((performance.now() - started) * 1000) / 100_000;
    expect(perValueUs).toBeLessThan(5);
  });
});
