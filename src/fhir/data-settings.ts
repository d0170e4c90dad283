/**
 * Data settings: canonical units, rounding, plausibility limits and conversion constants for every lab concept
 * (clinical-rules.md §1.1), from the lab concept table (record/lab-concepts.ts). Built once at start-up; the AFP IU
 * factor is the site setting `afpNgPerIu`, passed in.
 */
import { DEFAULT_AFP_NG_PER_IU, LAB_CONCEPT_ROWS, type LabConceptRow } from '../record/lab-concepts.js';
import type { LabConcept } from '../record/record.js';

export { BILIRUBIN_UMOL_PER_MG_DL, CREATININE_UMOL_PER_MG_DL, DEFAULT_AFP_NG_PER_IU, type Direction } from '../record/lab-concepts.js';

export type LabSetting = LabConceptRow;

export interface DataSettings {
  afpNgPerIu: number;
  labs: Readonly<Record<LabConcept, LabSetting>>;
  /** At most this many (concept, unit) conversions are cached; units beyond are converted uncached. */
  unitCacheSize: number;
}

export function createDataSettings(overrides: { afpNgPerIu?: number } = {}): DataSettings {
  const afpNgPerIu = overrides.afpNgPerIu ?? DEFAULT_AFP_NG_PER_IU;
  if (!Number.isFinite(afpNgPerIu) || afpNgPerIu <= 0) throw new RangeError(`AFP ng per IU must be a positive number, got ${afpNgPerIu}`);
  return { afpNgPerIu, labs: LAB_CONCEPT_ROWS, unitCacheSize: 2000 };
}
