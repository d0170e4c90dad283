import { alerts, evaluateTace, find, ids, rec } from './record-builder.js';

const only = (findings: ReturnType<typeof evaluateTace>, prefix: string) => ids(findings).filter((id) => id.startsWith(prefix));

describe('R8 ECOG (<= 30 days)', () => {
  const ecog = (value: number | undefined, age = 1) => {
    const b = rec().healthyTace();
    b.build().labs.ecog.values = [];
    b.build().labs.ecog.latest = undefined;
    if (value !== undefined) b.lab('ecog', value, age);
    return evaluateTace(b.build());
  };
  it.each([
    [0, []],
    [1, ['TACE-ECOG-1-2:info']],
    [2, ['TACE-ECOG-1-2:info']],
    [3, ['TACE-ECOG-POOR:critical']],
    [4, ['TACE-ECOG-POOR:critical']],
  ])('ECOG %p -> %j', (value, expected) => expect(only(ecog(value), 'TACE-ECOG')).toEqual(expected));
  it('ECOG exactly 30 days old counts; 31 days old is missing', () => {
    expect(only(ecog(3, 30), 'TACE-ECOG')).toEqual(['TACE-ECOG-POOR:critical']);
    expect(only(ecog(3, 31), 'TACE-ECOG')).toEqual(['TACE-ECOG-MISSING:warning']);
  });
  it('no ECOG at all -> TACE-ECOG-MISSING, no suggestion', () => {
    const f = find(ecog(undefined), 'TACE-ECOG-MISSING')!;
    expect(f.suggestions).toEqual([]);
    expect(f.missing[0]).toContain('no usable result');
  });
});

describe('R9 portal vein', () => {
  const pv = () => rec().healthyTace().condition('portalVeinThrombosis');
  it('no PVT condition: nothing, even with Vp4 recorded', () => {
    expect(only(evaluateTace(rec().healthyTace().coded('pvttGrade', 'Vp4').coded('portalCollaterals', 'few-or-none').build()), 'TACE-P')).toEqual([]);
  });
  it('PVT without grade -> UNGRADED warning with imaging suggestions', () => {
    const f = find(evaluateTace(pv().build()), 'TACE-PVT-UNGRADED')!;
    expect(f.indicator).toBe('warning');
    expect(f.suggestions.map((s) => s.orderable)).toEqual(['ct-multiphase', 'mri-multiphase']);
  });
  it('PVT with Vp4 and few-or-none collaterals -> PV-TRUNK critical', () => {
    expect(only(evaluateTace(pv().coded('pvttGrade', 'Vp4').coded('portalCollaterals', 'few-or-none').build()), 'TACE-P')).toEqual(['TACE-PV-TRUNK:critical']);
  });
  it.each(['adequate', 'unknown'])('Vp4 with collaterals %s -> UNGRADED naming it', (state) => {
    const f = find(evaluateTace(pv().coded('pvttGrade', 'Vp4').coded('portalCollaterals', state).build()), 'TACE-PVT-UNGRADED')!;
    expect(f.summary).toContain(state);
  });
  it('Vp4 without collateral status -> UNGRADED', () => {
    expect(only(evaluateTace(pv().coded('pvttGrade', 'Vp4').build()), 'TACE-P')).toEqual(['TACE-PVT-UNGRADED:warning']);
  });
  it('Vp3 -> no card', () => {
    expect(only(evaluateTace(pv().coded('pvttGrade', 'Vp3').build()), 'TACE-P')).toEqual([]);
  });
  it('grade exactly 60 days old counts; 61 days old is ungraded', () => {
    expect(only(evaluateTace(pv().coded('pvttGrade', 'Vp4', 60).coded('portalCollaterals', 'few-or-none', 60).build()), 'TACE-P')).toEqual(['TACE-PV-TRUNK:critical']);
    expect(only(evaluateTace(pv().coded('pvttGrade', 'Vp4', 61).coded('portalCollaterals', 'few-or-none', 10).build()), 'TACE-P')).toEqual(['TACE-PVT-UNGRADED:warning']);
  });
});

describe('R10-R16 conditions', () => {
  it.each([
    ['liverAbscess', 'TACE-INFECTION:critical'],
    ['sepsis', 'TACE-INFECTION:critical'],
    ['distantMetastasis', 'TACE-METS:warning'],
    ['cachexia', 'TACE-CACHEXIA-MOF:critical'],
    ['multiOrganFailure', 'TACE-CACHEXIA-MOF:critical'],
    ['avFistula', 'TACE-AVF:warning'],
    ['pregnancy', 'TACE-PREGNANCY:warning'],
  ] as const)('%s -> %s', (concept, expected) => {
    expect(alerts(evaluateTace(rec().healthyTace().condition(concept).build()))).toEqual([expected]);
  });
  it('unconfirmed conditions count and are marked', () => {
    const f = find(evaluateTace(rec().healthyTace().condition('sepsis', { unconfirmed: true, verificationStatus: 'provisional' }).build()), 'TACE-INFECTION')!;
    expect(f.summary).toContain('unconfirmed');
    expect(f.facts[0]!.note).toContain('UNCONFIRMED');
  });
  it('liver metastasis is not distant metastasis', () => {
    expect(alerts(evaluateTace(rec().healthyTace().condition('liverMetastasis').build()))).toEqual([]);
  });
  it('AV fistula of another body site does not fire; liver site does', () => {
    const arm = [{ system: 'http://snomed.info/sct', code: '40983000' }];
    const liver = [{ system: 'http://snomed.info/sct', code: '10200004' }];
    expect(find(evaluateTace(rec().healthyTace().condition('avFistula', { bodySite: arm }).build()), 'TACE-AVF')).toBeUndefined();
    expect(find(evaluateTace(rec().healthyTace().condition('avFistula', { bodySite: liver }).build()), 'TACE-AVF')).toBeDefined();
  });
  it.each([[280, true], [281, false]])('pregnancy status "pregnant" %p days old -> %p', (age, fires) => {
    expect(Boolean(find(evaluateTace(rec().healthyTace().coded('pregnancyStatus', 'LA15173-0', age).build()), 'TACE-PREGNANCY'))).toBe(fires);
  });
  it('pregnancy status "not pregnant" does not fire', () => {
    expect(find(evaluateTace(rec().healthyTace().coded('pregnancyStatus', 'LA26683-5').build()), 'TACE-PREGNANCY')).toBeUndefined();
  });
  it('no liver-cancer diagnosis -> info; with HCC none', () => {
    const b = rec().healthyTace();
    b.build().conditions = {};
    expect(ids(evaluateTace(b.build()))).toEqual(['TACE-NO-LIVER-CANCER-DX:info']);
    expect(find(evaluateTace(rec().healthyTace().build()), 'TACE-NO-LIVER-CANCER-DX')).toBeUndefined();
  });
});

describe('R13 tumour burden (<= 60 days)', () => {
  it.each([
    [49, []],
    [50, ['TACE-TUMOR-BURDEN:info']],
    [69, ['TACE-TUMOR-BURDEN:info']],
    [70, ['TACE-TUMOR-BURDEN:warning']],
  ])('%p%% with Child-Pugh A -> %j', (pct, expected) => {
    expect(only(evaluateTace(rec().healthyTace().lab('tumorBurden', pct).build()), 'TACE-TUMOR')).toEqual(expected);
  });
  it('>= 70% when Child-Pugh is not definitely A -> critical', () => {
    const b = rec().healthyTace().lab('tumorBurden', 75);
    b.build().labs.albumin.values = [];
    b.build().labs.albumin.latest = undefined;
    expect(only(evaluateTace(b.build()), 'TACE-TUMOR')).toEqual(['TACE-TUMOR-BURDEN:critical']);
  });
  it('61 days old: ignored', () => {
    expect(only(evaluateTace(rec().healthyTace().lab('tumorBurden', 80, 61).build()), 'TACE-TUMOR')).toEqual([]);
  });
});

describe('R17 interval and R18 re-imaging', () => {
  it.each([[34, true], [35, false]])('last TACE %p days ago -> TACE-INTERVAL %p', (age, fires) => {
    const f = evaluateTace(rec().healthyTace().procedure('tace', age).imaging('ct', age - 5).build());
    expect(Boolean(find(f, 'TACE-INTERVAL'))).toBe(fires);
  });
  it('a prior TACE without a usable date -> TACE-INTERVAL warning naming it (the interval cannot be checked)', () => {
    const undated = { key: 'procedures', kind: 'unavailable' as const, detail: 'Procedure/t0 (TACE) has no date and was not used', concept: 'tace' as const };
    const f = find(evaluateTace(rec().healthyTace().procedure('tace', 200).imaging('ct', 150).gap(undated).build()), 'TACE-INTERVAL')!;
    expect(f.indicator).toBe('warning');
    expect(f.summary).toBe('TACE history incomplete: the 35-day repeat interval could not be checked');
    expect(f.missing).toEqual(['Data unavailable (procedures): Procedure/t0 (TACE) has no date and was not used. Results not read may change this finding.']);
    expect(f.facts.map((fact) => fact.ageDays)).toEqual([200]);
  });
  it('procedures read incompletely -> TACE-INTERVAL warning; an undated resection or imaging procedure does not raise it', () => {
    const truncated = { key: 'procedures', kind: 'truncated' as const, detail: 'stopped after 10 pages (FHIR_MAX_PAGES); more data exists' };
    expect(find(evaluateTace(rec().healthyTace().gap(truncated).build()), 'TACE-INTERVAL')?.missing.join(' ')).toContain('Incomplete data (procedures)');
    const resection = { key: 'procedures', kind: 'unavailable' as const, detail: 'Procedure/r (liver resection) has no date and was not used', concept: 'hepatectomy' as const };
    const ct = { key: 'procedures', kind: 'unavailable' as const, detail: 'Procedure/c (CT imaging) has no date and was not used', concept: 'ct' as const };
    expect(find(evaluateTace(rec().healthyTace().gap(resection).gap(ct).build()), 'TACE-INTERVAL')).toBeUndefined();
  });
  it('a dated TACE within the interval keeps the usual card even when another TACE is undated', () => {
    const undated = { key: 'procedures', kind: 'unavailable' as const, detail: 'Procedure/t0 (TACE) has no date and was not used', concept: 'tace' as const };
    expect(find(evaluateTace(rec().healthyTace().procedure('tace', 10).imaging('ct', 5).gap(undated).build()), 'TACE-INTERVAL')?.summary).toBe('Last TACE 10 days ago (<35 days): too early to repeat');
  });
  it('TACE within 365 days and no CT/MRI after it -> TACE-REIMAGE; US does not count', () => {
    expect(alerts(evaluateTace(rec().healthyTace().procedure('tace', 100).imaging('us', 50).build()))).toEqual(['TACE-REIMAGE:warning']);
  });
  it('CT on the same day as the TACE does not count; the day after does', () => {
    expect(find(evaluateTace(rec().healthyTace().procedure('tace', 100).imaging('ct', 100).build()), 'TACE-REIMAGE')).toBeDefined();
    expect(find(evaluateTace(rec().healthyTace().procedure('tace', 100).imaging('mri', 99).build()), 'TACE-REIMAGE')).toBeUndefined();
  });
  it.each([[365, true], [366, false]])('TACE %p days ago -> REIMAGE %p', (age, fires) => {
    expect(Boolean(find(evaluateTace(rec().healthyTace().procedure('tace', age).build()), 'TACE-REIMAGE'))).toBe(fires);
  });
});

describe('R19 missing labs and R20 data quality', () => {
  it('no labs at all: one card listing all, one suggestion per order (one CBC)', () => {
    const f = find(evaluateTace(rec().condition('hcc').lab('ecog', 0).build()), 'TACE-MISSING-LABS')!;
    expect(f.summary).toBe('Pre-TACE labs missing or older than 14 days: Total bilirubin, Albumin, INR, Platelets, WBC, Renal function');
    expect(f.suggestions.map((s) => s.orderable)).toEqual(['bilirubin', 'albumin', 'inr', 'cbc', 'creatinine']);
  });
  it('ignored results are named with why; DQ-UNIT lists the resource', () => {
    const b = rec().healthyTace().ignored('albumin', 'unit');
    const f = evaluateTace(b.build());
    const dq = find(f, 'DQ-UNIT')!;
    expect(dq.indicator).toBe('info');
    expect(dq.facts[0]!.resource).toMatch(/^Observation\/bad/);
  });
  it('status-ignored results are not DQ-UNIT; patient-view-only concepts do not fire on TACE', () => {
    expect(find(evaluateTace(rec().healthyTace().ignored('albumin', 'status').ignored('afp', 'unit').build()), 'DQ-UNIT')).toBeUndefined();
  });
  it('truncated observations are stated in the missing-labs card', () => {
    const b = rec().condition('hcc').lab('ecog', 0).gap({ key: 'observations', kind: 'truncated', detail: 'paging stopped after 10 pages' });
    expect(find(evaluateTace(b.build()), 'TACE-MISSING-LABS')!.missing.join(' ')).toContain('Incomplete data (observations)');
  });
});

describe('ordering', () => {
  it('critical before warning before info', () => {
    const b = rec().healthyTace().lab('tumorBurden', 55).condition('sepsis').condition('distantMetastasis');
    const f = evaluateTace(b.build());
    expect(f.map((x) => x.indicator)).toEqual(['critical', 'warning', 'info']);
  });
});
