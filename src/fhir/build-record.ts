/**
 * Bundles -> PatientRecord, the same whichever road the data came by (clinical-rules.md §1, §3.1).
 * Pure and in-memory: value sets, unit conversions and settings are built once and passed in.
 * Every list is in a deterministic order (newest first, then by resource), so both roads give deep-equal records.
 */
import { daysBetween, daysInMonth, fhirCalendarDate, isCalendarDate } from '../common/calendar.js';
import { resourceRefText, withUnit } from '../record/display.js';
import type { DataSettings } from './data-settings.js';
import type {
  CodeRef,
  ConditionConcept,
  DataGap,
  ConditionFact,
  IgnoredObservation,
  IgnoreReason,
  ImagingFact,
  ImagingModality,
  LabConcept,
  LabSeries,
  LabValue,
  PatientFacts,
  PatientRecord,
  ProcedureConcept,
  ProcedureFact,
} from '../record/record.js';
import { notThisPatient } from './attribution.js';
import { distinctResources, type ResourceItem } from './copies.js';
import { formatNumber, UnitConverter } from './units.js';
import { SYSTEM } from '../record/code-systems.js';
import { LAB_CONCEPT_ROWS } from '../record/lab-concepts.js';
import { LAB_CONCEPTS } from '../record/record.js';
import type { ValueSets } from './value-sets.js';

const USABLE_OBSERVATION = new Set(['final', 'amended', 'corrected']);
const USABLE_REPORT = new Set(['final', 'amended', 'corrected']);
const ACTIVE_CLINICAL = new Set(['active', 'recurrence', 'relapse']);
const EXCLUDED_VERIFICATION = new Set(['refuted', 'entered-in-error']);
const UNCONFIRMED_VERIFICATION = new Set(['unconfirmed', 'provisional', 'differential']);

interface BuildContext {
  today: string;
  patientId: string;
  /** Calendar dates already worked out in this call: a lab panel shares one timestamp across its results. */
  dates: Map<string, string | undefined>;
  /** Data that was there but could not be used; the cards that depend on its key say so. */
  gaps: DataGap[];
}

type Outcome = { ok: true; value: LabValue } | { ok: false; ignored: IgnoredObservation };

// Built field by field: a spread of conditional objects costs several times more, and this runs for every coding.
const codeRef = (coding: fhir4.Coding): CodeRef => {
  const ref: CodeRef = coding.system !== undefined ? { system: coding.system, code: coding.code ?? '' } : { code: coding.code ?? '' };
  if (coding.display !== undefined) ref.display = coding.display;
  return ref;
};
/** The prefetch key a resource type is read under (hooks/*.json), for data gaps the cards report. */
const KEY_OF_TYPE: Record<string, string> = {
  Observation: 'observations',
  Condition: 'conditions',
  FamilyMemberHistory: 'familyHistory',
  Procedure: 'procedures',
  DiagnosticReport: 'imagingReports',
  ImagingStudy: 'imagingStudies',
};

/** A string field as sent, or undefined when it is missing, empty or not a string (real and hostile data both send such). */
const textOf = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

const codings = (concept: fhir4.CodeableConcept | undefined): fhir4.Coding[] => (Array.isArray(concept?.coding) ? concept.coding.filter((c) => typeof c?.code === 'string') : []);
const refOf = (resource: fhir4.FhirResource, index: number): string => resourceRefText(resource.resourceType, resource.id, index);

/** Newest first by calendar date, then instant, then resource (deterministic for both roads). */
function sortKey(effective: string): number {
  if (!/T/.test(effective)) return Number.NEGATIVE_INFINITY;
  const withZone = /(Z|[+-]\d{2}:\d{2})$/.test(effective) ? effective : `${effective}Z`;
  const ms = Date.parse(withZone);
  return Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms;
}
function newestFirst<T extends { date: string; resource: string; effective?: string }>(a: T, b: T): number {
  if (a.date !== b.date) return a.date < b.date ? 1 : -1;
  const ka = sortKey(a.effective ?? a.date);
  const kb = sortKey(b.effective ?? b.date);
  if (ka !== kb) return ka < kb ? 1 : -1;
  return a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0;
}
/** Two results share a timestamp when their instants are equal (or, without an offset, the strings are). */
function timestampKey(effective: string): string {
  if (/T.*(Z|[+-]\d{2}:\d{2})$/.test(effective)) {
    const ms = Date.parse(effective);
    if (!Number.isNaN(ms)) return String(ms);
  }
  return effective;
}

const PROCEDURE_LABELS: Record<ProcedureConcept, string> = { tace: 'TACE', hepatectomy: 'liver resection' };

/**
 * A TACE, resection or imaging study that happened but cannot be placed in time: dropping it silently would read as
 * "never done" (e.g. no follow-up due, surveillance overdue); as a gap, the cards that use its key name it.
 */
function undatedGap(ref: string, concept: ProcedureConcept | ImagingModality, sent: string | undefined, date: string | undefined, today: string): DataGap {
  const what = concept === 'tace' || concept === 'hepatectomy' ? PROCEDURE_LABELS[concept] : `${concept.toUpperCase()} imaging`;
  const why = sent === undefined ? 'has no date' : date === undefined ? `has a date that cannot be read ("${sent.slice(0, 40)}")` : `is dated ${date}, after today (${today})`;
  return { key: KEY_OF_TYPE[ref.slice(0, ref.indexOf('/'))] ?? 'procedures', kind: 'unavailable', detail: `${ref} (${what}) ${why} and was not used`, concept };
}

function ignored(concept: LabConcept, resource: string, date: string | undefined, reason: IgnoreReason, detail: string): Outcome {
  const item: IgnoredObservation = { concept, resource, reason, detail };
  if (date) item.date = date;
  return { ok: false, ignored: item };
}

/** What the record is built from: the resources read under each prefetch key, and what is known to be missing. */
export interface RecordSource {
  keys: readonly { key: string; resources: readonly fhir4.FhirResource[]; resourceType?: string }[];
  gaps: readonly DataGap[];
}

export class PatientRecordBuilder {
  private readonly units: UnitConverter;

  constructor(
    private readonly valueSets: ValueSets,
    private readonly settings: DataSettings,
    private readonly timeZone: string,
  ) {
    this.units = new UnitConverter(settings);
  }

  build(data: RecordSource, options: { today: string; patientId: string; fhirServer?: string }): PatientRecord {
    const gaps: DataGap[] = [];
    const ctx: BuildContext = { today: options.today, patientId: options.patientId, dates: new Map(), gaps };
    const labs = Object.fromEntries(LAB_CONCEPTS.map((concept): [LabConcept, LabSeries] => [concept, { concept, values: [], ignored: [] }])) as Record<LabConcept, LabSeries>;
    const conditions: Partial<Record<ConditionConcept, ConditionFact[]>> = {};
    const procedures: ProcedureFact[] = [];
    const imaging: ImagingFact[] = [];
    const patients: fhir4.Patient[] = [];

    const copied = new Set<string>();
    for (const [index, item] of distinctResources(this.attributedResources(data, ctx, options.fhirServer, patients)).entries()) {
      const { resource } = item;
      const ref = refOf(resource, index);
      if (item.copies !== undefined) copied.add(ref);
      try {
        this.readResource(resource, ref, ctx, labs, conditions, procedures, imaging);
        if (item.superseded) this.markSuperseded(ref, item.superseded, labs, conditions);
      } catch {
        // A resource whose fields have impossible types must neither take the call down nor vanish silently.
        gaps.push({ key: KEY_OF_TYPE[resource.resourceType] ?? resource.resourceType, kind: 'unavailable', detail: `${ref} is malformed and was not used` });
      }
    }

    for (const series of Object.values(labs)) {
      series.values = this.resolveConflicts(series.concept, this.mergeCopies(series.concept, series.values, copied).sort(newestFirst));
      if (series.values[0]) series.latest = series.values[0];
      series.ignored.sort((a, b) => (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0));
    }
    for (const list of Object.values(conditions)) list?.sort((a, b) => (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0));
    procedures.sort(newestFirst);
    imaging.sort(newestFirst);

    // Another patient's demographics must never stand in for this one's (age and sex drive eligibility).
    const own = patients.find((p) => p.id === ctx.patientId) ?? patients.find((p) => typeof p.id !== 'string' || p.id === '');
    if (!own && patients.length > 0) {
      gaps.push({ key: 'patient', kind: 'unavailable', detail: `the Patient resource read is ${refOf(patients[0]!, 0)}, not Patient/${ctx.patientId}, and was not used` });
    }
    const patient = this.patientFacts(own, ctx);
    // Gaps in an order of their own, not the entries' (the same data in another order gives the same cards).
    gaps.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.detail < b.detail ? -1 : a.detail > b.detail ? 1 : 0));
    return { today: ctx.today, ...(patient ? { patient } : {}), labs, conditions, procedures, imaging, gaps: [...data.gaps, ...gaps] };
  }

  private readResource(
    resource: fhir4.FhirResource,
    ref: string,
    ctx: BuildContext,
    labs: Record<LabConcept, LabSeries>,
    conditions: Partial<Record<ConditionConcept, ConditionFact[]>>,
    procedures: ProcedureFact[],
    imaging: ImagingFact[],
  ): void {
    switch (resource.resourceType) {
      case 'Observation':
        this.observation(resource, ref, ctx, labs);
        break;
      case 'Condition':
        this.condition(resource, ref, ctx, conditions);
        break;
      case 'FamilyMemberHistory':
        this.familyHistory(resource, ref, ctx, conditions);
        break;
      case 'Procedure':
        this.procedure(resource, ref, ctx, procedures, imaging);
        break;
      case 'DiagnosticReport':
        if (USABLE_REPORT.has(resource.status)) {
          this.imagingFact(ref, codings(resource.code), resource.effectiveDateTime ?? resource.effectivePeriod?.start ?? resource.issued, ctx, imaging);
        }
        break;
      case 'ImagingStudy':
        if (resource.status === 'available') {
          this.imagingFact(ref, (resource.procedureCode ?? []).flatMap((c) => codings(c)), resource.started, ctx, imaging);
        }
        break;
      default:
        break;
    }
  }

  /**
   * The resources that are this patient's data, each with the key it came under. Patient resources go to `patients`
   * (matched by id later); types no rule reads (Practitioner, Medication: the usual `_include`s) are left aside, as
   * they change nothing. A resource of another type than its key's search, or one that does not name this patient,
   * is left out and named as a gap. A misfiled copy is not reported when the same resource came under its own key.
   */
  private attributedResources(data: RecordSource, ctx: BuildContext, fhirServer: string | undefined, patients: fhir4.Patient[]): ResourceItem[] {
    const items: ResourceItem[] = [];
    const misfiled: { ref: string; key: string; expected: string }[] = [];
    for (const { key, resources, resourceType: expected } of data.keys) {
      for (const resource of resources) {
        if (typeof resource !== 'object' || resource === null || typeof resource.resourceType !== 'string') continue;
        if (resource.resourceType === 'Patient') {
          patients.push(resource);
          continue;
        }
        if (KEY_OF_TYPE[resource.resourceType] === undefined) continue;
        const ref = refOf(resource, items.length + misfiled.length);
        if (expected !== undefined && expected !== resource.resourceType) {
          misfiled.push({ ref, key, expected });
          continue;
        }
        const why = notThisPatient(resource, ctx.patientId, fhirServer);
        if (why !== undefined) {
          ctx.gaps.push({ key, kind: 'unavailable', leftOut: 'not-this-patient', detail: `${ref} ${why} (this patient is Patient/${ctx.patientId}) and was left out` });
          continue;
        }
        items.push({ resource, key });
      }
    }
    const filed = new Set(items.map((item) => refOf(item.resource, -1)));
    for (const { ref, key, expected } of misfiled) {
      if (!filed.has(ref)) ctx.gaps.push({ key, kind: 'unavailable', leftOut: 'wrong-type', detail: `${ref} was sent where ${expected} resources were expected and was left out` });
    }
    return items;
  }

  /** The newest version was kept: its values say how many older versions it superseded. */
  private markSuperseded(ref: string, count: number, labs: Record<LabConcept, LabSeries>, conditions: Partial<Record<ConditionConcept, ConditionFact[]>>): void {
    for (const series of Object.values(labs)) for (const value of series.values) if (value.resource === ref) value.superseded = count;
    for (const list of Object.values(conditions)) for (const fact of list ?? []) if (fact.resource === ref) fact.superseded = count;
  }

  /**
   * Differing copies of one Observation that no version orders: one result whose content is disputed. Each copy is
   * taken as a same-time result of the other: the worse value counts (whatever its date), and the conflict is named.
   */
  private mergeCopies(concept: LabConcept, values: LabValue[], copied: ReadonlySet<string>): LabValue[] {
    if (copied.size === 0) return values;
    const byRef = new Map<string, LabValue[]>();
    const out: LabValue[] = [];
    for (const value of values) {
      if (!copied.has(value.resource)) {
        out.push(value);
        continue;
      }
      const group = byRef.get(value.resource);
      if (group) group.push(value);
      else byRef.set(value.resource, [value]);
    }
    for (const group of byRef.values()) {
      if (group.length === 1) {
        out.push(group[0]!);
        continue;
      }
      const ordered = [...group].sort(newestFirst);
      const worst = ordered.reduce((a, b) => (this.worse(concept, b, a) ? b : a));
      out.push({ ...worst, conflict: { resources: ordered.map((v) => v.resource), values: ordered.map((v) => v.original), copies: true } });
    }
    return out;
  }

  private date(value: string | undefined, ctx: BuildContext): string | undefined {
    if (typeof value !== 'string') return undefined;
    if (ctx.dates.has(value)) return ctx.dates.get(value);
    const date = fhirCalendarDate(value, this.timeZone);
    ctx.dates.set(value, date);
    return date;
  }

  // ---------------------------------------------------------------- Observations

  private observation(obs: fhir4.Observation, ref: string, ctx: BuildContext, labs: Record<LabConcept, LabSeries>): void {
    let concept: LabConcept | undefined;
    let coding: fhir4.Coding | undefined;
    for (const candidate of codings(obs.code)) {
      concept = this.valueSets.labConcept(codeRef(candidate));
      if (concept) {
        coding = candidate;
        break;
      }
    }
    if (!concept || !coding) return;
    const outcome = this.labValue(obs, ref, concept, coding, ctx);
    if (outcome.ok) labs[concept].values.push(outcome.value);
    else labs[concept].ignored.push(outcome.ignored);
  }

  private labValue(obs: fhir4.Observation, ref: string, concept: LabConcept, coding: fhir4.Coding, ctx: BuildContext): Outcome {
    // clinical-rules §0: effectiveDateTime, else effectivePeriod.end, else issued; a period's start only when nothing else dates it.
    const effective = obs.effectiveDateTime ?? obs.effectiveInstant ?? obs.effectivePeriod?.end ?? obs.issued ?? obs.effectivePeriod?.start;
    const date = this.date(effective, ctx);

    if (!USABLE_OBSERVATION.has(obs.status)) return ignored(concept, ref, date, 'status', `status "${String(obs.status)}" is not final, amended or corrected`);
    if (obs.dataAbsentReason) {
      const why = codings(obs.dataAbsentReason)[0]?.code ?? obs.dataAbsentReason.text ?? 'unspecified';
      return ignored(concept, ref, date, 'data-absent', `no result: dataAbsentReason "${why}"`);
    }
    if (effective === undefined) return ignored(concept, ref, date, 'no-date', 'no effectiveDateTime, effectivePeriod or issued date');
    if (!date) return ignored(concept, ref, date, 'no-date', `date "${effective}" cannot be read`);
    if (date > ctx.today) return ignored(concept, ref, date, 'future-date', `dated ${date}, after today (${ctx.today})`);

    const value = this.readValue(obs, concept);
    if (!value.ok) return ignored(concept, ref, date, value.reason, value.detail);
    // Assigned onto the fields object rather than spread together: this runs for every lab result of every call.
    const lab = value.fields as LabValue;
    lab.concept = concept;
    lab.resource = ref;
    lab.effective = effective;
    lab.date = date;
    lab.ageDays = daysBetween(date, ctx.today);
    lab.observationCode = codeRef(coding);
    return { ok: true, value: lab };
  }

  private readValue(obs: fhir4.Observation, concept: LabConcept): { ok: true; fields: Omit<LabValue, 'concept' | 'resource' | 'effective' | 'date' | 'ageDays' | 'observationCode'> } | { ok: false; reason: IgnoreReason; detail: string } {
    const q = obs.valueQuantity;
    const coded = codings(obs.valueCodeableConcept);
    switch (LAB_CONCEPT_ROWS[concept].value) {
      case 'local-answer':
        return this.localAnswer(concept, coded);
      case 'pregnancy-answer': {
        for (const c of coded) {
          const answer = this.valueSets.pregnancyAnswer(codeRef(c));
          if (answer) return { ok: true, fields: { code: codeRef(c), answer, original: c.display ?? c.code ?? '' } };
        }
        return this.noCodedAnswer(coded, 'a pregnancy status answer (LA15173-0, LA26683-5, LA4489-6, SNOMED 77386006, 60001007)');
      }
      case 'ecog': {
        if (typeof obs.valueInteger === 'number' || (q && typeof q.value === 'number')) break;
        for (const c of [...coded, ...(obs.interpretation ?? []).flatMap((i) => codings(i))]) {
          const grade = this.valueSets.ecogAnswer(codeRef(c));
          if (grade !== undefined) return { ok: true, fields: { value: grade, code: codeRef(c), original: `ECOG ${grade} (${c.code})` } };
        }
        return this.noCodedAnswer(coded, 'an ECOG grade 0-5 (valueInteger or an LL529-9 answer)');
      }
      case 'quantity-or-text': {
        if (q && typeof q.value === 'number') break;
        const c = coded[0];
        if (c) return { ok: true, fields: { code: codeRef(c), original: c.display ?? c.code ?? '' } };
        if (typeof obs.valueString === 'string' && obs.valueString.trim() !== '') return { ok: true, fields: { original: obs.valueString.trim() } };
        return { ok: false, reason: 'no-value', detail: 'no value' };
      }
      case 'quantity':
        break;
    }
    let quantity: { value: number; system?: string; code?: string; unit?: string; comparator?: string } | undefined;
    if (q && typeof q.value === 'number' && Number.isFinite(q.value)) {
      quantity = { value: q.value, system: textOf(q.system), code: textOf(q.code), unit: textOf(q.unit), comparator: textOf(q.comparator) };
    } else if (typeof obs.valueInteger === 'number') {
      quantity = { value: obs.valueInteger };
    }
    if (!quantity) {
      const other = coded.length > 0 ? 'a coded value' : typeof obs.valueString === 'string' ? 'a text value' : undefined;
      return { ok: false, reason: 'no-value', detail: other ? `${other} where a number is needed` : 'no value' };
    }
    const sentUnit = quantity.code ?? quantity.unit ?? '';
    const original = `${quantity.comparator ?? ''}${withUnit(formatNumber(quantity.value), sentUnit)}`;
    const converted = this.units.convert(concept, quantity);
    if (!converted.ok) return { ok: false, reason: converted.reason, detail: `${original}: ${converted.detail}` };
    return {
      ok: true,
      fields: {
        value: converted.value,
        ...(converted.unit !== undefined ? { unit: converted.unit } : {}),
        original,
        ...(quantity.comparator ? { comparator: quantity.comparator } : {}),
      },
    };
  }

  private localAnswer(concept: LabConcept, coded: fhir4.Coding[]): { ok: true; fields: Pick<LabValue, 'code' | 'answer' | 'original'> } | { ok: false; reason: IgnoreReason; detail: string } {
    const allowed: readonly string[] = LAB_CONCEPT_ROWS[concept].answers ?? [];
    for (const c of coded) {
      if (c.system === SYSTEM.local && c.code && allowed.includes(c.code)) return { ok: true, fields: { code: codeRef(c), answer: c.code, original: c.display ?? c.code } };
    }
    return this.noCodedAnswer(coded, `${SYSTEM.local} ${allowed.join(' / ')}`);
  }

  private noCodedAnswer(coded: fhir4.Coding[], expected: string): { ok: false; reason: IgnoreReason; detail: string } {
    const sent = coded.map((c) => `${c.system ?? '(no system)'}|${c.code}`).join(', ');
    return { ok: false, reason: 'no-value', detail: sent ? `answer ${sent} is not ${expected}` : `no value (expected ${expected})` };
  }

  /** Same-timestamp results that disagree: keep the worse one, flagged (§3.1); identical duplicates: keep one. */
  private resolveConflicts(concept: LabConcept, sorted: LabValue[]): LabValue[] {
    const out: LabValue[] = [];
    let i = 0;
    while (i < sorted.length) {
      const first = sorted[i] as LabValue;
      const stamp = timestampKey(first.effective);
      let j = i + 1;
      while (j < sorted.length && timestampKey((sorted[j] as LabValue).effective) === stamp) j++;
      const group = sorted.slice(i, j);
      i = j;
      const signatures = new Set(group.map((v) => (v.value !== undefined ? `${v.value}|${v.unit ?? ''}` : `|${v.answer ?? v.code?.code ?? v.original}`)));
      if (signatures.size === 1) {
        out.push(first);
        continue;
      }
      const worst = group.reduce((a, b) => (this.worse(concept, b, a) ? b : a));
      out.push({ ...worst, conflict: { resources: group.map((v) => v.resource), values: group.map((v) => v.original) } });
    }
    return out;
  }

  /** True when `b` is strictly worse than `a` (§3.1 "use the worse (more abnormal) one"). */
  private worse(concept: LabConcept, b: LabValue, a: LabValue): boolean {
    const answers = LAB_CONCEPT_ROWS[concept].answers;
    const rank = (v: LabValue): number | undefined => {
      if (answers) return answers.indexOf(v.answer ?? '');
      if (v.value === undefined || v.unit !== a.unit) return undefined;
      return this.settings.labs[concept].worse === 'higher-is-worse' ? v.value : -v.value;
    };
    const rb = rank(b);
    const ra = rank(a);
    return rb !== undefined && ra !== undefined && rb > ra;
  }

  // ---------------------------------------------------------------- Conditions

  private condition(condition: fhir4.Condition, ref: string, ctx: BuildContext, out: Partial<Record<ConditionConcept, ConditionFact[]>>): void {
    const clinical = codings(condition.clinicalStatus)[0]?.code;
    if (clinical !== undefined && !ACTIVE_CLINICAL.has(clinical)) return;
    const verification = codings(condition.verificationStatus)[0]?.code;
    if (verification !== undefined && EXCLUDED_VERIFICATION.has(verification)) return;
    let severity: ConditionFact['severity'];
    for (const c of codings(condition.severity)) severity ??= this.valueSets.severity(codeRef(c));
    const onsetDate = this.date(condition.onsetDateTime ?? condition.onsetPeriod?.start, ctx);
    const recordedDate = this.date(condition.recordedDate, ctx);
    const bodySite = (condition.bodySite ?? []).flatMap((b) => codings(b).map(codeRef));
    const seen = new Set<ConditionConcept>();
    for (const c of codings(condition.code)) {
      for (const concept of this.valueSets.conditionConcepts(codeRef(c))) {
        if (seen.has(concept)) continue;
        seen.add(concept);
        (out[concept] ??= []).push({
          concept,
          resource: ref,
          code: codeRef(c),
          clinicalStatus: clinical ?? 'active',
          ...(verification !== undefined ? { verificationStatus: verification } : {}),
          unconfirmed: verification !== undefined && UNCONFIRMED_VERIFICATION.has(verification),
          ...(severity ? { severity } : {}),
          ...(onsetDate ? { onsetDate } : {}),
          ...(recordedDate ? { recordedDate } : {}),
          ...(bodySite.length > 0 ? { bodySite } : {}),
        });
      }
    }
  }

  /** FamilyMemberHistory with a liver-cancer condition -> `familyHistoryLiverCancer` (clinicalStatus carries "active"). */
  private familyHistory(history: fhir4.FamilyMemberHistory, ref: string, ctx: BuildContext, out: Partial<Record<ConditionConcept, ConditionFact[]>>): void {
    if (history.status === 'entered-in-error') return;
    for (const condition of history.condition ?? []) {
      const match = codings(condition.code).find((c) => this.valueSets.isFamilyMemberLiverCancer(codeRef(c)));
      if (!match) continue;
      (out.familyHistoryLiverCancer ??= []).push({
        concept: 'familyHistoryLiverCancer',
        resource: ref,
        code: codeRef(match),
        clinicalStatus: 'active',
        unconfirmed: false,
        ...(history.date ? { recordedDate: this.date(history.date, ctx) } : {}),
      });
      return;
    }
  }

  // ---------------------------------------------------------------- Procedures and imaging

  private procedure(procedure: fhir4.Procedure, ref: string, ctx: BuildContext, procedures: ProcedureFact[], imaging: ImagingFact[]): void {
    if (procedure.status !== 'completed') return;
    const performed = procedure.performedDateTime ?? procedure.performedPeriod?.start;
    const date = this.date(performed, ctx);
    const list = codings(procedure.code);
    for (const c of list) {
      const concept = this.valueSets.procedureConcept(codeRef(c));
      if (!concept) continue;
      if (!date || date > ctx.today) {
        ctx.gaps.push(undatedGap(ref, concept, performed, date, ctx.today));
        return;
      }
      procedures.push({ concept, resource: ref, code: codeRef(c), date, ageDays: daysBetween(date, ctx.today) });
      return;
    }
    this.imagingFact(ref, list, performed, ctx, imaging);
  }

  private imagingFact(ref: string, list: fhir4.Coding[], when: string | undefined, ctx: BuildContext, imaging: ImagingFact[]): void {
    const date = this.date(when, ctx);
    for (const c of list) {
      const modality = this.valueSets.imagingModality(codeRef(c));
      if (!modality) continue;
      if (!date || date > ctx.today) {
        ctx.gaps.push(undatedGap(ref, modality, when, date, ctx.today));
        return;
      }
      imaging.push({ modality, resource: ref, code: codeRef(c), date, ageDays: daysBetween(date, ctx.today) });
      return;
    }
  }

  // ---------------------------------------------------------------- Patient

  private patientFacts(patient: fhir4.Patient | undefined, ctx: BuildContext): PatientFacts | undefined {
    if (!patient) return undefined;
    const id = patient.id ?? ctx.patientId;
    const facts: PatientFacts = { id, resource: `Patient/${id}` };
    if (typeof patient.birthDate === 'string') {
      facts.birthDate = patient.birthDate;
      const age = completedYears(patient.birthDate, ctx.today);
      const range = age === undefined ? completedYearsRange(patient.birthDate, ctx.today) : undefined;
      if (age !== undefined) facts.ageYears = age;
      else if (range) facts.ageRange = range;
    }
    if (patient.gender === 'male' || patient.gender === 'female' || patient.gender === 'other' || patient.gender === 'unknown') facts.sex = patient.gender;
    return facts;
  }
}

/** Completed years at `today` (birthday today counts); undefined for partial or unreadable birth dates. */
export function completedYears(birthDate: string, today: string): number | undefined {
  const birth = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthDate);
  const now = /^(\d{4})-(\d{2})-(\d{2})$/.exec(today);
  if (!birth || !now || !isCalendarDate(birthDate)) return undefined;
  const years = Number(now[1]) - Number(birth[1]) - (`${now[2]}-${now[3]}` < `${birth[2]}-${birth[3]}` ? 1 : 0);
  return years >= 0 ? years : undefined;
}

/**
 * The range of completed years at `today` for a partial birth date: `1960` -> born between 1960-01-01 and 1960-12-31;
 * `1960-05` -> within May 1960. Undefined for full, unreadable or future birth dates.
 */
export function completedYearsRange(birthDate: string, today: string): [number, number] | undefined {
  const partial = /^(\d{4})(?:-(\d{2}))?$/.exec(birthDate);
  if (!partial) return undefined;
  const [firstMonth, lastMonth] = partial[2] === undefined ? ['01', '12'] : [partial[2], partial[2]];
  const lastDay = daysInMonth(Number(partial[1]), Number(lastMonth));
  if (lastDay === undefined) return undefined;
  const first = `${partial[1]}-${firstMonth}-01`;
  const last = `${partial[1]}-${lastMonth}-${lastDay}`;
  const oldest = completedYears(first, today);
  if (oldest === undefined) return undefined;
  return [completedYears(last, today) ?? 0, oldest];
}
