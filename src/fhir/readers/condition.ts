/** Condition -> active condition facts of every concept its codes belong to (clinical-rules.md §3.1 "Active"). */
import type { ConditionConcept, ConditionFact } from '../../record/record.js';
import { codeRef, codings, type ReadContext, type RecordDraft } from './read-context.js';

const ACTIVE_CLINICAL = new Set(['active', 'recurrence', 'relapse']);
const EXCLUDED_VERIFICATION = new Set(['refuted', 'entered-in-error']);
const UNCONFIRMED_VERIFICATION = new Set(['unconfirmed', 'provisional', 'differential']);

export function readCondition(condition: fhir4.Condition, ref: string, ctx: ReadContext, draft: RecordDraft): void {
  const clinical = codings(condition.clinicalStatus)[0]?.code;
  if (clinical !== undefined && !ACTIVE_CLINICAL.has(clinical)) return;
  const verification = codings(condition.verificationStatus)[0]?.code;
  if (verification !== undefined && EXCLUDED_VERIFICATION.has(verification)) return;
  let severity: ConditionFact['severity'];
  for (const c of codings(condition.severity)) severity ??= ctx.valueSets.severity(codeRef(c));
  const onsetDate = ctx.date(condition.onsetDateTime ?? condition.onsetPeriod?.start);
  const recordedDate = ctx.date(condition.recordedDate);
  // One odd field must not discard a diagnosis (a contraindication): a bodySite that is not a list is not read.
  const bodySite = Array.isArray(condition.bodySite) ? condition.bodySite.flatMap((b) => codings(b).map(codeRef)) : [];
  const seen = new Set<ConditionConcept>();
  for (const c of codings(condition.code)) {
    for (const concept of ctx.valueSets.conditionConcepts(codeRef(c))) {
      if (seen.has(concept)) continue;
      seen.add(concept);
      (draft.conditions[concept] ??= []).push({
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
