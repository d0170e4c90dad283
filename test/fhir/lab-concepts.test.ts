/**
 * One lab concept table (src/record/lab-concepts.ts) stands behind the union, the unit settings, the labels, the coded
 * answers and the DQ-UNIT concept lists: what each derived list held when it was written by hand, it holds now.
 */
import { createDataSettings } from '../../src/fhir/data-settings.js';
import { BUILT_IN_VALUE_SETS } from '../../src/fhir/value-set-data.js';
import { COLLATERAL_ANSWERS, LAB_CONCEPTS, LAB_LABELS, PVTT_GRADES } from '../../src/record/lab-concepts.js';
import { PATIENT_VIEW_CONCEPTS, TACE_CONCEPTS } from '../../src/knowledge/rules/data-quality.js';

describe('the lab concept table', () => {
  it('has every concept the value sets code, and no other', () => {
    expect([...LAB_CONCEPTS].sort()).toEqual(Object.keys(BUILT_IN_VALUE_SETS.labs).sort());
  });

  it('gives the unit settings of clinical-rules.md §1.1', () => {
    const labs = createDataSettings().labs;
    const summary = Object.fromEntries(LAB_CONCEPTS.map((c) => [c, [labs[c].canonical ?? null, labs[c].decimals, labs[c].plausible ?? null, labs[c].worse]]));
    expect(summary).toEqual({
      afp: ['ng/mL', 1, [0, 10_000_000], 'higher-is-worse'],
      bilirubin: ['mg/dL', 2, [0, 60], 'higher-is-worse'],
      albumin: ['g/dL', 2, [0.5, 7.0], 'lower-is-worse'],
      inr: [null, 2, [0.5, 15], 'higher-is-worse'],
      platelets: ['10*9/L', 0, [1, 2000], 'lower-is-worse'],
      wbc: ['10*9/L', 1, [0.1, 500], 'lower-is-worse'],
      creatinine: ['mg/dL', 2, [0.1, 30], 'higher-is-worse'],
      egfr: ['mL/min/{1.73_m2}', 0, [1, 200], 'lower-is-worse'],
      sodium: ['mmol/L', 0, [80, 200], 'lower-is-worse'],
      ecog: [null, 0, [0, 5], 'higher-is-worse'],
      tumorBurden: ['%', 1, [0, 100], 'higher-is-worse'],
      pvttGrade: [null, 0, null, 'higher-is-worse'],
      portalCollaterals: [null, 0, null, 'higher-is-worse'],
      westHavenGrade: [null, 0, [0, 4], 'higher-is-worse'],
      pregnancyStatus: [null, 0, null, 'higher-is-worse'],
      hcg: ['m[IU]/mL', 1, [0, 10_000_000], 'higher-is-worse'],
      hbvDna: [null, 2, null, 'higher-is-worse'],
      hcvRna: [null, 2, null, 'higher-is-worse'],
    });
    expect(labs.bilirubin.umolPerCanonical).toBe(17.104);
    expect(labs.creatinine.umolPerCanonical).toBe(88.4);
  });

  it('gives the labels, the coded answers and the concepts DQ-UNIT reports, as they were', () => {
    expect(LAB_LABELS.tumorBurden).toBe('Tumour burden (% of liver)');
    expect(LAB_LABELS.ecog).toBe('ECOG performance status');
    expect(PVTT_GRADES).toEqual(['Vp0', 'Vp1', 'Vp2', 'Vp3', 'Vp4']);
    expect(COLLATERAL_ANSWERS).toEqual(['adequate', 'unknown', 'few-or-none']);
    expect(TACE_CONCEPTS).toEqual(['bilirubin', 'albumin', 'inr', 'platelets', 'wbc', 'creatinine', 'egfr', 'ecog', 'tumorBurden', 'pvttGrade', 'portalCollaterals', 'westHavenGrade', 'pregnancyStatus']);
    expect(PATIENT_VIEW_CONCEPTS).toEqual(['afp', 'hbvDna', 'hcvRna', 'pregnancyStatus']);
  });
});
