/** Codes the knowledge layer itself emits or recognises (clinical-rules.md §1.5, §1.6, §4 item 12). */
import type { Coding } from '../common/vocabulary.js';
import type { OrderableId } from './types.js';

export const LOINC = 'http://loinc.org';
export const SNOMED = 'http://snomed.info/sct';
export const CPT = 'http://www.ama-assn.org/go/cpt';
export const LOCAL = 'urn:hcc-cds:local';
export const OVERRIDE_REASON_SYSTEM = 'urn:hcc-cds:override-reason';

export interface Orderable {
  id: OrderableId;
  label: string;
  category: 'lab' | 'imaging';
  codings: Coding[];
}

const LAB_CATEGORY: Coding = { system: SNOMED, code: '108252007', display: 'Laboratory procedure' };
const IMAGING_CATEGORY: Coding = { system: SNOMED, code: '363679005', display: 'Imaging' };
export const CATEGORY_CODING: Readonly<Record<Orderable['category'], Coding>> = { lab: LAB_CATEGORY, imaging: IMAGING_CATEGORY };

export const ORDERABLES: Readonly<Record<OrderableId, Orderable>> = {
  inr: { id: 'inr', label: 'INR', category: 'lab', codings: [{ system: LOINC, code: '6301-6', display: 'INR in Platelet poor plasma by Coagulation assay' }] },
  cbc: { id: 'cbc', label: 'Complete blood count (platelets, WBC)', category: 'lab', codings: [{ system: LOINC, code: '57021-8', display: 'CBC W Auto Differential panel - Blood' }] },
  bilirubin: { id: 'bilirubin', label: 'Total bilirubin', category: 'lab', codings: [{ system: LOINC, code: '1975-2', display: 'Bilirubin.total [Mass/volume] in Serum or Plasma' }] },
  albumin: { id: 'albumin', label: 'Albumin', category: 'lab', codings: [{ system: LOINC, code: '1751-7', display: 'Albumin [Mass/volume] in Serum or Plasma' }] },
  creatinine: { id: 'creatinine', label: 'Creatinine', category: 'lab', codings: [{ system: LOINC, code: '2160-0', display: 'Creatinine [Mass/volume] in Serum or Plasma' }] },
  afp: { id: 'afp', label: 'AFP', category: 'lab', codings: [{ system: LOINC, code: '1834-1', display: 'Alpha-1-Fetoprotein [Mass/volume] in Serum or Plasma' }] },
  'liver-us': {
    id: 'liver-us', label: 'Liver ultrasound', category: 'imaging',
    codings: [{ system: LOINC, code: '24558-9', display: 'US Abdomen' }, { system: CPT, code: '76705', display: 'Ultrasound, abdominal, limited' }, { system: SNOMED, code: '45036003', display: 'Ultrasonography of abdomen' }],
  },
  'ct-multiphase': {
    id: 'ct-multiphase', label: 'Multiphase CT abdomen', category: 'imaging',
    codings: [{ system: CPT, code: '74170', display: 'CT abdomen without contrast, followed by contrast' }, { system: LOINC, code: '36267-3', display: 'CT Abdomen WO and W contrast IV' }],
  },
  'mri-multiphase': {
    id: 'mri-multiphase', label: 'Multiphase MRI abdomen', category: 'imaging',
    codings: [{ system: CPT, code: '74183', display: 'MRI abdomen without contrast, followed by contrast' }, { system: LOINC, code: '24557-1', display: 'MR Abdomen WO and W contrast IV' }],
  },
  'hbv-dna': { id: 'hbv-dna', label: 'HBV DNA viral load', category: 'lab', codings: [{ system: LOINC, code: '42595-9', display: 'Hepatitis B virus DNA [Units/volume] (viral load) in Serum or Plasma by NAA with probe detection' }] },
  'hcv-rna': { id: 'hcv-rna', label: 'HCV RNA viral load', category: 'lab', codings: [{ system: LOINC, code: '11011-4', display: 'Hepatitis C virus RNA [Units/volume] (viral load) in Serum or Plasma by NAA with probe detection' }] },
  hcg: { id: 'hcg', label: 'Serum beta-hCG', category: 'lab', codings: [{ system: LOINC, code: '21198-7', display: 'Choriogonadotropin.beta subunit [Units/volume] in Serum or Plasma' }] },
};

/** Override reasons offered on warning and critical cards of order hooks (CDS Hooks 2.0 overrideReasons). */
export const OVERRIDE_REASONS: readonly Coding[] = [
  { system: OVERRIDE_REASON_SYSTEM, code: 'benefit-outweighs-risk', display: 'Benefit outweighs the risk for this patient (documented)' },
  { system: OVERRIDE_REASON_SYSTEM, code: 'tumour-board-decision', display: 'Decided by the multidisciplinary tumour board' },
  { system: OVERRIDE_REASON_SYSTEM, code: 'will-correct-before-procedure', display: 'Will be corrected or rechecked before the procedure' },
  { system: OVERRIDE_REASON_SYSTEM, code: 'data-incorrect', display: 'The data shown are incorrect or out of date' },
];
