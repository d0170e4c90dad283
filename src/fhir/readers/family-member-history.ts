import { codeRef, codings, type ReadContext, type RecordDraft } from './read-context.js';

/** FamilyMemberHistory with a liver-cancer condition -> `familyHistoryLiverCancer` (clinicalStatus carries "active"). */
export function readFamilyMemberHistory(history: fhir4.FamilyMemberHistory, ref: string, ctx: ReadContext, draft: RecordDraft): void {
  if (history.status === 'entered-in-error') return;
  for (const condition of history.condition ?? []) {
    const match = codings(condition.code).find((c) => ctx.valueSets.isFamilyMemberLiverCancer(codeRef(c)));
    if (!match) continue;
    (draft.conditions.familyHistoryLiverCancer ??= []).push({
      concept: 'familyHistoryLiverCancer',
      resource: ref,
      code: codeRef(match),
      clinicalStatus: 'active',
      unconfirmed: false,
      ...(history.date ? { recordedDate: ctx.date(history.date) } : {}),
    });
    return;
  }
}
