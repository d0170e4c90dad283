import { PatientRecordBuilder, completedYears, completedYearsRange } from '../../src/fhir/build-record.js';
import { createDataSettings } from '../../src/fhir/data-settings.js';
import type { ResolvedData } from '../../src/cds-hooks/prefetch/resolved-data.js';
import { builtInValueSets } from '../../src/fhir/value-sets.js';
import { PREGNANCY_ANSWERS } from '../../src/fhir/value-set-data.js';
import { loadFixture } from './fixture.js';

const TODAY = '2026-03-15';
const builder = (tz = 'UTC') => new PatientRecordBuilder(builtInValueSets(), createDataSettings(), tz);
const data = (resources: fhir4.FhirResource[]): ResolvedData => ({ keys: [{ key: 'all', road: 'prefetch', resources, complete: true }], gaps: [], fhirRequests: 0 });
const obs = (id: string, loinc: string, extra: Partial<fhir4.Observation>): fhir4.Observation => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: loinc }] },
  subject: { reference: 'Patient/p1' },
  ...extra,
});
const ucum = (value: number, code: string): fhir4.Quantity => ({ value, system: 'http://unitsofmeasure.org', code });

describe('PatientRecordBuilder on the parity fixture', () => {
  const record = builder().build(data(loadFixture('parity-patient.json', TODAY)), { today: TODAY, patientId: 'p1' });

  it('converts, rounds and dates labs; newest first', () => {
    expect(record.labs.bilirubin.latest).toMatchObject({ value: 3, unit: 'mg/dL', original: '51.3 µmol/L', resource: 'Observation/o-bili-umol', date: '2026-03-12', ageDays: 3 });
    expect(record.labs.bilirubin.values.map((v) => v.resource)).toEqual(['Observation/o-bili-umol', 'Observation/o-bili-old']);
    expect(record.labs.albumin.latest).toMatchObject({ value: 2.8, unit: 'g/dL' });
    expect(record.labs.platelets.latest).toMatchObject({ value: 60, unit: '10*9/L' });
    expect(record.labs.creatinine.latest).toMatchObject({ value: 2, unit: 'mg/dL' });
    expect(record.labs.afp.latest).toMatchObject({ value: 121, unit: 'ng/mL', ageDays: 20 });
    expect(record.labs.ecog.latest).toMatchObject({ value: 2 });
    expect(record.labs.pvttGrade.latest).toMatchObject({ answer: 'Vp4' });
  });

  it('ignores unusable observations with reason and detail', () => {
    const reasons = (concept: keyof typeof record.labs) => record.labs[concept].ignored.map((i) => [i.resource, i.reason]);
    expect(reasons('albumin')).toEqual([['Observation/o-alb-slip', 'implausible']]);
    expect(reasons('platelets')).toEqual([['Observation/o-plt-prelim', 'status']]);
    expect(reasons('wbc')).toEqual([['Observation/o-wbc-absent', 'data-absent']]);
    expect(reasons('afp')).toEqual([['Observation/o-afp-mol', 'unit']]);
    expect(reasons('creatinine')).toEqual([['Observation/o-future', 'future-date']]);
    expect(record.labs.albumin.ignored[0]?.detail).toMatch(/35 g\/dL is outside the plausible range/);
    expect(record.labs.wbc.values).toEqual([]);
  });

  it('keeps the worse value of a same-timestamp disagreement and flags it', () => {
    expect(record.labs.inr.values).toHaveLength(1);
    expect(record.labs.inr.latest).toMatchObject({ value: 1.9, resource: 'Observation/o-inr-b', conflict: { resources: ['Observation/o-inr-a', 'Observation/o-inr-b'] } });
  });

  it('keeps active conditions only, marks unconfirmed, keeps severity', () => {
    expect(Object.keys(record.conditions).sort()).toEqual(['ascites', 'chronicHepatitisB', 'familyHistoryLiverCancer', 'hcc', 'portalVeinThrombosis']);
    expect(record.conditions.portalVeinThrombosis?.[0]).toMatchObject({ unconfirmed: true, verificationStatus: 'provisional' });
    expect(record.conditions.ascites?.[0]).toMatchObject({ severity: 'mild', clinicalStatus: 'active', unconfirmed: false });
    expect(record.conditions.hcc?.[0]?.onsetDate).toBe('2025-08-27');
    expect(record.conditions.familyHistoryLiverCancer?.[0]?.resource).toBe('FamilyMemberHistory/fh-father');
  });

  it('lists completed procedures and qualifying imaging, newest first', () => {
    expect(record.procedures.map((p) => [p.concept, p.resource, p.ageDays])).toEqual([
      ['tace', 'Procedure/pr-tace', 50],
      ['hepatectomy', 'Procedure/pr-resection', 300],
    ]);
    expect(record.imaging.map((i) => [i.modality, i.resource, i.ageDays])).toEqual([
      ['mri', 'ImagingStudy/is-mri', 20],
      ['ct', 'DiagnosticReport/dr-ct', 30],
      ['us', 'Procedure/pr-us', 100],
    ]);
  });

  it('computes age in completed years and sex', () => {
    expect(record.patient).toMatchObject({ id: 'p1', resource: 'Patient/p1', ageYears: 58, sex: 'male' });
  });
});

describe('PatientRecordBuilder details', () => {
  it('counts days on calendar dates in CDS_TIME_ZONE (late day X UTC is day X+1 in Asia/Shanghai)', () => {
    const late = obs('o1', '1751-7', { effectiveDateTime: '2026-03-10T20:00:00Z', valueQuantity: ucum(3.6, 'g/dL') });
    const utc = builder('UTC').build(data([late]), { today: TODAY, patientId: 'p1' });
    const shanghai = builder('Asia/Shanghai').build(data([late]), { today: TODAY, patientId: 'p1' });
    expect(utc.labs.albumin.latest).toMatchObject({ date: '2026-03-10', ageDays: 5 });
    expect(shanghai.labs.albumin.latest).toMatchObject({ date: '2026-03-11', ageDays: 4 });
  });

  it('takes effectivePeriod.end, then issued, and ignores undated results', () => {
    const built = builder().build(
      data([
        obs('a', '1751-7', { effectivePeriod: { start: '2026-03-01', end: '2026-03-02' }, valueQuantity: ucum(3.6, 'g/dL') }),
        obs('b', '1751-7', { issued: '2026-03-05T10:00:00Z', valueQuantity: ucum(3.7, 'g/dL') }),
        obs('c', '1751-7', { valueQuantity: ucum(3.8, 'g/dL') }),
      ]),
      { today: TODAY, patientId: 'p1' },
    );
    expect(built.labs.albumin.values.map((v) => [v.resource, v.date])).toEqual([['Observation/b', '2026-03-05'], ['Observation/a', '2026-03-02']]);
    expect(built.labs.albumin.ignored).toEqual([expect.objectContaining({ resource: 'Observation/c', reason: 'no-date' })]);
  });

  it('an open period (start only) gives way to issued, and dates the result only when nothing else does', () => {
    const built = builder().build(
      data([
        obs('open-issued', '6301-6', { effectivePeriod: { start: '2026-02-20' }, issued: '2026-03-14T09:00:00Z', valueQuantity: { value: 2 } }),
        obs('open-only', '1751-7', { effectivePeriod: { start: '2026-02-20' }, valueQuantity: ucum(3.6, 'g/dL') }),
      ]),
      { today: TODAY, patientId: 'p1' },
    );
    expect(built.labs.inr.latest).toMatchObject({ resource: 'Observation/open-issued', date: '2026-03-14', ageDays: 1 });
    expect(built.labs.albumin.latest).toMatchObject({ resource: 'Observation/open-only', date: '2026-02-20' });
  });

  it.each(['preliminary', 'registered', 'cancelled', 'entered-in-error', 'unknown'] as const)('ignores status %s', (status) => {
    const built = builder().build(data([obs('x', '1751-7', { status, effectiveDateTime: '2026-03-10', valueQuantity: ucum(3.6, 'g/dL') })]), { today: TODAY, patientId: 'p1' });
    expect(built.labs.albumin.values).toEqual([]);
    expect(built.labs.albumin.ignored[0]).toMatchObject({ reason: 'status', detail: expect.stringContaining(status) });
  });

  it('worse value per concept: lower platelets/albumin/eGFR, higher bilirubin/ECOG; identical duplicates are not a conflict', () => {
    const at = '2026-03-10T08:00:00Z';
    const sameInstant = '2026-03-10T16:00:00+08:00';
    const built = builder().build(
      data([
        obs('p1', '777-3', { effectiveDateTime: at, valueQuantity: ucum(80, '10*9/L') }),
        obs('p2', '777-3', { effectiveDateTime: sameInstant, valueQuantity: ucum(55, '10*9/L') }),
        obs('e1', '98979-8', { effectiveDateTime: at, valueQuantity: ucum(45, 'mL/min/{1.73_m2}') }),
        obs('e2', '98979-8', { effectiveDateTime: at, valueQuantity: ucum(29, 'mL/min/{1.73_m2}') }),
        obs('b1', '1975-2', { effectiveDateTime: at, valueQuantity: ucum(1.2, 'mg/dL') }),
        obs('b2', '14631-6', { effectiveDateTime: at, valueQuantity: ucum(34.2, 'umol/L') }),
        obs('g1', '89247-1', { effectiveDateTime: at, valueInteger: 1 }),
        obs('g2', '89247-1', { effectiveDateTime: at, valueInteger: 3 }),
        obs('d1', '1751-7', { effectiveDateTime: at, valueQuantity: ucum(35, 'g/L') }),
        obs('d2', '1751-7', { effectiveDateTime: at, valueQuantity: ucum(3.5, 'g/dL') }),
      ]),
      { today: TODAY, patientId: 'p1' },
    );
    expect(built.labs.platelets.latest).toMatchObject({ value: 55, conflict: { resources: ['Observation/p1', 'Observation/p2'] } });
    expect(built.labs.egfr.latest).toMatchObject({ value: 29 });
    expect(built.labs.bilirubin.latest).toMatchObject({ value: 2, resource: 'Observation/b2' });
    expect(built.labs.ecog.latest).toMatchObject({ value: 3 });
    expect(built.labs.albumin.values).toHaveLength(1);
    expect(built.labs.albumin.latest?.conflict).toBeUndefined();
  });

  it('reads ECOG from an LA code in interpretation and pregnancy status answers', () => {
    const built = builder().build(
      data([
        obs('g', '89247-1', { effectiveDateTime: '2026-03-10', interpretation: [{ coding: [{ system: 'http://loinc.org', code: 'LA9625-0' }] }] }),
        obs('preg', '82810-3', { effectiveDateTime: '2026-03-10', valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '77386006' }] } }),
        obs('vp', 'x', { code: { coding: [{ system: 'urn:hcc-cds:local', code: 'pvtt-vp' }] }, effectiveDateTime: '2026-03-10', valueCodeableConcept: { coding: [{ system: 'urn:hcc-cds:local', code: 'Vp9' }] } }),
      ]),
      { today: TODAY, patientId: 'p1' },
    );
    expect(built.labs.ecog.latest).toMatchObject({ value: 3 });
    expect(built.labs.pregnancyStatus.latest).toMatchObject({ answer: 'pregnant' });
    expect(built.labs.pvttGrade.ignored[0]).toMatchObject({ reason: 'no-value', detail: expect.stringContaining('Vp9') });
  });

  it('a pregnancy status with an answer outside the value set is not used, and the detail names every accepted answer', () => {
    const built = builder().build(
      data([obs('preg-x', '82810-3', { effectiveDateTime: '2026-03-10', valueCodeableConcept: { coding: [{ system: 'http://loinc.org', code: 'LA0000-0' }] } })]),
      { today: TODAY, patientId: 'p1' },
    );
    expect(built.labs.pregnancyStatus.latest).toBeUndefined();
    const detail = built.labs.pregnancyStatus.ignored[0]!.detail;
    for (const key of Object.keys(PREGNANCY_ANSWERS)) expect(detail).toContain(key.slice(key.lastIndexOf('|') + 1));
    expect(detail).toContain('LOINC LA15173-0');
    expect(detail).toContain('SNOMED CT 77386006');
  });

  it('dedupes resources across keys and ignores other patients\' resources', () => {
    const a = obs('dup', '1751-7', { effectiveDateTime: '2026-03-10', valueQuantity: ucum(3.6, 'g/dL'), subject: { reference: 'Patient/p1' } });
    const other = obs('other', '1751-7', { effectiveDateTime: '2026-03-11', valueQuantity: ucum(2.0, 'g/dL'), subject: { reference: 'http://x/fhir/Patient/p2' } });
    const source: ResolvedData = { keys: [{ key: 'k1', road: 'prefetch', resources: [a, other], complete: true }, { key: 'k2', road: 'fhir-server', resources: [a], complete: true }], gaps: [], fhirRequests: 1 };
    const built = builder().build(
      source,
      { today: TODAY, patientId: 'p1' },
    );
    expect(built.labs.albumin.values.map((v) => v.resource)).toEqual(['Observation/dup']);
  });

  it('completed years: the birthday today counts', () => {
    expect(completedYears('1986-03-15', '2026-03-15')).toBe(40);
    expect(completedYears('1986-03-16', '2026-03-15')).toBe(39);
    expect(completedYears('1986', '2026-03-15')).toBeUndefined();
    expect(completedYears('1960-02-30', '2026-03-15')).toBeUndefined();
    expect(completedYears('1960-13-45', '2026-03-15')).toBeUndefined();
    expect(completedYears('1961-02-29', '2026-03-15')).toBeUndefined();
    expect(completedYears('1964-02-29', '2026-03-15')).toBe(62);
  });

  it.each([
    ['1960', [65, 66]],
    ['1960-03', [65, 66]],
    ['1960-02', [66, 66]],
    ['1960-04', [65, 65]],
    ['2026', [0, 0]],
    ['2025-12', [0, 0]],
    ['2027', undefined],
    ['1960-13', undefined],
    ['1960-03-01', undefined],
    ['abcd', undefined],
  ] as const)('a partial birth date %s at 2026-03-15 gives completed years %j', (birthDate, range) => {
    expect(completedYearsRange(birthDate, '2026-03-15')).toEqual(range);
  });

  it('the patient facts carry the range for a partial birth date and the exact age otherwise', () => {
    const patient = (birthDate: string) => builder().build(data([{ resourceType: 'Patient', id: 'p1', birthDate }]), { today: TODAY, patientId: 'p1' }).patient;
    expect(patient('1960')).toMatchObject({ birthDate: '1960', ageRange: [65, 66] });
    expect(patient('1960')?.ageYears).toBeUndefined();
    expect(patient('1960-03-15')).toMatchObject({ ageYears: 66 });
    expect(patient('1960-03-15')?.ageRange).toBeUndefined();
  });
});

describe('malformed resources', () => {
  it('reads a quantity whose code is not a string as "no unit code" instead of failing', () => {
    const weird = obs('o1', '1975-2', { effectiveDateTime: '2026-03-10', valueQuantity: { value: 1.2, system: 'http://unitsofmeasure.org', code: true as unknown as string, unit: 'mg/dL' } });
    const record = builder().build(data([weird]), { today: TODAY, patientId: 'p1' });
    expect(record.labs.bilirubin.latest?.value ?? record.labs.bilirubin.ignored[0]?.reason).toBeDefined();
  });

  it('reports a resource that cannot be read as a data gap, and keeps the others', () => {
    const good = obs('o1', '1975-2', { effectiveDateTime: '2026-03-10', valueQuantity: ucum(1.2, 'mg/dL') });
    const hostile = obs('o2', '1751-7', {});
    Object.defineProperty(hostile, 'status', { enumerable: true, get: () => { throw new Error('boom'); } });
    const record = builder().build(data([good, hostile]), { today: TODAY, patientId: 'p1' });
    expect(record.labs.bilirubin.latest?.value).toBe(1.2);
    expect(record.gaps).toEqual([{ key: 'observations', kind: 'unavailable', leftOut: 'malformed', ref: 'Observation/o2', detail: 'Observation/o2 is malformed and was not used' }]);
  });
});

describe('procedures and imaging that cannot be placed in time', () => {
  const tace = (id: string, extra: Partial<fhir4.Procedure>): fhir4.Procedure => ({
    resourceType: 'Procedure',
    id,
    status: 'completed',
    subject: { reference: 'Patient/p1' },
    code: { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: '37243' }] },
    ...extra,
  });
  const build = (resources: fhir4.FhirResource[]) => builder().build(data(resources), { today: TODAY, patientId: 'p1' });

  it('keeps a dated TACE, and reports an undated, unreadable or future one as a procedures gap instead of dropping it', () => {
    const record = build([
      tace('dated', { performedDateTime: '2026-02-01' }),
      tace('undated', {}),
      tace('garbled', { performedDateTime: '2026-02-30' }),
      tace('future', { performedPeriod: { start: '2026-03-16' } }),
    ]);
    expect(record.procedures.map((p) => p.resource)).toEqual(['Procedure/dated']);
    // In the order of their text, not of the entries (the same data in another order gives the same cards).
    expect(record.gaps).toEqual([
      { key: 'procedures', kind: 'unavailable', detail: 'Procedure/future (TACE) is dated 2026-03-16, after today (2026-03-15) and was not used', concept: 'tace' },
      { key: 'procedures', kind: 'unavailable', detail: 'Procedure/garbled (TACE) has a date that cannot be read ("2026-02-30") and was not used', concept: 'tace' },
      { key: 'procedures', kind: 'unavailable', detail: 'Procedure/undated (TACE) has no date and was not used', concept: 'tace' },
    ]);
  });

  it('reports an undated liver imaging report under its own key; a TACE dated today is used', () => {
    const report: fhir4.DiagnosticReport = { resourceType: 'DiagnosticReport', id: 'us1', status: 'final', subject: { reference: 'Patient/p1' }, code: { coding: [{ system: 'http://loinc.org', code: '24558-9' }] } };
    const record = build([report, tace('today', { performedDateTime: '2026-03-15' })]);
    expect(record.imaging).toEqual([]);
    expect(record.gaps).toEqual([{ key: 'imagingReports', kind: 'unavailable', detail: 'DiagnosticReport/us1 (US imaging) has no date and was not used', concept: 'us' }]);
    expect(record.procedures).toEqual([expect.objectContaining({ resource: 'Procedure/today', ageDays: 0 })]);
  });

  it('says nothing about undated procedures that none of the rules use, or that were not completed', () => {
    const other: fhir4.Procedure = { resourceType: 'Procedure', id: 'appendix', status: 'completed', subject: { reference: 'Patient/p1' }, code: { coding: [{ system: 'http://snomed.info/sct', code: '80146002' }] } };
    expect(build([other, tace('planned', { status: 'preparation' })]).gaps).toEqual([]);
  });
});

describe('the Patient resource', () => {
  const build = (resources: fhir4.FhirResource[]) => builder().build(data(resources), { today: TODAY, patientId: 'p1' });
  it("uses this patient's resource, or one without an id, and never another patient's", () => {
    expect(build([{ resourceType: 'Patient', id: 'p2', birthDate: '1990-01-01' }, { resourceType: 'Patient', id: 'p1', birthDate: '1950-01-01' }]).patient?.ageYears).toBe(76);
    expect(build([{ resourceType: 'Patient', birthDate: '1950-01-01' }]).patient).toMatchObject({ id: 'p1', ageYears: 76 });
    const other = build([{ resourceType: 'Patient', id: 'p2', birthDate: '1990-01-01', gender: 'female' }]);
    expect(other.patient).toBeUndefined();
    expect(other.gaps).toEqual([{ key: 'patient', kind: 'unavailable', detail: 'the Patient resource read is Patient/p2, not Patient/p1, and was not used' }]);
  });
});
