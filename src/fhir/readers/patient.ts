/** Patient -> age (completed years, or a range from a partial birth date) and sex (clinical-rules.md §3.1). */
import { daysInMonth, isCalendarDate } from '../../common/calendar.js';
import type { PatientFacts } from '../../record/record.js';

export function patientFacts(patient: fhir4.Patient | undefined, ctx: { today: string; patientId: string }): PatientFacts | undefined {
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
