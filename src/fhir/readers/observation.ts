/** Observation -> a usable lab value of its concept, or the reason it was not used (clinical-rules.md §0, §1.1, §3.1). */
import { daysBetween } from '../../common/calendar.js';
import { SYSTEM } from '../../record/code-systems.js';
import { codeText, withUnit } from '../../record/display.js';
import { LAB_CONCEPT_ROWS } from '../../record/lab-concepts.js';
import type { IgnoredObservation, IgnoreReason, LabConcept, LabValue } from '../../record/record.js';
import { formatNumber } from '../units.js';
import { PREGNANCY_ANSWERS } from '../value-set-data.js';
import { codeRef, codings, textOf, type ReadContext, type RecordDraft } from './read-context.js';

const USABLE_OBSERVATION = new Set(['final', 'amended', 'corrected']);

/** The answers a pregnancy status is read from, named from the value set itself (so the message cannot drift from it). */
const PREGNANCY_EXPECTED = `a pregnancy status answer (${Object.keys(PREGNANCY_ANSWERS)
  .map((key) => codeText({ system: key.slice(0, key.lastIndexOf('|')), code: key.slice(key.lastIndexOf('|') + 1) }))
  .join(', ')})`;

type Outcome = { ok: true; value: LabValue } | { ok: false; ignored: IgnoredObservation };

function ignored(concept: LabConcept, resource: string, date: string | undefined, reason: IgnoreReason, detail: string): Outcome {
  const item: IgnoredObservation = { concept, resource, reason, detail };
  if (date) item.date = date;
  return { ok: false, ignored: item };
}

export function readObservation(obs: fhir4.Observation, ref: string, ctx: ReadContext, draft: RecordDraft): void {
  let concept: LabConcept | undefined;
  let coding: fhir4.Coding | undefined;
  for (const candidate of codings(obs.code)) {
    concept = ctx.valueSets.labConcept(codeRef(candidate));
    if (concept) {
      coding = candidate;
      break;
    }
  }
  if (!concept || !coding) return;
  const outcome = labValue(obs, ref, concept, coding, ctx);
  if (outcome.ok) draft.labs[concept].values.push(outcome.value);
  else draft.labs[concept].ignored.push(outcome.ignored);
}

function labValue(obs: fhir4.Observation, ref: string, concept: LabConcept, coding: fhir4.Coding, ctx: ReadContext): Outcome {
  // clinical-rules §0: effectiveDateTime, else effectivePeriod.end, else issued; a period's start only when nothing else dates it.
  const effective = obs.effectiveDateTime ?? obs.effectiveInstant ?? obs.effectivePeriod?.end ?? obs.issued ?? obs.effectivePeriod?.start;
  const date = ctx.date(effective);

  if (!USABLE_OBSERVATION.has(obs.status)) return ignored(concept, ref, date, 'status', `status "${String(obs.status)}" is not final, amended or corrected`);
  if (obs.dataAbsentReason) {
    const why = codings(obs.dataAbsentReason)[0]?.code ?? obs.dataAbsentReason.text ?? 'unspecified';
    return ignored(concept, ref, date, 'data-absent', `no result: dataAbsentReason "${why}"`);
  }
  if (effective === undefined) return ignored(concept, ref, date, 'no-date', 'no effectiveDateTime, effectivePeriod or issued date');
  if (!date) return ignored(concept, ref, date, 'no-date', `date "${effective}" cannot be read`);
  if (date > ctx.today) return ignored(concept, ref, date, 'future-date', `dated ${date}, after today (${ctx.today})`);

  const value = readValue(obs, concept, ctx);
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

function readValue(obs: fhir4.Observation, concept: LabConcept, ctx: ReadContext): { ok: true; fields: Omit<LabValue, 'concept' | 'resource' | 'effective' | 'date' | 'ageDays' | 'observationCode'> } | { ok: false; reason: IgnoreReason; detail: string } {
  const q = obs.valueQuantity;
  const coded = codings(obs.valueCodeableConcept);
  switch (LAB_CONCEPT_ROWS[concept].value) {
    case 'local-answer':
      return localAnswer(concept, coded);
    case 'pregnancy-answer': {
      for (const c of coded) {
        const answer = ctx.valueSets.pregnancyAnswer(codeRef(c));
        if (answer) return { ok: true, fields: { code: codeRef(c), answer, original: c.display ?? c.code ?? '' } };
      }
      return noCodedAnswer(coded, PREGNANCY_EXPECTED);
    }
    case 'ecog': {
      if (typeof obs.valueInteger === 'number' || (q && typeof q.value === 'number')) break;
      for (const c of [...coded, ...(obs.interpretation ?? []).flatMap((i) => codings(i))]) {
        const grade = ctx.valueSets.ecogAnswer(codeRef(c));
        if (grade !== undefined) return { ok: true, fields: { value: grade, code: codeRef(c), original: `ECOG ${grade} (${c.code})` } };
      }
      return noCodedAnswer(coded, 'an ECOG grade 0-5 (valueInteger or an LL529-9 answer)');
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
  const converted = ctx.units.convert(concept, quantity);
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

function localAnswer(concept: LabConcept, coded: fhir4.Coding[]): { ok: true; fields: Pick<LabValue, 'code' | 'answer' | 'original'> } | { ok: false; reason: IgnoreReason; detail: string } {
  const allowed: readonly string[] = LAB_CONCEPT_ROWS[concept].answers ?? [];
  for (const c of coded) {
    if (c.system === SYSTEM.local && c.code && allowed.includes(c.code)) return { ok: true, fields: { code: codeRef(c), answer: c.code, original: c.display ?? c.code } };
  }
  return noCodedAnswer(coded, `${SYSTEM.local} ${allowed.join(' / ')}`);
}

function noCodedAnswer(coded: fhir4.Coding[], expected: string): { ok: false; reason: IgnoreReason; detail: string } {
  const sent = coded.map((c) => `${c.system ?? '(no system)'}|${c.code}`).join(', ');
  return { ok: false, reason: 'no-value', detail: sent ? `answer ${sent} is not ${expected}` : `no value (expected ${expected})` };
}
