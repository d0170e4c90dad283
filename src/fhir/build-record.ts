import type { LabConcept, LabSeries, PatientRecord } from './record.js';
import type { ResolvedData } from './resolved-data.js';
import type { RecordBuilder } from '../cds-hooks/hook-call.js';

const LAB_CONCEPTS: LabConcept[] = ['afp', 'bilirubin', 'albumin', 'inr', 'platelets', 'wbc', 'creatinine', 'egfr', 'sodium', 'ecog', 'tumorBurden', 'pvttGrade', 'portalCollaterals', 'westHavenGrade', 'pregnancyStatus', 'hcg', 'hbvDna', 'hcvRna'];

// INTERIM (foundation): an empty record with the right shape. The data work (issue 3) fills it.
export class PatientRecordBuilder implements RecordBuilder {
  build(data: ResolvedData, options: { today: string; patientId: string }): PatientRecord {
    const labs = Object.fromEntries(LAB_CONCEPTS.map((concept): [LabConcept, LabSeries] => [concept, { concept, values: [], ignored: [] }])) as Record<LabConcept, LabSeries>;
    return { today: options.today, labs, conditions: {}, procedures: [], imaging: [], gaps: data.gaps };
  }
}
