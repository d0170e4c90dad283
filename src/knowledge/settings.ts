/**
 * Every threshold, freshness window and age limit of clinical-rules.md §3, with its default and its source.
 * A site policy file (SITE_POLICY_FILE, JSON object of `key: value`) can change any of them; it is checked
 * once at start-up against a schema generated from these definitions (see site-policy.ts).
 */
import { unitText } from '../record/display.js';
import { DEFAULT_AFP_NG_PER_IU } from '../record/lab-concepts.js';
import type { CitationId } from './citations.js';

export interface SettingDefinition {
  default: number | boolean;
  /** `integer`, `number` or `boolean`. */
  type: 'integer' | 'number' | 'boolean';
  min?: number;
  /** Exclusive lower bound, for factors that must be positive. */
  exclusiveMin?: number;
  max?: number;
  /** As a clinician writes it (README, site policy schema): `×10⁹/L`, not UCUM `10*9/L`. */
  unit?: string;
  description: string;
  sources: readonly CitationId[];
}

const days = (value: number, description: string, sources: readonly CitationId[]): SettingDefinition => ({
  default: value, type: 'integer', min: 0, max: 3650, unit: 'days', description, sources,
});

export const SETTING_DEFINITIONS = {
  // Freshness (clinical-rules.md §3.1). Age exactly at the limit counts as fresh.
  labFreshnessDays: days(14, 'Pre-TACE labs (bilirubin, albumin, INR, platelets, WBC, creatinine/eGFR) usable when at most this old', ['local-default']),
  ecogFreshnessDays: days(30, 'ECOG performance status usable when at most this old', ['local-default']),
  imagingFindingFreshnessDays: days(60, 'Tumour burden, PVTT grade and portal collateral status usable when at most this old', ['local-default']),
  surveillanceIntervalDays: days(183, 'Surveillance imaging and AFP current when at most this old (6 months)', ['chinese-consensus', 'aasld2023', 'easl2018']),
  pregnancyStatusFreshnessDays: days(280, 'A recorded "pregnant" status counts when at most this old', ['local-default']),

  // TACE laboratory thresholds (§3.2 R3-R7).
  bilirubinHighMgDl: { default: 3.0, type: 'number', min: 0, max: 60, unit: 'mg/dL', description: 'TACE-BILI-HIGH (critical) when total bilirubin is above this', sources: ['cirse2021', 'sir-qi'] },
  bilirubinElevatedMgDl: { default: 2.0, type: 'number', min: 0, max: 60, unit: 'mg/dL', description: 'TACE-BILI-ELEVATED (warning) when total bilirubin is above this (and not above the high limit)', sources: ['cirse2021', 'sir-qi'] },
  inrMax: { default: 1.8, type: 'number', min: 0.5, max: 15, description: 'TACE-COAG when INR is at or above this (SIR 2019 femoral access; a stricter site may use 1.5)', sources: ['chinese-consensus', 'sir2019', 'cair'] },
  plateletsMin: { default: 60, type: 'number', min: 0, max: 2000, unit: unitText('10*9/L'), description: 'TACE-PLT-LOW when platelets are below this', sources: ['chinese-consensus', 'sir2019'] },
  wbcMin: { default: 3.0, type: 'number', min: 0, max: 500, unit: unitText('10*9/L'), description: 'TACE-WBC-LOW when WBC is below this', sources: ['chinese-consensus', 'sir-qi'] },
  creatinineMaxMgDl: { default: 2.0, type: 'number', min: 0, max: 30, unit: 'mg/dL', description: 'TACE-RENAL when creatinine is at or above this', sources: ['cirse2021'] },
  egfrMin: { default: 30, type: 'number', min: 0, max: 200, unit: unitText('mL/min/{1.73_m2}'), description: 'TACE-RENAL when eGFR is below this', sources: ['cirse2021'] },
  ecogPoorMin: { default: 3, type: 'integer', min: 0, max: 5, description: 'TACE-ECOG-POOR (critical) when ECOG is at or above this', sources: ['chinese-consensus', 'bclc2022', 'sir-qi'] },
  ecogRestrictedMin: { default: 1, type: 'integer', min: 0, max: 5, description: 'TACE-ECOG-1-2 (info) when ECOG is at or above this and below the poor limit', sources: ['chinese-consensus', 'bclc2022'] },
  tumorBurdenCriticalPct: { default: 70, type: 'number', min: 0, max: 100, unit: '%', description: 'TACE-TUMOR-BURDEN critical (warning if Child-Pugh is definitely A) when tumour replaces at least this % of the liver', sources: ['chinese-consensus', 'cirse2021', 'easl-eortc-2012'] },
  tumorBurdenInfoPct: { default: 50, type: 'number', min: 0, max: 100, unit: '%', description: 'TACE-TUMOR-BURDEN info from this % (associated with post-TACE mortality)', sources: ['sir-qi'] },
  taceRepeatIntervalDays: days(35, 'TACE-INTERVAL when the last TACE was fewer than this many days ago', ['chinese-consensus']),
  reimageWindowDays: days(365, 'TACE-REIMAGE / FU-POST-TACE-IMAGING look at a TACE within this many days', ['chinese-consensus']),

  // Follow-up (§3.2 F1-F3).
  postTaceImagingFromDays: days(28, 'FU-POST-TACE-IMAGING info from this many days after TACE without CT/MRI', ['chinese-consensus']),
  postTaceImagingToDays: days(42, 'FU-POST-TACE-IMAGING becomes a warning after this many days', ['chinese-consensus']),
  resectionWindowDays: days(365, 'Post-resection rules look at a hepatectomy within this many days', ['chinese-consensus']),
  resectionAfpNormaliseDays: days(60, 'AFP should have normalised this many days after resection', ['chinese-consensus']),
  preoperativeAfpDays: days(90, 'Pre-operative AFP: latest in this many days before resection', ['local-default']),

  // AFP (§3.2 S3-S4).
  afpUlnNgMl: { default: 20, type: 'number', min: 0, max: 100000, unit: 'ng/mL', description: 'AFP-ELEVATED from this value (AASLD algorithm); post-resection normal limit', sources: ['aasld2023'] },
  afpHighNgMl: { default: 400, type: 'number', min: 0, max: 100000, unit: 'ng/mL', description: 'AFP-HIGH when AFP is above this', sources: ['chinese-consensus', 'aasld2023'] },

  // Units (§1.1 note A): assay-dependent, so a site setting.
  afpNgPerIu: {
    default: DEFAULT_AFP_NG_PER_IU, type: 'number', exclusiveMin: 0, max: 10, unit: 'ng per IU',
    description: 'AFP in IU/mL (or kIU/L) is converted to ng/mL with this factor (WHO 1st IS 72/225 as stated in manufacturer inserts; assay-dependent, e.g. 1.28 found for one assay)',
    sources: ['afp-who-standard'],
  },

  // Ages (§3.1, §3.2 S1).
  adultAgeYears: { default: 18, type: 'integer', min: 0, max: 120, unit: 'years', description: 'Surveillance and follow-up rules apply from this age', sources: ['local-default'] },
  maleSurveillanceAgeYears: { default: 40, type: 'integer', min: 0, max: 120, unit: 'years', description: 'Men with a risk factor are eligible for surveillance from this age (Chinese consensus range 35-40)', sources: ['chinese-consensus', 'moh2011'] },
  femaleSurveillanceAgeYears: { default: 50, type: 'integer', min: 0, max: 120, unit: 'years', description: 'Women with a risk factor are eligible for surveillance from this age', sources: ['moh2011'] },
  childBearingAgeMinYears: { default: 15, type: 'integer', min: 0, max: 120, unit: 'years', description: 'Lower age for suggesting an hCG test with an elevated AFP (WHO reproductive age 15-49)', sources: ['local-default'] },
  childBearingAgeMaxYears: { default: 49, type: 'integer', min: 0, max: 120, unit: 'years', description: 'Upper age for suggesting an hCG test with an elevated AFP', sources: ['local-default'] },

  // Child-Pugh bands (§2.1).
  cpBilirubin2PointsFromMgDl: { default: 2.0, type: 'number', min: 0, max: 60, unit: 'mg/dL', description: 'Child-Pugh bilirubin 2 points from this value', sources: ['child-pugh'] },
  cpBilirubin3PointsAboveMgDl: { default: 3.0, type: 'number', min: 0, max: 60, unit: 'mg/dL', description: 'Child-Pugh bilirubin 3 points above this value', sources: ['child-pugh'] },
  cpAlbumin1PointAboveGdL: { default: 3.5, type: 'number', min: 0, max: 7, unit: 'g/dL', description: 'Child-Pugh albumin 1 point above this value', sources: ['child-pugh'] },
  cpAlbumin3PointsBelowGdL: { default: 2.8, type: 'number', min: 0, max: 7, unit: 'g/dL', description: 'Child-Pugh albumin 3 points below this value', sources: ['child-pugh'] },
  cpInr2PointsFrom: { default: 1.7, type: 'number', min: 0, max: 15, description: 'Child-Pugh INR 2 points from this value', sources: ['child-pugh'] },
  cpInr3PointsAbove: { default: 2.3, type: 'number', min: 0, max: 15, description: 'Child-Pugh INR 3 points above this value', sources: ['child-pugh'] },
  cpClassBMinScore: { default: 7, type: 'integer', min: 5, max: 15, description: 'Child-Pugh class B from this score', sources: ['child-pugh'] },
  cpClassCMinScore: { default: 10, type: 'integer', min: 5, max: 15, description: 'Child-Pugh class C from this score', sources: ['child-pugh'] },
  strictAscitesHe: { default: false, type: 'boolean', description: 'Treat unrecorded ascites / encephalopathy as unknown [1,3] instead of assumed absent', sources: ['local-default'] },
} as const satisfies Record<string, SettingDefinition>;

export type SettingKey = keyof typeof SETTING_DEFINITIONS;
export type Settings = { readonly [K in SettingKey]: (typeof SETTING_DEFINITIONS)[K]['default'] extends boolean ? boolean : number };

export const SETTING_KEYS = Object.keys(SETTING_DEFINITIONS) as SettingKey[];

export const DEFAULT_SETTINGS: Settings = Object.freeze(
  Object.fromEntries(SETTING_KEYS.map((key) => [key, SETTING_DEFINITIONS[key].default])) as unknown as Settings,
);

/** Settings with some values changed (tests, site policy). */
export function withSettings(overrides: Partial<Record<SettingKey, number | boolean>>, base: Settings = DEFAULT_SETTINGS): Settings {
  return Object.freeze({ ...base, ...overrides }) as Settings;
}

/** Pairs that must stay ordered: [lower, higher, strictly]. */
export const ORDERED_SETTINGS: ReadonlyArray<readonly [SettingKey, SettingKey]> = [
  ['bilirubinElevatedMgDl', 'bilirubinHighMgDl'],
  ['tumorBurdenInfoPct', 'tumorBurdenCriticalPct'],
  ['postTaceImagingFromDays', 'postTaceImagingToDays'],
  ['afpUlnNgMl', 'afpHighNgMl'],
  ['ecogRestrictedMin', 'ecogPoorMin'],
  ['cpBilirubin2PointsFromMgDl', 'cpBilirubin3PointsAboveMgDl'],
  ['cpAlbumin3PointsBelowGdL', 'cpAlbumin1PointAboveGdL'],
  ['cpInr2PointsFrom', 'cpInr3PointsAbove'],
  ['cpClassBMinScore', 'cpClassCMinScore'],
  ['childBearingAgeMinYears', 'childBearingAgeMaxYears'],
];
