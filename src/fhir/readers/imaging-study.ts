import { imagingFact } from './dated-facts.js';
import { codings, type ReadContext, type RecordDraft } from './read-context.js';

/** An available ImagingStudy -> imaging of the modality its procedure code names. */
export function readImagingStudy(study: fhir4.ImagingStudy, ref: string, ctx: ReadContext, draft: RecordDraft): void {
  if (study.status === 'available') imagingFact(ref, (study.procedureCode ?? []).flatMap((c) => codings(c)), study.started, ctx, draft);
}
