/**
 * The PatientRecord: one normalized, typed view of a patient's FHIR data, the same whichever road
 * (prefetch or FHIR server) the data came by. Rules read only this; they never see raw FHIR.
 * Dates are calendar dates (YYYY-MM-DD) in CDS_TIME_ZONE; `ageDays` = today - date in whole days.
 */

import type { LabConcept } from './lab-concepts.js';

/** Observation concepts the rules use (clinical-rules.md §1.1, §1.2, §1.8): one table, lab-concepts.ts. */
export { LAB_CONCEPTS, type LabConcept } from './lab-concepts.js';

export const CONDITION_CONCEPTS = ['hcc', 'primaryLiverCancer', 'intrahepaticCholangiocarcinoma', 'liverMetastasis', 'distantMetastasis', 'portalVeinThrombosis', 'liverAbscess', 'sepsis', 'cachexia', 'multiOrganFailure', 'chronicHepatitisB', 'chronicHepatitisC', 'alcoholUseDisorder', 'type2Diabetes', 'cirrhosis', 'biliaryCirrhosis', 'sclerosingCholangitis', 'ascites', 'hepaticEncephalopathy', 'avFistula', 'pregnancy', 'hepatorenalSyndrome', 'familyHistoryLiverCancer'] as const;
export type ConditionConcept = (typeof CONDITION_CONCEPTS)[number];

export const PROCEDURE_CONCEPTS = ['tace', 'hepatectomy'] as const;
export type ProcedureConcept = (typeof PROCEDURE_CONCEPTS)[number];
export const IMAGING_MODALITIES = ['us', 'ct', 'mri'] as const;
export type ImagingModality = (typeof IMAGING_MODALITIES)[number];

/** Why an Observation was not used (clinical-rules.md §3.1 "Usable Observation"). */
export type IgnoreReason = 'status' | 'data-absent' | 'no-value' | 'unit' | 'implausible' | 'no-date' | 'future-date' | 'disputed';

/** A FHIR code as found in the data. */
export interface CodeRef {
  system?: string;
  code: string;
  display?: string;
}

/** One usable result, converted to the canonical unit and rounded (§1.1) before any comparison. */
export interface LabValue {
  concept: LabConcept;
  /** `Observation/{id}` (or `contained`/index when the resource has no id). */
  resource: string;
  /** Numeric value in the canonical unit, rounded to the concept's precision; absent for coded results. */
  value?: number;
  /** Coded result (e.g. `Vp4`, `few-or-none`, `LA15173-0`), for coded concepts. */
  code?: CodeRef;
  /**
   * The coded result's meaning, normalised: pvttGrade `Vp0`..`Vp4`; portalCollaterals `adequate` /
   * `few-or-none` / `unknown`; pregnancyStatus `pregnant` / `not-pregnant` / `unknown`. (ECOG LA codes become `value`.)
   */
  answer?: string;
  /** valueQuantity.comparator when sent (`<`, `<=`, `>=`, `>`): `value` is then a bound, not a measurement. */
  comparator?: string;
  /** Canonical unit (UCUM), e.g. `mg/dL`; absent for coded and dimensionless results. */
  unit?: string;
  /** What was sent, for the card: `"34.2 umol/L"`. */
  original: string;
  /** Effective instant or date as sent, used to order results. */
  effective: string;
  /** Calendar date in CDS_TIME_ZONE. */
  date: string;
  ageDays: number;
  observationCode: CodeRef;
  /**
   * Set when other usable results share this timestamp and disagree: this is the worse one. `copies`: the results are
   * differing copies of one resource id that no version orders (each copy counts as a same-time result).
   */
  conflict?: { resources: string[]; values: string[]; copies?: true };
  /** How many older versions of this resource (same id, other content, ordered by meta) the record set aside. */
  superseded?: number;
}

export interface IgnoredObservation {
  concept: LabConcept;
  resource: string;
  reason: IgnoreReason;
  /** Human-readable, e.g. `unit "mmol/L" cannot be converted to mg/dL`. */
  detail: string;
  date?: string;
}

export interface LabSeries {
  concept: LabConcept;
  /** Usable values, newest first (after same-timestamp conflict resolution). */
  values: LabValue[];
  latest?: LabValue;
  ignored: IgnoredObservation[];
}

export type Severity = 'mild' | 'moderate' | 'severe';

export interface ConditionFact {
  concept: ConditionConcept;
  resource: string;
  code: CodeRef;
  /** clinicalStatus active / recurrence / relapse or absent (§3.1). */
  clinicalStatus: string;
  verificationStatus?: string;
  /** unconfirmed / provisional / differential: counts, and the card says so. */
  unconfirmed: boolean;
  severity?: Severity;
  onsetDate?: string;
  recordedDate?: string;
  bodySite?: CodeRef[];
  /** How many older versions of this resource (same id, other content, ordered by meta) the record set aside. */
  superseded?: number;
}

export interface ProcedureFact {
  concept: ProcedureConcept;
  resource: string;
  code: CodeRef;
  date: string;
  ageDays: number;
}

export interface ImagingFact {
  modality: ImagingModality;
  resource: string;
  code: CodeRef;
  date: string;
  ageDays: number;
}

export interface PatientFacts {
  id: string;
  resource: string;
  birthDate?: string;
  /** Completed years at today (birthday today counts). */
  ageYears?: number;
  /** A partial birth date (YYYY or YYYY-MM) gives only a range of completed years: [youngest, oldest]. */
  ageRange?: [number, number];
  sex?: 'male' | 'female' | 'other' | 'unknown';
}

/** What is known about the completeness of the data behind the record. */
export interface DataGap {
  /** The prefetch key or data category affected. */
  key: string;
  /**
   * `truncated`: data was read only in part (paging bound, unreadable page, a server outcome reporting a problem);
   * `unavailable`: an optional key could not be had, or a resource was there but unusable (malformed, undated).
   */
  kind: 'truncated' | 'unavailable';
  detail: string;
  /** Set when one resource of a known concept was there but unusable (e.g. a TACE without a date). */
  concept?: ProcedureConcept | ImagingModality;
  /**
   * Set when one resource was left out. `not-this-patient` (it does not name this patient) and `wrong-type` (another
   * type than the key's search) say nothing about the patient's own data, so the clinical rules do not treat them as
   * incompleteness; `malformed` (fields of impossible types) may be this patient's data and is named like any gap.
   * DQ-INCOMPLETE names every left-out resource that no other card names.
   */
  leftOut?: 'not-this-patient' | 'wrong-type' | 'malformed';
  /** The resource left out (`Type/id`), when `leftOut` is set. */
  ref?: string;
}

export interface PatientRecord {
  today: string;
  patient?: PatientFacts;
  labs: Record<LabConcept, LabSeries>;
  /** Active conditions only (§3.1), by concept; inactive / resolved / refuted / entered-in-error are left out. */
  conditions: Partial<Record<ConditionConcept, ConditionFact[]>>;
  /** Completed procedures, newest first. */
  procedures: ProcedureFact[];
  /** Qualifying imaging (Procedure, final/amended/corrected DiagnosticReport, available ImagingStudy), newest first. */
  imaging: ImagingFact[];
  gaps: DataGap[];
}
