/** Procedure -> a completed TACE or resection with its date; an imaging procedure -> imaging (clinical-rules.md §1.4, §1.5). */
import { daysBetween } from '../../common/calendar.js';
import { imagingFact, undatedGap } from './dated-facts.js';
import { codeRef, codings, type ReadContext, type RecordDraft } from './read-context.js';

export function readProcedure(procedure: fhir4.Procedure, ref: string, ctx: ReadContext, draft: RecordDraft): void {
  if (procedure.status !== 'completed') return;
  const performed = procedure.performedDateTime ?? procedure.performedPeriod?.start;
  const date = ctx.date(performed);
  const list = codings(procedure.code);
  for (const c of list) {
    const concept = ctx.valueSets.procedureConcept(codeRef(c));
    if (!concept) continue;
    if (!date || date > ctx.today) {
      draft.gaps.push(undatedGap(ref, concept, performed, date, ctx.today));
      return;
    }
    draft.procedures.push({ concept, resource: ref, code: codeRef(c), date, ageDays: daysBetween(date, ctx.today) });
    return;
  }
  imagingFact(ref, list, performed, ctx, draft);
}
