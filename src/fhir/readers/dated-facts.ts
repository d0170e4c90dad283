/** What a dated procedure or imaging study becomes: a fact with its date, or, undated, a gap the cards name. */
import { daysBetween } from '../../common/calendar.js';
import type { DataGap, ImagingModality, ProcedureConcept } from '../../record/record.js';
import { codeRef, KEY_OF_TYPE, type ReadContext, type RecordDraft } from './read-context.js';

const PROCEDURE_LABELS: Record<ProcedureConcept, string> = { tace: 'TACE', hepatectomy: 'liver resection' };

/**
 * A TACE, resection or imaging study that happened but cannot be placed in time: dropping it silently would read as
 * "never done" (e.g. no follow-up due, surveillance overdue); as a gap, the cards that use its key name it.
 */
export function undatedGap(ref: string, concept: ProcedureConcept | ImagingModality, sent: string | undefined, date: string | undefined, today: string): DataGap {
  const what = concept === 'tace' || concept === 'hepatectomy' ? PROCEDURE_LABELS[concept] : `${concept.toUpperCase()} imaging`;
  const why = sent === undefined ? 'has no date' : date === undefined ? `has a date that cannot be read ("${sent.slice(0, 40)}")` : `is dated ${date}, after today (${today})`;
  return { key: KEY_OF_TYPE[ref.slice(0, ref.indexOf('/'))] ?? 'procedures', kind: 'unavailable', detail: `${ref} (${what}) ${why} and was not used`, concept };
}

export function imagingFact(ref: string, list: fhir4.Coding[], when: string | undefined, ctx: ReadContext, draft: RecordDraft): void {
  const date = ctx.date(when);
  for (const c of list) {
    const modality = ctx.valueSets.imagingModality(codeRef(c));
    if (!modality) continue;
    if (!date || date > ctx.today) {
      draft.gaps.push(undatedGap(ref, modality, when, date, ctx.today));
      return;
    }
    draft.imaging.push({ modality, resource: ref, code: codeRef(c), date, ageDays: daysBetween(date, ctx.today) });
    return;
  }
}
