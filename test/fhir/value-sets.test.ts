import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StartupError } from '../../src/common/startup.js';
import { builtInValueSets, loadValueSets, parseSiteValueSets, SYSTEM } from '../../src/fhir/value-sets.js';
import { tempDir } from '../helpers/service.js';

const vs = builtInValueSets();
const icd = (code: string) => ({ system: SYSTEM.icd10cm, code });

describe('value sets', () => {
  it('maps lab codes by system and code, never by display', () => {
    expect(vs.labConcept({ system: SYSTEM.loinc, code: '14631-6' })).toBe('bilirubin');
    expect(vs.labConcept({ system: SYSTEM.loinc, code: '19177-5' })).toBe('afp');
    expect(vs.labConcept({ system: SYSTEM.local, code: 'pvtt-vp' })).toBe('pvttGrade');
    expect(vs.labConcept({ system: SYSTEM.snomed, code: '14631-6' })).toBeUndefined();
    expect(vs.labConcept({ code: '14631-6', display: 'Bilirubin' })).toBeUndefined();
  });

  it('matches ICD-10-CM with and without the dot', () => {
    expect(vs.conditionConcepts(icd('C22.0'))).toEqual(['hcc']);
    expect(vs.conditionConcepts(icd('C220'))).toEqual(['hcc']);
    expect(vs.conditionConcepts(icd('c22.0'))).toEqual(['hcc']);
    expect(vs.conditionConcepts(icd('K7031'))).toEqual(expect.arrayContaining(['cirrhosis', 'ascites']));
  });

  it.each(['128462008', '94391008', '94222008', '94225005', '94493005', '94161006'])('SNOMED %s (secondary neoplasm, distant site) is distant metastasis', (code) => {
    expect(vs.conditionConcepts({ system: SYSTEM.snomed, code })).toEqual(['distantMetastasis']);
  });

  it('SNOMED 94381002 (secondary neoplasm of liver) is liver metastasis, not distant spread', () => {
    expect(vs.conditionConcepts({ system: SYSTEM.snomed, code: '94381002' })).toEqual(['liverMetastasis']);
  });

  it('applies ICD-10-CM prefix rules with their exceptions', () => {
    expect(vs.conditionConcepts(icd('C78.01'))).toEqual(['distantMetastasis']);
    expect(vs.conditionConcepts(icd('C79.51'))).toEqual(['distantMetastasis']);
    expect(vs.conditionConcepts(icd('C77.2'))).toEqual(['distantMetastasis']);
    expect(vs.conditionConcepts(icd('C78.7'))).toEqual(['liverMetastasis']);
    expect(vs.conditionConcepts(icd('C7B.02'))).toEqual([]);
    expect(vs.conditionConcepts(icd('C7B.01'))).toEqual(['distantMetastasis']);
    expect(vs.conditionConcepts(icd('A41.9'))).toEqual(['sepsis']);
    expect(vs.conditionConcepts(icd('A40.0'))).toEqual(['sepsis']);
    expect(vs.conditionConcepts(icd('E11.65'))).toEqual(['type2Diabetes']);
    expect(vs.conditionConcepts(icd('E10.9'))).toEqual([]);
    expect(vs.conditionConcepts(icd('F10.20'))).toEqual(['alcoholUseDisorder']);
    expect(vs.conditionConcepts(icd('F10.10'))).toEqual(['alcoholUseDisorder']);
    expect(vs.conditionConcepts(icd('F10.9'))).toEqual([]);
    expect(vs.conditionConcepts(icd('O09.90'))).toEqual(['pregnancy']);
    expect(vs.conditionConcepts(icd('O9A.11'))).toEqual(['pregnancy']);
    expect(vs.conditionConcepts(icd('Z33.1'))).toEqual(['pregnancy']);
    // prefixes are ICD-10-CM only
    expect(vs.conditionConcepts({ system: SYSTEM.snomed, code: 'C78.01' })).toEqual([]);
  });

  it('knows TACE, hepatectomy and imaging codes', () => {
    expect(vs.isTaceCode({ system: SYSTEM.cpt, code: '37243' })).toBe(true);
    expect(vs.isTaceCode({ system: SYSTEM.snomed, code: '16736007' })).toBe(true);
    expect(vs.isTaceCode({ system: SYSTEM.snomed, code: '314617008' })).toBe(true);
    expect(vs.isTaceCode({ system: SYSTEM.local, code: 'tace' })).toBe(true);
    expect(vs.isTaceCode({ system: SYSTEM.cpt, code: '75894' })).toBe(false);
    expect(vs.isTaceCode({ system: SYSTEM.cpt, code: '75894' }, { history: true })).toBe(true);
    expect(vs.isTaceCode({ code: '37243' })).toBe(false);
    expect(vs.procedureConcept({ system: SYSTEM.cpt, code: '75894' })).toBe('tace');
    expect(vs.procedureConcept({ system: SYSTEM.cpt, code: '47122' })).toBe('hepatectomy');
    expect(vs.procedureConcept({ system: SYSTEM.snomed, code: '71273005' })).toBe('hepatectomy');
    expect(vs.imagingModality({ system: SYSTEM.loinc, code: '24558-9' })).toBe('us');
    expect(vs.imagingModality({ system: SYSTEM.cpt, code: '74170' })).toBe('ct');
    expect(vs.imagingModality({ system: SYSTEM.snomed, code: '241622002' })).toBe('mri');
  });

  it('knows answer codes and severities', () => {
    expect(vs.ecogAnswer({ system: SYSTEM.loinc, code: 'LA9625-0' })).toBe(3);
    expect(vs.pregnancyAnswer({ system: SYSTEM.loinc, code: 'LA15173-0' })).toBe('pregnant');
    expect(vs.pregnancyAnswer({ system: SYSTEM.snomed, code: '60001007' })).toBe('not-pregnant');
    expect(vs.severity({ system: SYSTEM.snomed, code: '24484000' })).toBe('severe');
    expect(vs.isFamilyMemberLiverCancer({ system: SYSTEM.snomed, code: '109841003' })).toBe(true);
  });

  it('a site file adds codes to concepts, checked at load', () => {
    const file = join(tempDir(), 'value-sets.json');
    writeFileSync(file, JSON.stringify({
      labs: { albumin: [{ system: 'http://acme.example/lab', code: 'ALB' }] },
      conditions: { cirrhosis: [{ system: SYSTEM.icd10cm, prefix: 'K74.6' }] },
      procedures: { tace: [{ system: 'http://acme.example/proc', code: 'CHEMOEMBO' }] },
    }));
    const site = loadValueSets(file);
    expect(site.labConcept({ system: 'http://acme.example/lab', code: 'ALB' })).toBe('albumin');
    expect(site.labConcept({ system: SYSTEM.loinc, code: '1751-7' })).toBe('albumin');
    expect(site.conditionConcepts(icd('K74.61'))).toEqual(['cirrhosis']);
    expect(site.isTaceCode({ system: 'http://acme.example/proc', code: 'CHEMOEMBO' })).toBe(true);
    expect(vs.labConcept({ system: 'http://acme.example/lab', code: 'ALB' })).toBeUndefined();
  });

  it('refuses a bad site file with the problem named', () => {
    expect(() => parseSiteValueSets({ labs: { albumen: [] } })).toThrow(/albumen/);
    expect(() => parseSiteValueSets({ labs: { albumin: [{ system: 'x' }] } })).toThrow(StartupError);
    expect(() => parseSiteValueSets({ conditions: { cirrhosis: [{ system: SYSTEM.snomed, prefix: '1' }] } })).toThrow(/ICD-10-CM/);
    const file = join(tempDir(), 'broken.json');
    writeFileSync(file, '{ not json');
    expect(() => loadValueSets(file)).toThrow(/broken\.json/);
  });
});

describe('primary sclerosing cholangitis', () => {
  it('SNOMED 197441003 and ICD-10-CM K83.01 are PSC, not cirrhosis', () => {
    expect(vs.conditionConcepts({ system: SYSTEM.snomed, code: '197441003' })).toEqual(['sclerosingCholangitis']);
    expect(vs.conditionConcepts(icd('K83.01'))).toEqual(['sclerosingCholangitis']);
  });
});
