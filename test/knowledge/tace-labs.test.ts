import { alerts, evaluateTace, find, rec } from './record-builder.js';

/** A healthy TACE patient with one lab replaced. */
function withLab(concept: 'bilirubin' | 'inr' | 'platelets' | 'wbc' | 'creatinine' | 'egfr' | 'albumin', value: number, ageDays = 1) {
  const b = rec().healthyTace();
  b.build().labs[concept].values = [];
  b.build().labs[concept].latest = undefined;
  return b.lab(concept, value, ageDays);
}

describe('R3 bilirubin (mg/dL): > 3.0 critical, > 2.0 warning', () => {
  it.each([
    [1.99, []],
    [2.0, []],
    [2.01, ['TACE-BILI-ELEVATED:warning']],
    [2.99, ['TACE-BILI-ELEVATED:warning']],
    [3.0, ['TACE-BILI-ELEVATED:warning']],
    [3.01, ['TACE-BILI-HIGH:critical']],
  ])('bilirubin %p mg/dL', (value, expected) => {
    const findings = evaluateTace(withLab('bilirubin', value).build());
    expect(alerts(findings).filter((id) => id.startsWith('TACE-BILI'))).toEqual(expected);
  });

  it('summary names the value, unit and threshold', () => {
    const f = find(evaluateTace(withLab('bilirubin', 3.4).build()), 'TACE-BILI-HIGH')!;
    expect(f.summary).toBe('Total bilirubin 3.4 mg/dL (>3.0): TACE contraindicated');
    expect(f.facts[0]).toMatchObject({ value: '3.4 mg/dL', ageDays: 1 });
  });

  it.each([[14, true], [15, false]])('a result %p days old counts: %p (exactly at the limit is fresh)', (age, fires) => {
    const findings = evaluateTace(withLab('bilirubin', 3.4, age).build());
    expect(Boolean(find(findings, 'TACE-BILI-HIGH'))).toBe(fires);
    expect(Boolean(find(findings, 'TACE-MISSING-LABS'))).toBe(!fires);
  });
});

describe('R4 INR >= 1.8 warning (site setting inrMax)', () => {
  it.each([[1.79, false], [1.8, true], [1.81, true]])('INR %p -> TACE-COAG %p', (value, fires) => {
    const f = find(evaluateTace(withLab('inr', value).build()), 'TACE-COAG');
    expect(Boolean(f)).toBe(fires);
    if (f) {
      expect(f.indicator).toBe('warning');
      expect(f.suggestions.map((s) => s.orderable)).toEqual(['inr']);
    }
  });
  it.each([[1.49, false], [1.5, true]])('with inrMax 1.5, INR %p -> %p', (value, fires) => {
    expect(Boolean(find(evaluateTace(withLab('inr', value).build(), { inrMax: 1.5 }), 'TACE-COAG'))).toBe(fires);
  });
  it('stale by one day: no TACE-COAG, INR listed as missing', () => {
    const findings = evaluateTace(withLab('inr', 2.5, 15).build());
    expect(find(findings, 'TACE-COAG')).toBeUndefined();
    expect(find(findings, 'TACE-MISSING-LABS')!.summary).toContain('INR');
  });
});

describe('R5 platelets < 60 x10^9/L, R6 WBC < 3.0 x10^9/L (warnings)', () => {
  it.each([[59, true], [60, false], [61, false]])('platelets %p -> TACE-PLT-LOW %p', (value, fires) => {
    expect(Boolean(find(evaluateTace(withLab('platelets', value).build()), 'TACE-PLT-LOW'))).toBe(fires);
  });
  it.each([[2.9, true], [3.0, false], [3.1, false]])('WBC %p -> TACE-WBC-LOW %p', (value, fires) => {
    expect(Boolean(find(evaluateTace(withLab('wbc', value).build()), 'TACE-WBC-LOW'))).toBe(fires);
  });
  it('platelets stale by one day do not fire, and are listed missing', () => {
    const findings = evaluateTace(withLab('platelets', 20, 15).build());
    expect(find(findings, 'TACE-PLT-LOW')).toBeUndefined();
    expect(find(findings, 'TACE-MISSING-LABS')!.suggestions.map((s) => s.orderable)).toEqual(['cbc']);
  });
});

describe('R7 renal: creatinine >= 2.0 mg/dL or eGFR < 30 (critical)', () => {
  it.each([[1.99, false], [2.0, true], [2.01, true]])('creatinine %p -> %p', (value, fires) => {
    const f = find(evaluateTace(withLab('creatinine', value).build()), 'TACE-RENAL');
    expect(Boolean(f)).toBe(fires);
    if (f) expect(f.indicator).toBe('critical');
  });
  it.each([[29, true], [30, false], [31, false]])('eGFR %p (creatinine normal) -> %p', (value, fires) => {
    expect(Boolean(find(evaluateTace(rec().healthyTace().lab('egfr', value).build()), 'TACE-RENAL'))).toBe(fires);
  });
  it('eGFR alone (no creatinine) satisfies the renal lab requirement', () => {
    const b = withLab('egfr', 75);
    b.build().labs.creatinine.values = [];
    b.build().labs.creatinine.latest = undefined;
    expect(find(evaluateTace(b.build()), 'TACE-MISSING-LABS')).toBeUndefined();
  });
});

describe('healthy TACE patient', () => {
  it('gets no warning or critical card', () => {
    expect(alerts(evaluateTace(rec().healthyTace().build()))).toEqual([]);
  });
});
