import { imagingFact } from './dated-facts.js';
import { codings, type ReadContext, type RecordDraft } from './read-context.js';

const USABLE_REPORT = new Set(['final', 'amended', 'corrected']);

/** A final, amended or corrected imaging report -> imaging of its modality. */
export function readDiagnosticReport(report: fhir4.DiagnosticReport, ref: string, ctx: ReadContext, draft: RecordDraft): void {
  if (USABLE_REPORT.has(report.status)) imagingFact(ref, codings(report.code), report.effectiveDateTime ?? report.effectivePeriod?.start ?? report.issued, ctx, draft);
}
