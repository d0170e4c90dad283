/** What every resource reader gets and fills: the call's context, and the small draft of the record. */
import { resourceRefText } from '../../record/display.js';
import type { CodeRef, ConditionConcept, ConditionFact, DataGap, ImagingFact, LabConcept, LabSeries, ProcedureFact } from '../../record/record.js';
import type { UnitConverter } from '../units.js';
import type { ValueSets } from '../value-sets.js';

/** The record as the readers fill it, before ordering and conflict resolution. */
export interface RecordDraft {
  labs: Record<LabConcept, LabSeries>;
  conditions: Partial<Record<ConditionConcept, ConditionFact[]>>;
  procedures: ProcedureFact[];
  imaging: ImagingFact[];
  /** Data that was there but could not be used; the cards that depend on its key say so. */
  gaps: DataGap[];
}

export interface ReadContext {
  today: string;
  patientId: string;
  valueSets: ValueSets;
  units: UnitConverter;
  /** The calendar date in CDS_TIME_ZONE of a FHIR date, worked out once per call (a lab panel shares one timestamp). */
  date(value: string | undefined): string | undefined;
}

/** A reader of one FHIR resource type. */
export type ResourceReader<R> = (resource: R, ref: string, ctx: ReadContext, draft: RecordDraft) => void;

/** The prefetch key a resource type is read under (hooks/*.json), for data gaps the cards report. */
export const KEY_OF_TYPE: Readonly<Record<string, string>> = {
  Observation: 'observations',
  Condition: 'conditions',
  FamilyMemberHistory: 'familyHistory',
  Procedure: 'procedures',
  DiagnosticReport: 'imagingReports',
  ImagingStudy: 'imagingStudies',
};

// Built field by field: a spread of conditional objects costs several times more, and this runs for every coding.
export const codeRef = (coding: fhir4.Coding): CodeRef => {
  const ref: CodeRef = coding.system !== undefined ? { system: coding.system, code: coding.code ?? '' } : { code: coding.code ?? '' };
  if (coding.display !== undefined) ref.display = coding.display;
  return ref;
};

/** A string field as sent, or undefined when it is missing, empty or not a string (real and hostile data both send such). */
export const textOf = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

export const codings = (concept: fhir4.CodeableConcept | undefined): fhir4.Coding[] => (Array.isArray(concept?.coding) ? concept.coding.filter((c) => typeof c?.code === 'string') : []);

export const refOf = (resource: fhir4.FhirResource, index: number): string => resourceRefText(resource.resourceType, resource.id, index);
