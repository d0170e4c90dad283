/**
 * How FHIR data is shown to a clinician: units in human form, codes named by their code system, resource ids only
 * when they follow the FHIR id grammar. The one place for each, so a card never shows `{INR}`, `10*9/L` or
 * `http://www.ama-assn.org/go/cpt|37243`.
 */
import { SYSTEM } from './code-systems.js';

const SUPERSCRIPT: Readonly<Record<string, string>> = { '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹', '-': '⁻' };
const superscript = (digits: string): string => [...digits].map((d) => SUPERSCRIPT[d] ?? d).join('');

/** Whole UCUM codes whose human form is not a plain rewrite of their parts. */
const UNIT_NAMES: Readonly<Record<string, string>> = {
  '1': '',
  '{ratio}': '',
  '{score}': '',
  '{grade}': '',
  '{INR}': '',
  'mL/min/{1.73_m2}': 'mL/min/1.73 m²',
  'meq/L': 'mEq/L',
  'mEq/L': 'mEq/L',
  '[IU]/mL': 'IU/mL',
  '[iU]/mL': 'IU/mL',
};

/**
 * A UCUM code as a clinician writes it: `{INR}` -> no unit, `10*9/L` -> ×10⁹/L, `mL/min/{1.73_m2}` -> mL/min/1.73 m²,
 * `umol/L` -> µmol/L, `k[IU]/L` -> kIU/L, `{copies}/mL` -> copies/mL. An annotation attached to a unit carries no unit
 * in UCUM and is dropped; a code this does not know keeps its letters (the card renderer escapes it).
 */
export function unitText(ucum: string | undefined): string {
  if (ucum === undefined) return '';
  const code = ucum.trim();
  const named = UNIT_NAMES[code];
  if (named !== undefined) return named;
  // Every lab value of a call is shown with its unit, and a call holds few distinct units: each is worked out once.
  let text = UNIT_TEXTS.get(code);
  if (text === undefined) {
    text = formatUnit(code);
    if (UNIT_TEXTS.size >= MAX_UNIT_TEXTS) UNIT_TEXTS.clear();
    UNIT_TEXTS.set(code, text);
  }
  return text;
}

/** Units seen in the data (EHR input: bounded, so a flood of odd units cannot grow it). */
const UNIT_TEXTS = new Map<string, string>();
const MAX_UNIT_TEXTS = 1000;

function formatUnit(code: string): string {
  return code
    .replace(/\{1\.73_m2\}/g, '1.73 m²')
    // A standalone annotation names what is counted ({copies}/mL -> copies/mL); one attached to a unit is dropped.
    .replace(/(^|\/)\{([^}]*)\}(?=$|\/)/g, '$1$2')
    .replace(/\{[^}]*\}/g, '')
    .replace(/10\*(-?\d+)/g, (_m, power: string) => `×10${superscript(power)}`)
    .replace(/10\^(-?\d+)/g, (_m, power: string) => `×10${superscript(power)}`)
    .replace(/\[([iI])U\]/g, 'IU')
    .replace(/\[([^\]]*)\]/g, '$1')
    .replace(/(^|[^A-Za-z])u(?=(mol|g|L|l|m|IU)\b)/g, '$1µ')
    .replace(/([A-Za-z])2(?=$|\/|\s)/g, '$1²')
    .replace(/([A-Za-z])3(?=$|\/|\s)/g, '$1³')
    .replace(/\/$/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A value with its unit: `3.4 mg/dL`, `60 ×10⁹/L`, `2.4` (INR has no unit). */
export function withUnit(value: string, ucum: string | undefined): string {
  const unit = unitText(ucum);
  return unit ? `${value} ${unit}` : value;
}

const SYSTEM_NAMES: Readonly<Record<string, string>> = {
  [SYSTEM.cpt]: 'CPT',
  [SYSTEM.snomed]: 'SNOMED CT',
  [SYSTEM.loinc]: 'LOINC',
  [SYSTEM.icd10cm]: 'ICD-10-CM',
  [SYSTEM.local]: 'local code',
};

/** `CPT 37243`, `SNOMED CT 91302008`, `ICD-10-CM C22.0`; a code of another system as `code X (system Y)`. */
export function codeText(code: { system?: string; code: string }): string {
  const name = code.system === undefined ? undefined : SYSTEM_NAMES[code.system];
  if (name) return `${name} ${code.code}`;
  return code.system ? `code ${code.code} (system ${code.system})` : `code ${code.code}`;
}

/** The FHIR id grammar (R4 `id`): anything else is not shown as an id. */
export const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

export const isFhirId = (id: unknown): id is string => typeof id === 'string' && FHIR_ID.test(id);

/**
 * `Observation/o1` for a resource whose id follows the grammar; otherwise the resource's place in what was read,
 * `Observation/#3`, said to have an unreadable id (the id as sent may be a link, markup or 10 kB of text).
 */
export function resourceRefText(resourceType: string, id: unknown, index: number): string {
  if (isFhirId(id)) return `${resourceType}/${id}`;
  return id === undefined || id === '' ? `${resourceType}/#${index}` : `${resourceType}/#${index} (an unreadable id)`;
}

/** A `Type/id` reference as sent by a client, for display: the id only when it follows the grammar. */
export function referenceText(reference: string): string {
  const slash = reference.indexOf('/');
  const type = slash > 0 ? reference.slice(0, slash) : '';
  const id = slash > 0 ? reference.slice(slash + 1) : '';
  if (!/^[A-Z][A-Za-z]{0,63}$/.test(type)) return 'a resource with an unreadable reference';
  return isFhirId(id) ? `${type}/${id}` : `${type} (an unreadable id)`;
}
