import { alerts, evaluatePatientView, find, ids, rec } from './record-builder.js';

describe('S1/S2 surveillance', () => {
  const current = (b: ReturnType<typeof rec>) => b.imaging('us', 30).lab('afp', 5, 30);
  it('cirrhosis, any sex, no imaging/AFP -> SURV-OVERDUE naming both, with US and AFP suggestions', () => {
    const f = find(evaluatePatientView(rec().patient(30, 'female').condition('cirrhosis').build()), 'SURV-OVERDUE')!;
    expect(f.summary).toContain('no liver imaging and no AFP');
    expect(f.suggestions.map((s) => s.orderable)).toEqual(['liver-us', 'afp']);
  });
  it('current US and AFP -> no card', () => {
    expect(alerts(evaluatePatientView(current(rec().patient(60, 'male').condition('cirrhosis')).build()))).toEqual([]);
  });
  it.each([[183, []], [184, ['SURV-OVERDUE:warning']]])('imaging %p days old -> %j', (age, expected) => {
    expect(alerts(evaluatePatientView(rec().patient(60, 'male').condition('cirrhosis').imaging('us', age).lab('afp', 5, 10).build()))).toEqual(expected);
  });
  it.each([[183, []], [184, ['SURV-OVERDUE:warning']]])('AFP %p days old -> %j', (age, expected) => {
    expect(alerts(evaluatePatientView(rec().patient(60, 'male').condition('cirrhosis').imaging('ct', 10).lab('afp', 5, age).build()))).toEqual(expected);
  });
  it.each([
    [39, 'male', []],
    [40, 'male', ['SURV-OVERDUE:warning']],
    [49, 'female', []],
    [50, 'female', ['SURV-OVERDUE:warning']],
  ] as const)('age %p %s with chronic HCV -> %j', (age, sex, expected) => {
    expect(alerts(evaluatePatientView(rec().patient(age, sex).condition('chronicHepatitisC').build()))).toEqual(expected);
  });
  it('site policy male age 35', () => {
    expect(alerts(evaluatePatientView(rec().patient(35, 'male').condition('type2Diabetes').build(), { maleSurveillanceAgeYears: 35 }))).toEqual(['SURV-OVERDUE:warning']);
  });
  it('E4: chronic HBV with family history at any adult age; 17 years is not adult', () => {
    expect(alerts(evaluatePatientView(rec().patient(25, 'female').condition('chronicHepatitisB').condition('familyHistoryLiverCancer').build()))).toEqual(['SURV-OVERDUE:warning']);
    expect(alerts(evaluatePatientView(rec().patient(17, 'female').condition('chronicHepatitisB').condition('familyHistoryLiverCancer').build()))).toEqual([]);
  });
  it('no risk factor, or known liver cancer -> no surveillance card', () => {
    expect(alerts(evaluatePatientView(rec().patient(70, 'male').build()))).toEqual([]);
    expect(find(evaluatePatientView(rec().patient(70, 'male').condition('cirrhosis').condition('hcc').build()), 'SURV-OVERDUE')).toBeUndefined();
  });
  it('risk factor and no recorded age -> SURV-OVERDUE, saying the age limit was taken as met', () => {
    const f = find(evaluatePatientView(rec().patient(undefined, 'male').condition('chronicHepatitisC').build()), 'SURV-OVERDUE')!;
    expect(f.indicator).toBe('warning');
    expect(f.assumptions).toEqual(expect.arrayContaining(['age not recorded: the age limit 40 was taken as met', 'age not recorded: evaluated as an adult']));
  });
  it.each([
    ['1986', [39, 40], 'male', ['SURV-OVERDUE:warning'], 'age 39-40 (birth date 1986) may be under 40: the age limit was taken as met'],
    ['1980', [45, 46], 'male', ['SURV-OVERDUE:warning'], undefined],
    ['1990', [35, 36], 'male', [], undefined],
    ['1977', [48, 49], 'female', [], undefined],
  ] as const)('partial birth date %s (age %j), %s, chronic HCV -> %j', (birthDate, range, sex, expected, assumption) => {
    const record = rec().patient(undefined, sex).ageRange(birthDate, [...range]).condition('chronicHepatitisC').build();
    const findings = evaluatePatientView(record);
    expect(alerts(findings)).toEqual(expected);
    if (assumption) expect(find(findings, 'SURV-OVERDUE')!.assumptions).toContain(assumption);
  });
  it('HBV with a family history and no recorded age: E4 is the reason, no age limit is assumed', () => {
    const f = find(evaluatePatientView(rec().patient(undefined, 'male').condition('chronicHepatitisB').condition('familyHistoryLiverCancer').build()), 'SURV-OVERDUE')!;
    expect(f.notes[0]).toBe('Eligible for surveillance because: chronic hepatitis B with a family history of liver cancer.');
    expect(f.assumptions).toEqual(['age not recorded: evaluated as an adult']);
  });
  it('a birth date that gives no age is called unreadable, not "not recorded"', () => {
    const record = rec().patient(undefined, 'male').condition('chronicHepatitisC').build();
    record.patient!.birthDate = '1960-02-30';
    expect(find(evaluatePatientView(record), 'SURV-OVERDUE')!.assumptions).toContain('age unreadable (birth date "1960-02-30"): the age limit 40 was taken as met');
  });
  it("another patient's Patient resource (not used) is named in the card", () => {
    const gap = { key: 'patient', kind: 'unavailable' as const, detail: 'the Patient resource read is Patient/p2, not Patient/p1, and was not used' };
    const f = find(evaluatePatientView(rec().patient(undefined, undefined).condition('cirrhosis').gap(gap).build()), 'SURV-OVERDUE')!;
    expect(f.missing.join(' ')).toContain('Data unavailable (patient): the Patient resource read is Patient/p2');
  });
  it('a partial birth date that may be under 18 is evaluated as an adult, and says so', () => {
    const f = find(evaluatePatientView(rec().patient(undefined, 'female').ageRange('2008', [17, 18]).condition('cirrhosis').build()), 'SURV-OVERDUE')!;
    expect(f.assumptions).toContain('age 17-18 (birth date 2008) may be under 18: evaluated as an adult');
    expect(alerts(evaluatePatientView(rec().patient(undefined, 'female').ageRange('2010', [15, 16]).condition('cirrhosis').build()))).toEqual([]);
  });
  it('truncated observations: the card says data were incomplete', () => {
    const b = rec().patient(60, 'male').condition('cirrhosis').imaging('us', 10).gap({ key: 'observations', kind: 'truncated', detail: 'paging bound reached' });
    const f = find(evaluatePatientView(b.build()), 'SURV-OVERDUE')!;
    expect(f.missing.join(' ')).toContain('Incomplete data (observations)');
    expect(f.summary).toBe('HCC surveillance not confirmed: no AFP found in the last 6 months of incomplete data (cirrhosis)');
  });
  it('an undated TACE under procedures does not make missing liver imaging "not confirmed"', () => {
    const undatedTace = { key: 'procedures', kind: 'unavailable' as const, detail: 'Procedure/t (TACE) has no date and was not used', concept: 'tace' as const };
    const f = find(evaluatePatientView(rec().patient(60, 'male').condition('cirrhosis').lab('afp', 5, 10).gap(undatedTace).build()), 'SURV-OVERDUE')!;
    expect(f.summary).toBe('HCC surveillance overdue: no liver imaging in the last 6 months (cirrhosis)');
    expect(f.missing.join(' ')).not.toContain('Procedure/t');
    const undatedUs = { key: 'procedures', kind: 'unavailable' as const, detail: 'Procedure/u (US imaging) has no date and was not used', concept: 'us' as const };
    expect(find(evaluatePatientView(rec().patient(60, 'male').condition('cirrhosis').lab('afp', 5, 10).gap(undatedUs).build()), 'SURV-OVERDUE')!.summary).toMatch(/^HCC surveillance not confirmed/);
  });
  it('a gap in data the finding does not rest on leaves the summary firm', () => {
    const b = rec().patient(60, 'male').condition('cirrhosis').lab('afp', 5, 10).gap({ key: 'observations', kind: 'truncated', detail: 'paging bound reached' });
    expect(find(evaluatePatientView(b.build()), 'SURV-OVERDUE')!.summary).toBe('HCC surveillance overdue: no liver imaging in the last 6 months (cirrhosis)');
  });
});

describe('S3/S4 AFP', () => {
  it.each([
    [19.9, []],
    [20, ['AFP-ELEVATED:warning']],
    [400, ['AFP-ELEVATED:warning']],
    [400.1, ['AFP-HIGH:warning']],
  ])('AFP %p ng/mL -> %j', (value, expected) => {
    expect(alerts(evaluatePatientView(rec().patient(60, 'male').lab('afp', value).build()))).toEqual(expected);
  });
  it('pregnant: info instead of warning', () => {
    expect(ids(evaluatePatientView(rec().patient(30, 'female').lab('afp', 500).condition('pregnancy').build()))).toEqual(['AFP-HIGH:info']);
  });
  it('woman of child-bearing age without recorded pregnancy: hCG suggested', () => {
    const f = find(evaluatePatientView(rec().patient(30, 'female').lab('afp', 50).build()), 'AFP-ELEVATED')!;
    expect(f.suggestions.map((s) => s.orderable)).toEqual(['ct-multiphase', 'mri-multiphase', 'afp', 'hcg']);
  });
  it.each([
    ['age 30', (b: ReturnType<typeof rec>) => b.patient(30, 'female'), true],
    ['age 60', (b: ReturnType<typeof rec>) => b.patient(60, 'female'), false],
    ['age not recorded', (b: ReturnType<typeof rec>) => b.patient(undefined, 'female'), true],
    ['birth date 1976 (age 49-50)', (b: ReturnType<typeof rec>) => b.patient(undefined, 'female').ageRange('1976', [49, 50]), true],
    ['birth date 1970 (age 55-56)', (b: ReturnType<typeof rec>) => b.patient(undefined, 'female').ageRange('1970', [55, 56]), false],
    ['a man, age 30', (b: ReturnType<typeof rec>) => b.patient(30, 'male'), false],
  ] as const)('hCG suggested with elevated AFP, %s -> %s', (_label, person, suggested) => {
    const f = find(evaluatePatientView(person(rec()).lab('afp', 50).build()), 'AFP-ELEVATED')!;
    expect(f.suggestions.map((s) => s.orderable).includes('hcg')).toBe(suggested);
  });
  it('known liver cancer or AFP older than 183 days: no card', () => {
    expect(alerts(evaluatePatientView(rec().patient(60, 'male').lab('afp', 500).condition('hcc').build()))).toEqual([]);
    expect(alerts(evaluatePatientView(rec().patient(60, 'male').lab('afp', 500, 184).build()))).toEqual([]);
  });
});

describe('F1 post-TACE imaging', () => {
  const hcc = () => rec().patient(60, 'male').condition('hcc');
  it.each([
    [27, []],
    [28, ['FU-POST-TACE-IMAGING:info']],
    [42, ['FU-POST-TACE-IMAGING:info']],
    [43, ['FU-POST-TACE-IMAGING:warning']],
    [365, ['FU-POST-TACE-IMAGING:warning']],
    [366, []],
  ])('TACE %p days ago, no CT/MRI -> %j', (age, expected) => {
    expect(ids(evaluatePatientView(hcc().procedure('tace', age).build()))).toEqual(expected);
  });
  it('CT after the TACE: no card', () => {
    expect(ids(evaluatePatientView(hcc().procedure('tace', 50).imaging('ct', 20).build()))).toEqual([]);
  });
  it('no liver-cancer context: no card', () => {
    expect(ids(evaluatePatientView(rec().patient(60, 'male').procedure('tace', 50).build()))).toEqual([]);
  });
  it('a TACE without a usable date (and none dated in the window): info "follow-up not checked" naming it, not silence', () => {
    const undated = { key: 'procedures', kind: 'unavailable' as const, detail: 'Procedure/t0 (TACE) has no date and was not used', concept: 'tace' as const };
    const f = find(evaluatePatientView(hcc().gap(undated).build()), 'FU-POST-TACE-IMAGING')!;
    expect(f.indicator).toBe('info');
    expect(f.summary).toMatch(/follow-up not checked$/);
    expect(f.missing).toEqual(['Data unavailable (procedures): Procedure/t0 (TACE) has no date and was not used. Results not read may change this finding.']);
    // A dated TACE that decides keeps its own card; an undated resection says nothing about TACE follow-up.
    expect(find(evaluatePatientView(hcc().procedure('tace', 50).gap(undated).build()), 'FU-POST-TACE-IMAGING')!.indicator).toBe('warning');
    const resection = { ...undated, detail: 'Procedure/r (liver resection) has no date and was not used', concept: 'hepatectomy' as const };
    expect(find(evaluatePatientView(hcc().gap(resection).build()), 'FU-POST-TACE-IMAGING')).toBeUndefined();
  });
});

describe('F2 post-resection AFP', () => {
  const resected = (age: number) => rec().patient(60, 'male').condition('hcc').procedure('hepatectomy', age);
  it('a resection without a usable date: info "follow-up not checked"; an undated TACE does not raise it', () => {
    const undated = { key: 'procedures', kind: 'unavailable' as const, detail: 'Procedure/r (liver resection) has no date and was not used', concept: 'hepatectomy' as const };
    const f = find(evaluatePatientView(rec().patient(60, 'male').gap(undated).build()), 'FU-POST-RESECTION-AFP')!;
    expect(f.indicator).toBe('info');
    expect(f.missing.join(' ')).toContain('Procedure/r (liver resection) has no date');
    const tace = { ...undated, concept: 'tace' as const };
    expect(find(evaluatePatientView(rec().patient(60, 'male').gap(tace).build()), 'FU-POST-RESECTION-AFP')).toBeUndefined();
  });
  it('pre-op AFP > 20 and none after, >= 60 d -> warning "not rechecked"', () => {
    const f = find(evaluatePatientView(resected(60).lab('afp', 150, 70).build()), 'FU-POST-RESECTION-AFP')!;
    expect(f.indicator).toBe('warning');
    expect(f.summary).toContain('not rechecked');
  });
  it('59 days after resection: no card yet', () => {
    expect(ids(evaluatePatientView(resected(59).lab('afp', 150, 70).build()))).toEqual([]);
  });
  it('pre-op AFP 20 (not > 20): no card; pre-op older than 90 d before R: no card', () => {
    expect(ids(evaluatePatientView(resected(100).lab('afp', 20, 110).build()))).toEqual([]);
    expect(ids(evaluatePatientView(resected(100).lab('afp', 150, 191).build()))).toEqual([]);
  });
  it('pre-op exactly 90 days before R counts', () => {
    expect(ids(evaluatePatientView(resected(100).lab('afp', 150, 190).build()))).toEqual(['FU-POST-RESECTION-AFP:warning']);
  });
  it('AFP after R > 20 drawn >= 60 d after R -> warning; < 60 d -> info; <= 20 -> none', () => {
    expect(ids(evaluatePatientView(resected(100).lab('afp', 150, 110).lab('afp', 35, 40).build()))).toEqual(['FU-POST-RESECTION-AFP:warning']);
    expect(ids(evaluatePatientView(resected(100).lab('afp', 150, 110).lab('afp', 35, 41).build()))).toEqual(['FU-POST-RESECTION-AFP:info']);
    expect(ids(evaluatePatientView(resected(100).lab('afp', 150, 110).lab('afp', 20, 10).build()))).toEqual([]);
  });
});

describe('F3 post-resection viral load', () => {
  it('chronic HBV and no HBV DNA after R -> info with HBV DNA suggestion', () => {
    const f = find(evaluatePatientView(rec().patient(60, 'male').condition('hcc').condition('chronicHepatitisB').procedure('hepatectomy', 30).lab('hbvDna', 100, 40).build()), 'FU-POST-RESECTION-VIRAL')!;
    expect(f.indicator).toBe('info');
    expect(f.suggestions.map((s) => s.orderable)).toEqual(['hbv-dna']);
  });
  it('HBV DNA after R -> none; resection 366 d ago -> none', () => {
    expect(ids(evaluatePatientView(rec().patient(60, 'male').condition('hcc').condition('chronicHepatitisB').procedure('hepatectomy', 30).lab('hbvDna', 100, 10).build()))).toEqual([]);
    expect(ids(evaluatePatientView(rec().patient(60, 'male').condition('hcc').condition('chronicHepatitisC').procedure('hepatectomy', 366).build()))).toEqual([]);
  });
});

describe('DQ-UNIT on patient-view', () => {
  it('AFP with an unconvertible unit -> info', () => {
    expect(ids(evaluatePatientView(rec().patient(60, 'male').ignored('afp', 'unit').build()))).toEqual(['DQ-UNIT:info']);
  });
});
