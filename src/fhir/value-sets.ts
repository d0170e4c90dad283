/**
 * Value sets: concept -> codes, built ONCE at start-up into O(1) maps (`system|code` keys; ICD-10-CM
 * prefix rules walk at most the code's length). Matching is on system + code, never on display.
 * ICD-10-CM codes match with and without the dot (C22.0 = C220). A site file (VALUE_SET_FILE,
 * checked with ajv) adds codes to concepts; it cannot remove built-in codes.
 */
import { createAjv } from '../common/json-schema.js';
import { checkStartupDocument, StartupError } from '../common/startup.js';
import { readJsonFile } from '../common/startup-file.js';
import { CONDITION_CONCEPTS, IMAGING_MODALITIES, LAB_CONCEPTS, PROCEDURE_CONCEPTS, type CodeRef, type ConditionConcept, type ImagingModality, type LabConcept, type ProcedureConcept, type Severity } from '../record/record.js';
import {
  BUILT_IN_VALUE_SETS,
  ECOG_ANSWERS,
  PREGNANCY_ANSWERS,
  SEVERITY_CODES,
  SYSTEM,
  TACE_ORDER_CODES,
  type CodeEntry,
  type PregnancyAnswer,
  type ValueSetData,
} from './value-set-data.js';

export { SYSTEM, type CodeEntry, type PregnancyAnswer, type ValueSetData } from './value-set-data.js';

export { CONDITION_CONCEPTS, IMAGING_MODALITIES, LAB_CONCEPTS, PROCEDURE_CONCEPTS } from '../record/record.js';

/** The value sets a prefetch template can name with `{{valueset:NAME}}`. */
export type ValueSetQueryName = 'labs' | 'imaging';

/** A search parameter value keeps `|` and `,` as structure: those (and `\`, `$`) in a code are escaped (FHIR R4 search §3.1.1.8), and whatever else a URL could misread is percent-encoded. */
function tokenText(text: string): string {
  return text.replace(/[\\,|$]/g, '\\$&').replace(/[^A-Za-z0-9\-._~:/]/g, (char) => encodeURIComponent(char));
}

/**
 * One FHIR token list (`system|code,system|code`) for a family of concepts (built-in first, then the site's):
 * codes grouped by code system in the order the systems first appear, in concept order within each source; each
 * code once. The built-in codes keep their places; a site code comes after the built-in codes of its system, a new
 * system after the built-in ones. Prefix rules (ICD-10-CM) cannot be searched and are left out.
 */
function searchQuery(families: readonly Partial<Record<string, CodeEntry[]>>[]): string {
  const bySystem = new Map<string, string[]>();
  for (const family of families) {
    for (const entries of Object.values(family)) {
      for (const entry of entries ?? []) {
        if (entry.code === undefined || entry.requested === false) continue;
        const value = `${tokenText(entry.system)}|${tokenText(entry.code.trim())}`;
        const list = bySystem.get(entry.system) ?? [];
        if (!list.includes(value)) list.push(value);
        bySystem.set(entry.system, list);
      }
    }
  }
  return [...bySystem.values()].flat().join(',');
}

/** ICD-10-CM codes are compared without the dot, upper case. */
function normalise(system: string, code: string): string {
  const trimmed = code.trim();
  return system === SYSTEM.icd10cm ? trimmed.replace(/\./g, '').toUpperCase() : trimmed;
}
const key = (system: string, code: string): string => `${system}|${normalise(system, code)}`;

/** code -> concepts, plus ICD-10-CM prefix rules. */
class CodeIndex<C extends string> {
  private readonly exact = new Map<string, C[]>();
  /** normalised prefix -> concepts; `excluded` holds `concept|normalised code` that the prefix must skip. */
  private readonly prefixes = new Map<string, C[]>();
  private readonly excluded = new Set<string>();
  private maxPrefix = 0;

  add(concept: C, entry: CodeEntry): void {
    if (entry.code !== undefined) {
      push(this.exact, key(entry.system, entry.code), concept);
    } else if (entry.prefix !== undefined) {
      if (entry.system !== SYSTEM.icd10cm) throw new StartupError(`prefix rules are only for ICD-10-CM (${entry.system}|${entry.prefix}*)`);
      const prefix = normalise(entry.system, entry.prefix);
      push(this.prefixes, prefix, concept);
      this.maxPrefix = Math.max(this.maxPrefix, prefix.length);
      for (const code of entry.except ?? []) this.excluded.add(`${concept}|${normalise(entry.system, code)}`);
    }
  }

  lookup(system: string | undefined, code: string | undefined): C[] {
    if (!system || !code) return [];
    const found = this.exact.get(key(system, code)) ?? [];
    if (system !== SYSTEM.icd10cm || this.prefixes.size === 0) return found;
    const normal = normalise(system, code);
    let result: C[] | undefined;
    for (let length = 1; length <= Math.min(normal.length, this.maxPrefix); length++) {
      for (const concept of this.prefixes.get(normal.slice(0, length)) ?? []) {
        if (this.isExcluded(concept, normal)) continue;
        result ??= [...found];
        if (!result.includes(concept)) result.push(concept);
      }
    }
    return result ?? found;
  }

  private isExcluded(concept: C, normal: string): boolean {
    // An excluded code excludes its children too (C78.7 excludes C78.70 if it ever exists).
    for (let length = 1; length <= normal.length; length++) {
      if (this.excluded.has(`${concept}|${normal.slice(0, length)}`)) return true;
    }
    return false;
  }
}

function push<K, V>(map: Map<K, V[]>, k: K, value: V): void {
  const list = map.get(k);
  if (!list) map.set(k, [value]);
  else if (!list.includes(value)) list.push(value);
}

export class ValueSets {
  private readonly labs = new CodeIndex<LabConcept>();
  private readonly conditions = new CodeIndex<ConditionConcept>();
  private readonly procedures = new CodeIndex<ProcedureConcept>();
  private readonly imaging = new CodeIndex<ImagingModality>();
  private readonly familyMember = new CodeIndex<'liverCancer'>();
  private readonly taceOrders = new CodeIndex<'tace'>();
  private readonly ecog = new Map(Object.entries(ECOG_ANSWERS).map(([code, grade]) => [key(SYSTEM.loinc, code), grade]));
  private readonly pregnancy = new Map(Object.entries(PREGNANCY_ANSWERS));

  private readonly queries: Readonly<Record<ValueSetQueryName, string>>;

  constructor(sources: ValueSetData[]) {
    for (const data of sources) {
      for (const [concept, entries] of Object.entries(data.labs)) for (const e of entries ?? []) this.labs.add(concept as LabConcept, e);
      for (const [concept, entries] of Object.entries(data.conditions)) for (const e of entries ?? []) this.conditions.add(concept as ConditionConcept, e);
      for (const [concept, entries] of Object.entries(data.procedures)) for (const e of entries ?? []) this.procedures.add(concept as ProcedureConcept, e);
      for (const [modality, entries] of Object.entries(data.imaging)) for (const e of entries ?? []) this.imaging.add(modality as ImagingModality, e);
      for (const e of data.familyMemberLiverCancer ?? []) this.familyMember.add('liverCancer', e);
    }
    this.queries = { labs: searchQuery(sources.map((data) => data.labs)), imaging: searchQuery(sources.map((data) => data.imaging)) };
    for (const e of TACE_ORDER_CODES) this.taceOrders.add('tace', e);
    // A site code added to the `tace` procedure concept is an order code too.
    for (const data of sources.slice(1)) for (const e of data.procedures.tace ?? []) this.taceOrders.add('tace', e);
  }

  /**
   * What the `{{valueset:labs}}` and `{{valueset:imaging}}` tokens of hooks/*.json stand for: every code of the lab
   * concepts (Observation.code) and of the imaging modalities (DiagnosticReport.code), site codes included.
   */
  searchQueries(): Readonly<Record<ValueSetQueryName, string>> {
    return this.queries;
  }

  /** The lab concept of one coding (first match wins; each lab code belongs to one concept). */
  labConcept(code: Partial<CodeRef>): LabConcept | undefined {
    return this.labs.lookup(code.system, code.code)[0];
  }

  /** Every condition concept a coding belongs to (K70.31 is both cirrhosis and ascites). */
  conditionConcepts(code: Partial<CodeRef>): ConditionConcept[] {
    return this.conditions.lookup(code.system, code.code);
  }

  procedureConcept(code: Partial<CodeRef>): ProcedureConcept | undefined {
    return this.procedures.lookup(code.system, code.code)[0];
  }

  imagingModality(code: Partial<CodeRef>): ImagingModality | undefined {
    return this.imaging.lookup(code.system, code.code)[0];
  }

  isFamilyMemberLiverCancer(code: Partial<CodeRef>): boolean {
    return this.familyMember.lookup(code.system, code.code).length > 0;
  }

  /**
   * A TACE code. Orders: CPT 37243, SNOMED 16736007 / 314617008, `urn:hcc-cds:local|tace` (and site codes);
   * with `{ history: true }` also CPT 75894 (pre-2014 procedures).
   */
  isTaceCode(code: Partial<CodeRef>, options: { history?: boolean } = {}): boolean {
    if (this.taceOrders.lookup(code.system, code.code).length > 0) return true;
    return options.history === true && this.procedureConcept(code) === 'tace';
  }

  /** ECOG 0-5 from an LL529-9 answer code. */
  ecogAnswer(code: Partial<CodeRef>): number | undefined {
    return code.system && code.code ? this.ecog.get(key(code.system, code.code)) : undefined;
  }

  pregnancyAnswer(code: Partial<CodeRef>): PregnancyAnswer | undefined {
    return code.system && code.code ? this.pregnancy.get(`${code.system}|${code.code.trim()}`) : undefined;
  }

  severity(code: Partial<CodeRef>): Severity | undefined {
    return code.system === SYSTEM.snomed && code.code ? SEVERITY_CODES[code.code.trim()] : undefined;
  }
}

const entrySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['system'],
  properties: {
    system: { type: 'string', minLength: 1 },
    code: { type: 'string', minLength: 1 },
    prefix: { type: 'string', minLength: 1 },
    except: { type: 'array', items: { type: 'string', minLength: 1 } },
    display: { type: 'string' },
  },
  // exactly one of code / prefix
  oneOf: [{ required: ['code'] }, { required: ['prefix'] }],
};
const conceptMap = (names: readonly string[]) => ({
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(names.map((name) => [name, { type: 'array', items: entrySchema }])),
});
/** JSON Schema of a site value-set file: every key optional; unknown concepts are refused. */
export const SITE_VALUE_SET_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    $comment: { type: 'string' },
    labs: conceptMap(LAB_CONCEPTS),
    conditions: conceptMap(CONDITION_CONCEPTS),
    procedures: conceptMap(PROCEDURE_CONCEPTS),
    imaging: conceptMap(IMAGING_MODALITIES),
    familyMemberLiverCancer: { type: 'array', items: entrySchema },
  },
};

let compiledSiteSchema: ReturnType<ReturnType<typeof createAjv>['compile']> | undefined;

/** Checks a parsed site file; throws a StartupError naming the file and the problem. */
export function parseSiteValueSets(json: unknown, file = 'site value-set file'): ValueSetData {
  compiledSiteSchema ??= createAjv().compile(SITE_VALUE_SET_SCHEMA);
  checkStartupDocument(file, json, compiledSiteSchema, { noun: 'concept' });
  const data = json as Partial<ValueSetData>;
  for (const entries of [...Object.values(data.conditions ?? {}), ...Object.values(data.labs ?? {}), ...Object.values(data.procedures ?? {}), ...Object.values(data.imaging ?? {}), data.familyMemberLiverCancer ?? []]) {
    for (const entry of entries ?? []) {
      if (entry.prefix !== undefined && entry.system !== SYSTEM.icd10cm) throw new StartupError(`${file}: prefix rules are only for ICD-10-CM (${entry.system}|${entry.prefix}*)`);
    }
  }
  return { labs: data.labs ?? {}, conditions: data.conditions ?? {}, procedures: data.procedures ?? {}, imaging: data.imaging ?? {}, familyMemberLiverCancer: data.familyMemberLiverCancer ?? [] };
}

/** Built-in value sets plus the site file (if given). Call once at start-up. */
export function loadValueSets(siteFile?: string): ValueSets {
  const sources: ValueSetData[] = [BUILT_IN_VALUE_SETS];
  if (siteFile) sources.push(parseSiteValueSets(readJsonFile('VALUE_SET_FILE', siteFile), `VALUE_SET_FILE ${siteFile}`));
  return new ValueSets(sources);
}

let builtIn: ValueSets | undefined;
/** The built-in value sets, built on first use (for code that has no site configuration, e.g. tests). */
export function builtInValueSets(): ValueSets {
  builtIn ??= new ValueSets([BUILT_IN_VALUE_SETS]);
  return builtIn;
}

