/**
 * The lab concepts (Observations the rules read; clinical-rules.md §1.1, §1.2, §1.8), one row each: how a clinician
 * names it, its canonical unit and rounding, the plausible range, which way is worse when two same-time results
 * disagree, how its value is read and its coded answers. The LabConcept union, the unit settings, the labels and
 * the answer lists are all derived from this table; the codes of each concept are value-set data (fhir/value-set-data.ts).
 */

/** Which way is "worse" when two same-timestamp results disagree (§3.1). */
export type Direction = 'higher-is-worse' | 'lower-is-worse';

/**
 * How the value is read: `quantity` (valueQuantity / valueInteger, converted to the canonical unit); `ecog`
 * (valueInteger, or an LL529-9 answer); `local-answer` (a `urn:hcc-cds:local` code from `answers`); `pregnancy-answer`
 * (LOINC / SNOMED answers); `quantity-or-text` (a number when there is one, else the code or text as sent).
 */
export type ValueKind = 'quantity' | 'ecog' | 'local-answer' | 'pregnancy-answer' | 'quantity-or-text';

/** The hooks whose DQ-UNIT card reports an unusable result of the concept: TACE orders, patient-view. */
export type CheckedOn = 'tace' | 'patient-view';

export interface LabConceptRow {
  /** As the card names it. */
  label: string;
  value: ValueKind;
  /** Canonical UCUM unit; absent for dimensionless and coded concepts. */
  canonical?: string;
  /** Decimal places kept after conversion (round THEN compare). */
  decimals: number;
  /** Inclusive plausibility limits in the canonical unit (§1.1, design choice); outside = implausible. */
  plausible?: readonly [number, number];
  worse: Direction;
  /** umol/L per canonical unit, for molar results (molar mass, §1.1). */
  umolPerCanonical?: number;
  /** Units accepted without conversion for a dimensionless concept ('' = no unit at all). */
  unitless?: readonly string[];
  /** Values keep the unit they were sent in (no conversion, any unit): IU vs copies is assay-specific (§1.1). */
  keepsUnit?: true;
  /**
   * UCUM codes that are the canonical unit times a factor; `afpNgPerIu` is the site setting of that name (the AFP
   * IU factor, §1.1 note A).
   */
  synonyms?: Readonly<Record<string, number | 'afpNgPerIu'>>;
  /** Coded answers in order of increasing severity (the last is the worst). */
  answers?: readonly string[];
  checkedOn: readonly CheckedOn[];
}

/**
 * Bilirubin: molar mass 584.66 g/mol, so 1 mg/dL = 10 mg/L / 584.66 g/mol = 17.104 umol/L
 * (clinical-rules.md §1.1, [S1] BilirubinLabTest). umol/L -> mg/dL: divide by 17.104.
 */
export const BILIRUBIN_UMOL_PER_MG_DL = 17.104;
/** Creatinine: molar mass 113.12 g/mol, 1 mg/dL = 88.4 umol/L (clinical-rules.md §1.1). */
export const CREATININE_UMOL_PER_MG_DL = 88.4;

/**
 * AFP: 1 IU = 1.21 ng (WHO 1st IS 72/225; manufacturer inserts; clinical-rules.md §1.1 note A, marked V~ and
 * assay-dependent): the default of the site setting `afpNgPerIu`.
 */
export const DEFAULT_AFP_NG_PER_IU = 1.21;

const TACE = ['tace'] as const;
const PATIENT_VIEW = ['patient-view'] as const;

// Row order is the order of DQ-UNIT card lines (conceptsCheckedOn).
export const LAB_CONCEPT_TABLE = {
  // 1 k[IU]/L = 1 [IU]/mL; ng/mL = IU/mL x the site's factor (§1.1 note A).
  afp: { label: 'AFP', value: 'quantity', canonical: 'ng/mL', decimals: 1, plausible: [0, 10_000_000], worse: 'higher-is-worse', synonyms: { '[IU]/mL': 'afpNgPerIu', 'k[IU]/L': 'afpNgPerIu', '[iU]/mL': 'afpNgPerIu', 'k[iU]/L': 'afpNgPerIu' }, checkedOn: PATIENT_VIEW },
  bilirubin: { label: 'Total bilirubin', value: 'quantity', canonical: 'mg/dL', decimals: 2, plausible: [0, 60], worse: 'higher-is-worse', umolPerCanonical: BILIRUBIN_UMOL_PER_MG_DL, checkedOn: TACE },
  albumin: { label: 'Albumin', value: 'quantity', canonical: 'g/dL', decimals: 2, plausible: [0.5, 7.0], worse: 'lower-is-worse', checkedOn: TACE },
  inr: { label: 'INR', value: 'quantity', decimals: 2, plausible: [0.5, 15], worse: 'higher-is-worse', unitless: ['', '{INR}', '{ratio}', '1'], checkedOn: TACE },
  platelets: { label: 'Platelets', value: 'quantity', canonical: '10*9/L', decimals: 0, plausible: [1, 2000], worse: 'lower-is-worse', checkedOn: TACE },
  wbc: { label: 'WBC', value: 'quantity', canonical: '10*9/L', decimals: 1, plausible: [0.1, 500], worse: 'lower-is-worse', checkedOn: TACE },
  creatinine: { label: 'Creatinine', value: 'quantity', canonical: 'mg/dL', decimals: 2, plausible: [0.1, 30], worse: 'higher-is-worse', umolPerCanonical: CREATININE_UMOL_PER_MG_DL, checkedOn: TACE },
  egfr: { label: 'eGFR', value: 'quantity', canonical: 'mL/min/{1.73_m2}', decimals: 0, plausible: [1, 200], worse: 'lower-is-worse', synonyms: { 'mL/min/{1.73_m2}': 1 }, checkedOn: TACE },
  // Sodium is information only (MELD-Na); limits are a design choice of this layer, not of §1.1.
  sodium: { label: 'Sodium', value: 'quantity', canonical: 'mmol/L', decimals: 0, plausible: [80, 200], worse: 'lower-is-worse', synonyms: { 'meq/L': 1, 'mEq/L': 1 }, checkedOn: [] },
  ecog: { label: 'ECOG performance status', value: 'ecog', decimals: 0, plausible: [0, 5], worse: 'higher-is-worse', unitless: ['', '1', '{score}'], checkedOn: TACE },
  tumorBurden: { label: 'Tumour burden (% of liver)', value: 'quantity', canonical: '%', decimals: 1, plausible: [0, 100], worse: 'higher-is-worse', synonyms: { '%': 1 }, checkedOn: TACE },
  pvttGrade: { label: 'Portal vein tumour thrombus grade', value: 'local-answer', decimals: 0, worse: 'higher-is-worse', answers: ['Vp0', 'Vp1', 'Vp2', 'Vp3', 'Vp4'], checkedOn: TACE },
  portalCollaterals: { label: 'Portal collateral circulation', value: 'local-answer', decimals: 0, worse: 'higher-is-worse', answers: ['adequate', 'unknown', 'few-or-none'], checkedOn: TACE },
  westHavenGrade: { label: 'West Haven encephalopathy grade', value: 'quantity', decimals: 0, plausible: [0, 4], worse: 'higher-is-worse', unitless: ['', '1', '{score}', '{grade}'], checkedOn: TACE },
  hcg: { label: 'hCG', value: 'quantity-or-text', canonical: 'm[IU]/mL', decimals: 1, plausible: [0, 10_000_000], worse: 'higher-is-worse', synonyms: { 'm[IU]/mL': 1, '[IU]/L': 1, 'm[iU]/mL': 1, '[iU]/L': 1 }, checkedOn: [] },
  hbvDna: { label: 'HBV DNA', value: 'quantity-or-text', decimals: 2, worse: 'higher-is-worse', keepsUnit: true, checkedOn: PATIENT_VIEW },
  hcvRna: { label: 'HCV RNA', value: 'quantity-or-text', decimals: 2, worse: 'higher-is-worse', keepsUnit: true, checkedOn: PATIENT_VIEW },
  pregnancyStatus: { label: 'Pregnancy status', value: 'pregnancy-answer', decimals: 0, worse: 'higher-is-worse', answers: ['not-pregnant', 'unknown', 'pregnant'], checkedOn: ['tace', 'patient-view'] },
} as const satisfies Record<string, LabConceptRow>;

export type LabConcept = keyof typeof LAB_CONCEPT_TABLE;

export const LAB_CONCEPTS = Object.keys(LAB_CONCEPT_TABLE) as LabConcept[];

/** The table with every row seen through the common row type. */
export const LAB_CONCEPT_ROWS: Readonly<Record<LabConcept, LabConceptRow>> = LAB_CONCEPT_TABLE;

export const LAB_LABELS: Readonly<Record<LabConcept, string>> = Object.fromEntries(LAB_CONCEPTS.map((concept) => [concept, LAB_CONCEPT_ROWS[concept].label])) as Record<LabConcept, string>;

/** The lab concepts whose unusable results a DQ-UNIT card reports on these hooks. */
export const conceptsCheckedOn = (hooks: CheckedOn): LabConcept[] => LAB_CONCEPTS.filter((concept) => LAB_CONCEPT_ROWS[concept].checkedOn.includes(hooks));

/** PVTT grades, collateral answers: the local codes of §1.8, in order of increasing severity. */
export const PVTT_GRADES = LAB_CONCEPT_TABLE.pvttGrade.answers;
export const COLLATERAL_ANSWERS = LAB_CONCEPT_TABLE.portalCollaterals.answers;
export type PregnancyAnswer = (typeof LAB_CONCEPT_TABLE.pregnancyStatus.answers)[number];
