/**
 * Data settings: canonical units, rounding, plausibility limits and conversion constants for every lab
 * concept (clinical-rules.md §1.1). Built once at start-up; the AFP IU factor is the site setting `afpNgPerIu`.
 */
import type { LabConcept } from '../record/record.js';

/**
 * Bilirubin: molar mass 584.66 g/mol, so 1 mg/dL = 10 mg/L / 584.66 g/mol = 17.104 umol/L
 * (clinical-rules.md §1.1, [S1] BilirubinLabTest). umol/L -> mg/dL: divide by 17.104.
 */
export const BILIRUBIN_UMOL_PER_MG_DL = 17.104;
/** Creatinine: molar mass 113.12 g/mol, 1 mg/dL = 88.4 umol/L (clinical-rules.md §1.1). */
export const CREATININE_UMOL_PER_MG_DL = 88.4;
/**
 * AFP: 1 IU = 1.21 ng (WHO 1st IS 72/225; manufacturer inserts; clinical-rules.md §1.1 note A, marked V~ and
 * assay-dependent, hence a site setting: `afpNgPerIu` in SITE_POLICY_FILE, passed in at start-up).
 */
export const DEFAULT_AFP_NG_PER_IU = 1.21;

export type Direction = 'higher-is-worse' | 'lower-is-worse';

export interface LabSetting {
  /** Canonical UCUM unit; undefined for dimensionless and coded concepts. */
  canonical?: string;
  /** Decimal places kept after conversion (round THEN compare). */
  decimals: number;
  /** Inclusive plausibility limits in the canonical unit (§1.1, design choice); outside = implausible. */
  plausible?: readonly [number, number];
  /** Which way is "worse" when two same-timestamp results disagree (§3.1). */
  worse: Direction;
  /** umol/L per canonical unit, for molar results. */
  umolPerCanonical?: number;
}

export interface DataSettings {
  afpNgPerIu: number;
  labs: Readonly<Record<LabConcept, LabSetting>>;
  /** At most this many (concept, unit) conversions are cached; units beyond are converted uncached. */
  unitCacheSize: number;
}

/** §1.1 table: canonical unit, rounding, plausibility (the recommended limits are a design choice). */
const LAB_SETTINGS: Record<LabConcept, LabSetting> = {
  afp: { canonical: 'ng/mL', decimals: 1, plausible: [0, 10_000_000], worse: 'higher-is-worse' },
  bilirubin: { canonical: 'mg/dL', decimals: 2, plausible: [0, 60], worse: 'higher-is-worse', umolPerCanonical: BILIRUBIN_UMOL_PER_MG_DL },
  albumin: { canonical: 'g/dL', decimals: 2, plausible: [0.5, 7.0], worse: 'lower-is-worse' },
  inr: { decimals: 2, plausible: [0.5, 15], worse: 'higher-is-worse' },
  platelets: { canonical: '10*9/L', decimals: 0, plausible: [1, 2000], worse: 'lower-is-worse' },
  wbc: { canonical: '10*9/L', decimals: 1, plausible: [0.1, 500], worse: 'lower-is-worse' },
  creatinine: { canonical: 'mg/dL', decimals: 2, plausible: [0.1, 30], worse: 'higher-is-worse', umolPerCanonical: CREATININE_UMOL_PER_MG_DL },
  egfr: { canonical: 'mL/min/{1.73_m2}', decimals: 0, plausible: [1, 200], worse: 'lower-is-worse' },
  // Sodium is information only (MELD-Na); limits are a design choice of this layer, not of §1.1.
  sodium: { canonical: 'mmol/L', decimals: 0, plausible: [80, 200], worse: 'lower-is-worse' },
  ecog: { decimals: 0, plausible: [0, 5], worse: 'higher-is-worse' },
  tumorBurden: { canonical: '%', decimals: 1, plausible: [0, 100], worse: 'higher-is-worse' },
  pvttGrade: { decimals: 0, worse: 'higher-is-worse' },
  portalCollaterals: { decimals: 0, worse: 'higher-is-worse' },
  westHavenGrade: { decimals: 0, plausible: [0, 4], worse: 'higher-is-worse' },
  pregnancyStatus: { decimals: 0, worse: 'higher-is-worse' },
  hcg: { canonical: 'm[IU]/mL', decimals: 1, plausible: [0, 10_000_000], worse: 'higher-is-worse' },
  // Viral loads keep the unit they were sent in (IU vs copies is assay-specific, §1.1): no conversion.
  hbvDna: { decimals: 2, worse: 'higher-is-worse' },
  hcvRna: { decimals: 2, worse: 'higher-is-worse' },
};

export function createDataSettings(overrides: { afpNgPerIu?: number } = {}): DataSettings {
  const afpNgPerIu = overrides.afpNgPerIu ?? DEFAULT_AFP_NG_PER_IU;
  if (!Number.isFinite(afpNgPerIu) || afpNgPerIu <= 0) throw new RangeError(`AFP ng per IU must be a positive number, got ${afpNgPerIu}`);
  return { afpNgPerIu, labs: LAB_SETTINGS, unitCacheSize: 2000 };
}
