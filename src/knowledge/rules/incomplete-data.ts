/**
 * DQ-INCOMPLETE: data read only in part (paging bound, unread pages, a problem reported by the FHIR server) or
 * resources left out as not this patient's, that no other card of the answer names. Without it such an answer could
 * be an empty card list, which an EHR shows as "all clear" (contract §4). Warning on the order hooks (a TACE order is
 * about to be placed on data that may miss a contraindication), info on patient-view (no order at stake).
 */
import type { DataGap } from '../../record/record.js';
import type { Finding } from '../types.js';
import { finding, type RuleContext } from './context.js';
import { defineRule, ALL_HOOKS } from './rule.js';

/** What a clinician calls the data of each prefetch key (hooks/*.json). */
const DATA_LABELS: Readonly<Record<string, string>> = {
  patient: 'patient details (age, sex)',
  conditions: 'diagnoses',
  observations: 'laboratory results and measurements',
  procedures: 'procedures',
  imagingReports: 'imaging reports',
  imagingStudies: 'imaging studies',
  familyHistory: 'family history',
};
const dataLabel = (key: string): string => DATA_LABELS[key] ?? 'other patient records';

/** Gaps that mean the patient's data may be missing from this answer. */
const isIncompleteness = (gap: DataGap): boolean => gap.kind === 'truncated' || gap.leftOut !== undefined;

/** Why data were cut off, in clinician words (the resolver's detail names the technical bound). */
function cutOffReason(detail: string): string {
  if (/FHIR_MAX_RESOURCES|stopped at \d+ resources/.test(detail)) return "reading stopped at this service's limit on the number of results; more results exist";
  if (/FHIR_MAX_PAGES|stopped after \d+ pages/.test(detail)) return "reading stopped at this service's limit on the number of pages; more results exist";
  if (/more pages/.test(detail)) return 'the EHR sent only the first part of the list and the rest could not be fetched';
  if (/reported a problem|OperationOutcome/.test(detail)) return 'the record system reported a problem while sending them, so some may be missing';
  if (/next link/.test(detail)) return 'the rest of the list was offered from another location and was not read';
  if (/could not be read/.test(detail)) return 'part of the list could not be read from the record system';
  return 'they could not be read in full';
}

function lines(gaps: DataGap[]): string[] {
  const out: string[] = [];
  for (const key of [...new Set(gaps.map((g) => g.key))]) {
    const label = dataLabel(key);
    const Label = label.charAt(0).toUpperCase() + label.slice(1);
    const own = gaps.filter((g) => g.key === key);
    for (const gap of own.filter((g) => g.kind === 'truncated')) out.push(`${Label}: not all were read: ${cutOffReason(gap.detail)}.`);
    const refs = (why: DataGap['leftOut']): string[] => own.filter((g) => g.leftOut === why).map((g) => g.ref ?? '?');
    const foreign = refs('not-this-patient');
    if (foreign.length > 0) out.push(`${Label}: ${foreign.length} record${foreign.length > 1 ? 's do' : ' does'} not name this patient and ${foreign.length > 1 ? 'were' : 'was'} left out (${foreign.sort().join(', ')}).`);
    const misfiled = refs('wrong-type');
    if (misfiled.length > 0) out.push(`${Label}: ${misfiled.length} record${misfiled.length > 1 ? 's' : ''} of another kind came with them and ${misfiled.length > 1 ? 'were' : 'was'} left out (${misfiled.sort().join(', ')}).`);
    const unreadable = refs('malformed');
    if (unreadable.length > 0) out.push(`${Label}: ${unreadable.length} record${unreadable.length > 1 ? 's' : ''} could not be read (fields of impossible types) and ${unreadable.length > 1 ? 'were' : 'was'} left out (${unreadable.sort().join(', ')}).`);
  }
  return out;
}

/** A card names a gap when its text carries the gap's detail; on the order hooks only a warning or critical card counts. */
function namedBy(gap: DataGap, findings: readonly Finding[], orderHook: boolean): boolean {
  return findings.some((f) => (!orderHook || f.indicator !== 'info') && [...f.missing, ...f.notes, ...f.assumptions].some((line) => line.includes(gap.detail)));
}

export function incompleteDataRule(ctx: RuleContext, findings: readonly Finding[]): Finding | undefined {
  const orderHook = ctx.hook !== 'patient-view' && ctx.taceOrders.length > 0;
  const unnamed = ctx.record.gaps.filter((gap) => isIncompleteness(gap) && !namedBy(gap, findings, orderHook));
  if (unnamed.length === 0) return undefined;
  const labels = [...new Set(unnamed.map((g) => dataLabel(g.key)))];
  const tail = 'results may be missing; absence of a card is not an all-clear';
  const listed = `Incomplete data (${labels.join('; ')}): ${tail}`;
  return finding('DQ-INCOMPLETE', orderHook ? 'warning' : 'info', listed.length <= 139 ? listed : `Incomplete data (${labels.length} kinds of patient data): ${tail}`, {
    missing: lines(unnamed),
    notes: [
      'Results may be missing: do not read the absence of a card as all-clear.',
      orderHook
        ? 'The TACE safety checks ran only on the data that could be read: check the chart for recent results and contraindications before ordering.'
        : 'The checks ran only on the data that could be read: check the chart before relying on them.',
    ],
    sources: ['local-default'],
  });
}

/** Last, over the other findings: incomplete data that no card names gets a card of its own, whatever the groups. */
export const incompleteDataRuleDefinition = defineRule({
  catalog: { 'DQ-INCOMPLETE': 330 },
  titles: () => ({ 'DQ-INCOMPLETE': 'Patient data incomplete' }),
  group: 'after-all',
  hooks: ALL_HOOKS,
  evaluate: incompleteDataRule,
});
