import { codeText, referenceText, resourceRefText, unitText, withUnit } from '../../src/record/display.js';
import { createDataSettings } from '../../src/fhir/data-settings.js';

describe('unitText: UCUM as a clinician writes it', () => {
  it.each([
    ['{INR}', ''],
    ['1', ''],
    ['{score}', ''],
    ['10*9/L', '×10⁹/L'],
    ['10*3/uL', '×10³/µL'],
    ['10*12/L', '×10¹²/L'],
    ['mL/min/{1.73_m2}', 'mL/min/1.73 m²'],
    ['umol/L', 'µmol/L'],
    ['ug/L', 'µg/L'],
    ['mg/dL', 'mg/dL'],
    ['g/L', 'g/L'],
    ['ng/mL', 'ng/mL'],
    ['[IU]/mL', 'IU/mL'],
    ['k[IU]/L', 'kIU/L'],
    ['m[IU]/mL', 'mIU/mL'],
    ['meq/L', 'mEq/L'],
    ['%', '%'],
    ['{copies}/mL', 'copies/mL'],
    ['mg{creat}/dL', 'mg/dL'],
  ])('%s -> "%s"', (ucum, shown) => {
    expect(unitText(ucum)).toBe(shown);
  });

  it('shows every canonical unit of the lab concepts without UCUM syntax', () => {
    for (const [concept, setting] of Object.entries(createDataSettings().labs)) {
      const shown = unitText((setting as { canonical?: string }).canonical);
      expect({ concept, shown }).toEqual({ concept, shown: expect.not.stringMatching(/[{}[\]*]|10\*/) });
    }
  });

  it('puts a value and its unit together, with no trailing space for a unitless value', () => {
    expect(withUnit('2.4', '{INR}')).toBe('2.4');
    expect(withUnit('60', '10*9/L')).toBe('60 ×10⁹/L');
  });
});

describe('codeText', () => {
  it('names the known code systems', () => {
    expect(codeText({ system: 'http://www.ama-assn.org/go/cpt', code: '37243' })).toBe('CPT 37243');
    expect(codeText({ system: 'http://snomed.info/sct', code: '91302008' })).toBe('SNOMED CT 91302008');
    expect(codeText({ system: 'http://loinc.org', code: '1975-2' })).toBe('LOINC 1975-2');
    expect(codeText({ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'C22.0' })).toBe('ICD-10-CM C22.0');
    expect(codeText({ system: 'urn:hcc-cds:local', code: 'tace' })).toBe('local code tace');
    expect(codeText({ system: 'urn:oid:1.2.3', code: 'x' })).toBe('code x (system urn:oid:1.2.3)');
    expect(codeText({ code: 'x' })).toBe('code x');
  });
});

describe('resource ids follow the FHIR id grammar or are not shown', () => {
  it('shows a grammatical id and hides anything else', () => {
    expect(resourceRefText('Observation', 'obs-1.2', 0)).toBe('Observation/obs-1.2');
    expect(resourceRefText('Observation', undefined, 3)).toBe('Observation/#3');
    expect(resourceRefText('Observation', '[x](https://phish.example)', 3)).toBe('Observation/#3 (an unreadable id)');
    expect(resourceRefText('Observation', 'a'.repeat(65), 1)).toBe('Observation/#1 (an unreadable id)');
    expect(referenceText('ServiceRequest/tace-1')).toBe('ServiceRequest/tace-1');
    expect(referenceText('ServiceRequest/')).toBe('ServiceRequest (an unreadable id)');
    expect(referenceText('ServiceRequest/<img src=x>')).toBe('ServiceRequest (an unreadable id)');
    expect(referenceText('<b>/x')).toBe('a resource with an unreadable reference');
  });
});
