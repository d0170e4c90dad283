/**
 * The built-in value sets (concept -> codes), transcribed from clinical-rules.md §1.1-§1.5, §1.7, §1.8.
 * Data only: `value-sets.ts` turns this (plus an optional site file) into O(1) lookup maps once at start-up.
 * Codes marked V~ / UNVERIFIED in clinical-rules.md are included as the rules document proposes.
 */
import { SYSTEM } from '../record/code-systems.js';
import type { PregnancyAnswer } from '../record/lab-concepts.js';
import type { ConditionConcept, ImagingModality, LabConcept, ProcedureConcept } from '../record/record.js';

export { SYSTEM };

/** One code, or (ICD-10-CM only) every code starting with `prefix` except the listed codes and their children. */
export interface CodeEntry {
  system: string;
  code?: string;
  prefix?: string;
  except?: string[];
  /**
   * `false`: recognised in the data but not asked for by the `{{valueset:...}}` prefetch queries (built-in entries
   * only; every site code is asked for).
   */
  requested?: false;
}

export interface ValueSetData {
  labs: Partial<Record<LabConcept, CodeEntry[]>>;
  conditions: Partial<Record<ConditionConcept, CodeEntry[]>>;
  procedures: Partial<Record<ProcedureConcept, CodeEntry[]>>;
  imaging: Partial<Record<ImagingModality, CodeEntry[]>>;
  /** FamilyMemberHistory.condition.code that means "liver cancer in a relative". */
  familyMemberLiverCancer?: CodeEntry[];
}

const codes = (system: string, ...list: string[]): CodeEntry[] => list.map((code) => ({ system, code }));
const loinc = (...list: string[]) => codes(SYSTEM.loinc, ...list);
const snomed = (...list: string[]) => codes(SYSTEM.snomed, ...list);
const icd = (...list: string[]) => codes(SYSTEM.icd10cm, ...list);
const cpt = (...list: string[]) => codes(SYSTEM.cpt, ...list);
const local = (...list: string[]) => codes(SYSTEM.local, ...list);
const icdPrefix = (prefix: string, except?: string[]): CodeEntry => ({ system: SYSTEM.icd10cm, prefix, ...(except ? { except } : {}) });

/** SNOMED CT codes of primary liver cancer in a family member (clinical-rules.md §1.3 "Family history"). */
const LIVER_CANCER_SNOMED = ['109841003', '95214007', '187769009', '93870000'];

export const BUILT_IN_VALUE_SETS: ValueSetData & { labs: Record<LabConcept, CodeEntry[]> } = {
  labs: {
    // §1.1: the property (mass / units / moles) is read from the unit, so every AFP code is one concept.
    afp: loinc('1834-1', '19176-7', '19177-5', '83073-7', '83072-9', '53962-7', '53961-9'),
    bilirubin: loinc('1975-2', '14631-6'),
    albumin: loinc('1751-7'),
    inr: loinc('6301-6', '34714-6', '46418-0'),
    platelets: loinc('777-3', '26515-7'),
    wbc: loinc('6690-2', '26464-8'),
    creatinine: loinc('2160-0', '14682-9', '38483-4'),
    egfr: loinc('98979-8', '62238-1', '69405-9', '77147-7', '48642-3', '48643-1', '50044-7', '70969-1', '88293-6', '88294-4', '50210-4', '94677-2', '98980-6'),
    sodium: loinc('2951-2'),
    // The SNOMED observable (V~, seen in one IG) is read when sent but was never in the Observation query: kept so.
    ecog: [...loinc('89247-1'), { system: SYSTEM.snomed, code: '423740007', requested: false }],
    tumorBurden: local('tumor-burden-pct'),
    pvttGrade: local('pvtt-vp'),
    portalCollaterals: local('portal-collaterals'),
    westHavenGrade: local('westhaven-grade'),
    pregnancyStatus: loinc('82810-3'),
    hcg: loinc('2106-3', '2118-8', '21198-7'),
    hbvDna: loinc('42595-9', '29615-2'),
    hcvRna: loinc('11011-4', '10676-5'),
  },
  conditions: {
    hcc: [...snomed('109841003'), ...icd('C22.0')],
    primaryLiverCancer: [...snomed('95214007', '187769009', '93870000'), ...icd('C22.8', 'C22.9')],
    intrahepaticCholangiocarcinoma: [...snomed('109842005', '1260050006'), ...icd('C22.1')],
    liverMetastasis: [...snomed('94381002'), ...icd('C78.7')],
    // 128462008 "and descendants": a full expansion needs a terminology server. Built in: the common distant sites
    // (lung, bone, brain, pleura, adrenal, as listed in the Dutch lung-cancer REO value set); sites add the ones
    // they use (VALUE_SET_FILE). 94381002 (liver) is liverMetastasis, not distant spread.
    distantMetastasis: [...snomed('128462008', '94391008', '94222008', '94225005', '94493005', '94161006'), icdPrefix('C77'), icdPrefix('C78', ['C78.7']), icdPrefix('C79'), icdPrefix('C7B', ['C7B.02'])],
    portalVeinThrombosis: [...snomed('17920008'), ...icd('I81')],
    liverAbscess: [...snomed('27916005'), ...icd('K75.0')],
    sepsis: [...snomed('91302008'), icdPrefix('A40'), icdPrefix('A41'), ...icd('R65.20', 'R65.21')],
    cachexia: [...snomed('238108007'), ...icd('R64')],
    multiOrganFailure: snomed('57653000'),
    chronicHepatitisB: [...snomed('61977001', '186639003', '235869004', '235871004'), ...icd('B18.0', 'B18.1', 'Z22.51')],
    chronicHepatitisC: [...snomed('128302006'), ...icd('B18.2')],
    alcoholUseDisorder: [...snomed('7200002'), icdPrefix('F10.1'), icdPrefix('F10.2')],
    type2Diabetes: [...snomed('44054006'), icdPrefix('E11')],
    cirrhosis: [
      ...snomed('19943007', '420054005', '266468003', '831000119103', '123717006'),
      ...icd('K74.60', 'K74.69', 'K70.30', 'K70.31', 'K74.3', 'K74.4', 'K74.5'),
    ],
    biliaryCirrhosis: icd('K74.3', 'K74.4', 'K74.5'),
    // PSC: only for the cholestatic Child-Pugh caveat (clinical-rules §2.1); it is not cirrhosis for surveillance.
    sclerosingCholangitis: [...snomed('197441003'), ...icd('K83.01')],
    ascites: [...snomed('389026000'), ...icd('R18.8', 'R18.0', 'K70.31', 'K70.11', 'K71.51')],
    hepaticEncephalopathy: [...snomed('13920009'), ...icd('K76.82', 'K72.90', 'K72.91')],
    avFistula: [...snomed('439470001'), ...icd('I77.0')],
    // O00-O9A is the whole of ICD-10-CM chapter 15.
    pregnancy: [...snomed('77386006'), ...icd('Z33.1'), icdPrefix('O')],
    hepatorenalSyndrome: [...snomed('51292008'), ...icd('K76.7')],
    // Z80.0 is "digestive organs", accepted as a proxy (§1.3); FamilyMemberHistory uses familyMemberLiverCancer.
    familyHistoryLiverCancer: icd('Z80.0'),
  },
  procedures: {
    tace: [...cpt('37243', '75894'), ...snomed('16736007', '314617008'), ...local('tace')],
    hepatectomy: [
      ...snomed('71273005', '17203000', '85946004', '61326000', '63816008', '74180003', '174431000', '713519000', '107963000'),
      ...cpt('47120', '47122', '47125', '47130'),
    ],
  },
  imaging: {
    us: [...loinc('24558-9', '28614-6'), ...cpt('76700', '76705'), ...snomed('45036003')],
    ct: [...loinc('79103-8', '36267-3', '41806-1', '24815-3', '30612-6', '36813-4', '42274-1'), ...cpt('74160', '74170', '74177', '74178'), ...snomed('169070004', '241549007')],
    mri: [...loinc('24557-1', '36134-5', '24556-3', '30670-4', '36231-9', '36046-1'), ...cpt('74181', '74182', '74183'), ...snomed('241622002')],
  },
  familyMemberLiverCancer: [...snomed(...LIVER_CANCER_SNOMED), ...icd('C22.0', 'C22.8', 'C22.9', 'Z80.0')],
};

/** TACE codes that start the TACE hooks (order codes; CPT 75894 is history only). clinical-rules.md §3.1 "Hooks". */
export const TACE_ORDER_CODES: CodeEntry[] = [...cpt('37243'), ...snomed('16736007', '314617008'), ...local('tace')];

/** ECOG answers, LOINC LL529-9 (§1.2). */
export const ECOG_ANSWERS: Record<string, number> = { 'LA9622-7': 0, 'LA9623-5': 1, 'LA9624-3': 2, 'LA9625-0': 3, 'LA9626-8': 4, 'LA9627-6': 5 };

export type { PregnancyAnswer } from '../record/lab-concepts.js';
/** Pregnancy status answers (§1.1, 82810-3): LOINC LA codes and SNOMED findings, keyed `system|code`. */
export const PREGNANCY_ANSWERS: Record<string, PregnancyAnswer> = {
  [`${SYSTEM.loinc}|LA15173-0`]: 'pregnant',
  [`${SYSTEM.loinc}|LA26683-5`]: 'not-pregnant',
  [`${SYSTEM.loinc}|LA4489-6`]: 'unknown',
  [`${SYSTEM.snomed}|77386006`]: 'pregnant',
  [`${SYSTEM.snomed}|60001007`]: 'not-pregnant',
};

/** Condition.severity (FHIR R4 condition-severity, SNOMED; §1.7). */
export const SEVERITY_CODES: Record<string, 'mild' | 'moderate' | 'severe'> = { '255604002': 'mild', '6736007': 'moderate', '24484000': 'severe' };
