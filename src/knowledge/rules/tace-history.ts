/**
 * R17: latest completed TACE fewer than 35 days ago -> TACE-INTERVAL warning. Also a warning when the procedure
 *      history could hide a recent TACE (a TACE without a usable date; procedures read incompletely): §4.1.
 * R18: a completed TACE within 365 days and no CT/MRI dated after it -> TACE-REIMAGE warning.
 */
import { codeText } from '../../record/display.js';
import type { ProcedureFact, PatientRecord } from '../../record/record.js';
import type { Fact, Finding } from '../types.js';
import { finding, gapsOf, gapText, imagingGapTexts, PROCEDURE_KEYS, type RuleContext } from './context.js';
import { defineRule, ORDER_HOOKS } from './rule.js';

export function latestProcedure(record: PatientRecord, concept: ProcedureFact['concept']): ProcedureFact | undefined {
  return record.procedures.filter((p) => p.concept === concept).sort((a, b) => a.ageDays - b.ageDays)[0];
}

export function procedureFact(p: ProcedureFact, threshold?: string): Fact {
  const fact: Fact = { label: p.concept === 'tace' ? 'Last TACE' : 'Hepatectomy', value: `${p.code.display ?? codeText(p.code)}${p.code.display ? ` (${codeText(p.code)})` : ''}`, date: p.date, ageDays: p.ageDays, resource: p.resource };
  if (threshold) fact.threshold = threshold;
  return fact;
}

/** CT or MRI strictly after a date (response imaging). */
export function crossSectionalAfter(record: PatientRecord, date: string) {
  return record.imaging.filter((i) => (i.modality === 'ct' || i.modality === 'mri') && i.date > date);
}

export function intervalRule(ctx: RuleContext): Finding | undefined {
  const last = latestProcedure(ctx.record, 'tace');
  const min = ctx.settings.taceRepeatIntervalDays;
  const threshold = `< ${min} days (Chinese consensus: repeat interval 35 days to 3 months, >= 3 weeks after recovery)`;
  if (last && last.ageDays >= 0 && last.ageDays < min) {
    return finding('TACE-INTERVAL', 'warning', `Last TACE ${last.ageDays} days ago (<${min} days): too early to repeat`, {
      facts: [procedureFact(last, threshold)],
      sources: ['chinese-consensus'],
    });
  }
  // Procedure data that could hide a TACE: a TACE without a usable date, or the procedures read incompletely.
  const gaps = gapsOf(ctx.record, PROCEDURE_KEYS, ['tace']);
  if (gaps.length === 0) return undefined;
  return finding('TACE-INTERVAL', 'warning', `TACE history incomplete: the ${min}-day repeat interval could not be checked`, {
    facts: last ? [procedureFact(last, threshold)] : [],
    missing: gaps.map(gapText),
    notes: [`Procedure data that could not be used may hold a TACE less than ${min} days ago: check the procedure history before repeating.`],
    sources: ['chinese-consensus'],
  });
}

export function reimageRule(ctx: RuleContext): Finding | undefined {
  const last = latestProcedure(ctx.record, 'tace');
  if (!last || last.ageDays > ctx.settings.reimageWindowDays) return undefined;
  if (crossSectionalAfter(ctx.record, last.date).length > 0) return undefined;
  const reason = `Response imaging after TACE of ${last.date} before re-treatment`;
  return finding('TACE-REIMAGE', 'warning', `No CT/MRI since the last TACE on ${last.date} (${last.ageDays} days ago): assess response before repeating`, {
    facts: [procedureFact(last, `TACE within ${ctx.settings.reimageWindowDays} days with no CT/MRI after it`)],
    missing: [`No completed CT or MRI of the abdomen/liver dated after ${last.date}`, ...imagingGapTexts(ctx.record)],
    notes: ['Chinese consensus: withhold re-intervention if imaging shows dense lipiodol deposition, necrosis and no new lesions (mRECIST).'],
    sources: ['chinese-consensus'],
    suggestions: [{ orderable: 'ct-multiphase', reason }, { orderable: 'mri-multiphase', reason }],
  });
}

export const intervalRuleDefinition = defineRule({
  catalog: { 'TACE-INTERVAL': 230 },
  titles: () => ({ 'TACE-INTERVAL': 'Repeat TACE too early' }),
  group: 'tace-safety',
  hooks: ORDER_HOOKS,
  evaluate: intervalRule,
});

export const reimageRuleDefinition = defineRule({
  catalog: { 'TACE-REIMAGE': 240 },
  titles: () => ({ 'TACE-REIMAGE': 'No response imaging since last TACE' }),
  group: 'tace-safety',
  hooks: ORDER_HOOKS,
  evaluate: reimageRule,
});
