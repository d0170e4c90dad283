/** Builds PatientRecords directly (no FHIR) for rule unit tests: defaults + small helpers. */
import type { ConditionConcept, ConditionFact, DataGap, ImagingFact, LabConcept, LabSeries, LabValue, PatientRecord, ProcedureFact, Severity } from '../../src/record/record.js';
import { ConsensusKnowledgeBase } from '../../src/knowledge/engine.js';
import { loadRuleCatalog } from '../../src/rule-files.js';

/** The rules as the service loads them (every defineRule of src/knowledge/rules/). */
export const RULES = await loadRuleCatalog();
import { DEFAULT_SETTINGS, withSettings, type SettingKey } from '../../src/knowledge/settings.js';
import type { DraftOrder, EvaluationInput, Finding, RuleGroup } from '../../src/knowledge/types.js';

export const TODAY = '2026-03-15';

const CANONICAL: Partial<Record<LabConcept, string>> = {
  bilirubin: 'mg/dL', albumin: 'g/dL', platelets: '10*9/L', wbc: '10*9/L', creatinine: 'mg/dL', egfr: 'mL/min/{1.73_m2}', afp: 'ng/mL', tumorBurden: '%', hbvDna: '[IU]/mL', hcvRna: '[IU]/mL',
};
const ALL: LabConcept[] = ['afp', 'bilirubin', 'albumin', 'inr', 'platelets', 'wbc', 'creatinine', 'egfr', 'sodium', 'ecog', 'tumorBurden', 'pvttGrade', 'portalCollaterals', 'westHavenGrade', 'pregnancyStatus', 'hcg', 'hbvDna', 'hcvRna'];

export function dateAgo(days: number, today = TODAY): string {
  const [y, m, d] = today.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d - days)).toISOString().slice(0, 10);
}

let counter = 0;

export class RecordBuilder {
  private readonly record: PatientRecord;

  constructor(today = TODAY) {
    const labs = Object.fromEntries(ALL.map((c): [LabConcept, LabSeries] => [c, { concept: c, values: [], ignored: [] }])) as Record<LabConcept, LabSeries>;
    this.record = { today, patient: { id: 'p1', resource: 'Patient/p1', ageYears: 60, sex: 'male' }, labs, conditions: {}, procedures: [], imaging: [], gaps: [] };
  }

  /** A numeric lab in its canonical unit, `ageDays` old. */
  lab(concept: LabConcept, value: number, ageDays = 1): this {
    const unit = CANONICAL[concept];
    return this.push({ concept, value, ...(unit ? { unit } : {}), original: `${value}${unit ? ` ${unit}` : ''}` }, ageDays);
  }

  coded(concept: LabConcept, code: string, ageDays = 1): this {
    return this.push({ concept, code: { system: 'urn:hcc-cds:local', code }, original: code }, ageDays);
  }

  private push(partial: Omit<LabValue, 'resource' | 'effective' | 'date' | 'ageDays' | 'observationCode'>, ageDays: number): this {
    const date = dateAgo(ageDays, this.record.today);
    const v: LabValue = { ...partial, resource: `Observation/o${++counter}`, effective: date, date, ageDays, observationCode: { system: 'http://loinc.org', code: 'x' } } as LabValue;
    const series = this.record.labs[partial.concept];
    series.values = [...series.values, v].sort((a, b) => a.ageDays - b.ageDays);
    series.latest = series.values[0];
    return this;
  }

  ignored(concept: LabConcept, reason: 'unit' | 'implausible' | 'status', ageDays = 1): this {
    this.record.labs[concept].ignored.push({ concept, resource: `Observation/bad${++counter}`, reason, detail: `${reason} problem`, date: dateAgo(ageDays, this.record.today) });
    return this;
  }

  condition(concept: ConditionConcept, extra: Partial<ConditionFact> & { severity?: Severity } = {}): this {
    const list = this.record.conditions[concept] ?? [];
    list.push({ concept, resource: `Condition/c${++counter}`, code: { system: 'http://snomed.info/sct', code: '000' }, clinicalStatus: 'active', unconfirmed: false, ...extra });
    this.record.conditions[concept] = list;
    return this;
  }

  procedure(concept: 'tace' | 'hepatectomy', ageDays: number): this {
    const p: ProcedureFact = { concept, resource: `Procedure/pr${++counter}`, code: { code: concept === 'tace' ? '37243' : '47120' }, date: dateAgo(ageDays, this.record.today), ageDays };
    this.record.procedures = [...this.record.procedures, p].sort((a, b) => a.ageDays - b.ageDays);
    return this;
  }

  imaging(modality: 'us' | 'ct' | 'mri', ageDays: number): this {
    const i: ImagingFact = { modality, resource: `DiagnosticReport/dr${++counter}`, code: { code: modality }, date: dateAgo(ageDays, this.record.today), ageDays };
    this.record.imaging = [...this.record.imaging, i].sort((a, b) => a.ageDays - b.ageDays);
    return this;
  }

  patient(ageYears: number | undefined, sex: 'male' | 'female' | 'other' | 'unknown' | undefined): this {
    this.record.patient = { id: 'p1', resource: 'Patient/p1', ...(ageYears !== undefined ? { ageYears } : {}), ...(sex ? { sex } : {}) };
    return this;
  }

  /** A partial birth date: only the range of completed years is known. */
  ageRange(birthDate: string, range: [number, number]): this {
    this.record.patient = { ...(this.record.patient ?? { id: 'p1', resource: 'Patient/p1' }), birthDate, ageRange: range };
    delete this.record.patient.ageYears;
    return this;
  }

  gap(gap: DataGap): this {
    this.record.gaps.push(gap);
    return this;
  }

  /** Every pre-TACE lab fresh and normal, ECOG 0, liver cancer recorded: a TACE call with no warning/critical card. */
  healthyTace(): this {
    return this.lab('bilirubin', 0.8).lab('albumin', 4.0).lab('inr', 1.1).lab('platelets', 180).lab('wbc', 6.0).lab('creatinine', 0.9).lab('ecog', 0).condition('hcc');
  }

  build(): PatientRecord {
    return this.record;
  }
}

export const rec = (today = TODAY): RecordBuilder => new RecordBuilder(today);

export const TACE_ORDER: DraftOrder = { reference: 'ServiceRequest/tace-1', resourceType: 'ServiceRequest', codes: [{ system: 'http://www.ama-assn.org/go/cpt', code: '37243' }], label: 'TACE' };

export function evaluateTace(record: PatientRecord, settings: Partial<Record<SettingKey, number | boolean>> = {}, hook: 'order-select' | 'order-sign' = 'order-sign'): Finding[] {
  const kb = new ConsensusKnowledgeBase(RULES, withSettings(settings, DEFAULT_SETTINGS));
  const input: EvaluationInput = { hook, record, taceOrders: [TACE_ORDER], patientId: 'p1' };
  return kb.evaluate(['tace-safety', 'data-quality'] as RuleGroup[], input);
}

export function evaluatePatientView(record: PatientRecord, settings: Partial<Record<SettingKey, number | boolean>> = {}): Finding[] {
  const kb = new ConsensusKnowledgeBase(RULES, withSettings(settings, DEFAULT_SETTINGS));
  return kb.evaluate(['surveillance', 'follow-up', 'data-quality'], { hook: 'patient-view', record, taceOrders: [], patientId: 'p1' });
}

/** `RULE:indicator` of every finding, sorted. */
export const ids = (findings: Finding[]): string[] => findings.map((f) => `${f.ruleId}:${f.indicator}`).sort();
export const find = (findings: Finding[], ruleId: string): Finding | undefined => findings.find((f) => f.ruleId === ruleId);
/** Only warning and critical (the exact-set part of the acceptance rule). */
export const alerts = (findings: Finding[]): string[] => ids(findings.filter((f) => f.indicator !== 'info'));
