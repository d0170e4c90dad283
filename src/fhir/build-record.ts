/**
 * Bundles -> PatientRecord, the same whichever road the data came by (clinical-rules.md §1, §3.1). The builder only
 * orchestrates: it keeps this patient's resources (attribution.ts), one per id (copies.ts), hands each to the reader
 * of its type (readers/), and orders the draft (lab-series.ts). Pure and in-memory: value sets, unit conversions and
 * settings are built once and passed in. Every list is in a deterministic order, so both roads give deep-equal records.
 */
import { fhirCalendarDate } from '../common/calendar.js';
import { LAB_CONCEPTS } from '../record/record.js';
import type { ConditionConcept, ConditionFact, DataGap, LabConcept, LabSeries, PatientRecord } from '../record/record.js';
import { notThisPatient } from './attribution.js';
import { distinctResources, type ResourceItem } from './copies.js';
import type { DataSettings } from './data-settings.js';
import { finishLabSeries, newestFirst } from './lab-series.js';
import { readCondition } from './readers/condition.js';
import { readDiagnosticReport } from './readers/diagnostic-report.js';
import { readFamilyMemberHistory } from './readers/family-member-history.js';
import { readImagingStudy } from './readers/imaging-study.js';
import { readObservation } from './readers/observation.js';
import { patientFacts } from './readers/patient.js';
import { readProcedure } from './readers/procedure.js';
import { KEY_OF_TYPE, refOf, type ReadContext, type RecordDraft, type ResourceReader } from './readers/read-context.js';
import { UnitConverter } from './units.js';
import type { ValueSets } from './value-sets.js';

export { completedYears, completedYearsRange } from './readers/patient.js';

/** One reader per resource type the rules read; other types (the usual `_include`s) change nothing. */
const READERS: Readonly<Record<string, ResourceReader<never>>> = {
  Observation: readObservation,
  Condition: readCondition,
  FamilyMemberHistory: readFamilyMemberHistory,
  Procedure: readProcedure,
  DiagnosticReport: readDiagnosticReport,
  ImagingStudy: readImagingStudy,
};

/** What the record is built from: the resources read under each prefetch key, and what is known to be missing. */
export interface RecordSource {
  keys: readonly { key: string; resources: readonly fhir4.FhirResource[]; resourceType?: string }[];
  gaps: readonly DataGap[];
}

const byResource = <T extends { resource: string }>(a: T, b: T): number => (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0);

export class PatientRecordBuilder {
  private readonly units: UnitConverter;

  constructor(
    private readonly valueSets: ValueSets,
    private readonly settings: DataSettings,
    private readonly timeZone: string,
  ) {
    this.units = new UnitConverter(settings);
  }

  build(data: RecordSource, options: { today: string; patientId: string; fhirServer?: string }): PatientRecord {
    const { today, patientId } = options;
    const dates = new Map<string, string | undefined>();
    const ctx: ReadContext = {
      today,
      patientId,
      valueSets: this.valueSets,
      units: this.units,
      date: (value) => {
        if (typeof value !== 'string') return undefined;
        if (dates.has(value)) return dates.get(value);
        const date = fhirCalendarDate(value, this.timeZone);
        dates.set(value, date);
        return date;
      },
    };
    const draft: RecordDraft = {
      labs: Object.fromEntries(LAB_CONCEPTS.map((concept): [LabConcept, LabSeries] => [concept, { concept, values: [], ignored: [] }])) as Record<LabConcept, LabSeries>,
      conditions: {},
      procedures: [],
      imaging: [],
      gaps: [],
    };
    const patients: fhir4.Patient[] = [];

    const copied = new Set<string>();
    for (const [index, item] of distinctResources(this.attributedResources(data, patientId, draft.gaps, options.fhirServer, patients)).entries()) {
      const { resource } = item;
      const ref = refOf(resource, index);
      if (item.copies !== undefined) copied.add(ref);
      try {
        (READERS[resource.resourceType] as ResourceReader<fhir4.FhirResource> | undefined)?.(resource, ref, ctx, draft);
        if (item.superseded) this.markSuperseded(ref, item.superseded, draft.labs, draft.conditions);
      } catch {
        // A resource whose fields have impossible types must neither take the call down nor vanish silently.
        draft.gaps.push({ key: KEY_OF_TYPE[resource.resourceType] ?? resource.resourceType, kind: 'unavailable', leftOut: 'malformed', ref, detail: `${ref} is malformed and was not used` });
      }
    }

    for (const series of Object.values(draft.labs)) finishLabSeries(series, copied, this.settings);
    for (const list of Object.values(draft.conditions)) list?.sort(byResource);
    draft.procedures.sort(newestFirst);
    draft.imaging.sort(newestFirst);

    // Another patient's demographics must never stand in for this one's (age and sex drive eligibility).
    const own = patients.find((p) => p.id === patientId) ?? patients.find((p) => typeof p.id !== 'string' || p.id === '');
    if (!own && patients.length > 0) {
      draft.gaps.push({ key: 'patient', kind: 'unavailable', detail: `the Patient resource read is ${refOf(patients[0]!, 0)}, not Patient/${patientId}, and was not used` });
    }
    const patient = patientFacts(own, { today, patientId });
    // Gaps in an order of their own, not the entries' (the same data in another order gives the same cards).
    const gaps = draft.gaps.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.detail < b.detail ? -1 : a.detail > b.detail ? 1 : 0));
    return { today, ...(patient ? { patient } : {}), labs: draft.labs, conditions: draft.conditions, procedures: draft.procedures, imaging: draft.imaging, gaps: [...data.gaps, ...gaps] };
  }

  /**
   * The resources that are this patient's data, each with the key it came under. Patient resources go to `patients`
   * (matched by id later); types no rule reads (Practitioner, Medication: the usual `_include`s) are left aside, as
   * they change nothing. A resource of another type than its key's search, or one that does not name this patient,
   * is left out and named as a gap. A misfiled copy is not reported when the same resource came under its own key.
   */
  private attributedResources(data: RecordSource, patientId: string, gaps: DataGap[], fhirServer: string | undefined, patients: fhir4.Patient[]): ResourceItem[] {
    const items: ResourceItem[] = [];
    const misfiled: { ref: string; key: string; expected: string }[] = [];
    for (const { key, resources, resourceType: expected } of data.keys) {
      for (const resource of resources) {
        if (typeof resource !== 'object' || resource === null || typeof resource.resourceType !== 'string') continue;
        if (resource.resourceType === 'Patient') {
          patients.push(resource);
          continue;
        }
        if (KEY_OF_TYPE[resource.resourceType] === undefined) continue;
        const ref = refOf(resource, items.length + misfiled.length);
        if (expected !== undefined && expected !== resource.resourceType) {
          misfiled.push({ ref, key, expected });
          continue;
        }
        const why = notThisPatient(resource, patientId, fhirServer);
        if (why !== undefined) {
          gaps.push({ key, kind: 'unavailable', leftOut: 'not-this-patient', ref, detail: `${ref} ${why} (this patient is Patient/${patientId}) and was left out` });
          continue;
        }
        items.push({ resource, key });
      }
    }
    const filed = new Set(items.map((item) => refOf(item.resource, -1)));
    for (const { ref, key, expected } of misfiled) {
      if (!filed.has(ref)) gaps.push({ key, kind: 'unavailable', leftOut: 'wrong-type', ref, detail: `${ref} was sent where ${expected} resources were expected and was left out` });
    }
    return items;
  }

  /** The newest version was kept: its values say how many older versions it superseded. */
  private markSuperseded(ref: string, count: number, labs: Record<LabConcept, LabSeries>, conditions: Partial<Record<ConditionConcept, ConditionFact[]>>): void {
    for (const series of Object.values(labs)) for (const value of series.values) if (value.resource === ref) value.superseded = count;
    for (const list of Object.values(conditions)) for (const fact of list ?? []) if (fact.resource === ref) fact.superseded = count;
  }
}
