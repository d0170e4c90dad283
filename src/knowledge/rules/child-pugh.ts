/**
 * R1 / R2: Child-Pugh as an interval [min, max] when inputs are missing (clinical-rules.md §2.1), with ALBI (§2.2)
 * and MELD (§2.3) as information lines.
 *   min >= 10            -> TACE-CP-C           critical
 *   min < 10 <= max      -> TACE-CP-C-POSSIBLE  warning (lists missing items, suggests the missing labs)
 *   max 8-9              -> TACE-CP-B8-9        warning
 *   max 7                -> TACE-CP-B7          info
 *   max <= 6             -> no card (Child-Pugh A)
 * Labs count only when usable and at most `labFreshnessDays` old; otherwise the item is unknown, [1, 3].
 * Ascites / encephalopathy: from active Conditions (severity) or the West Haven grade; not recorded = assumed
 * absent (1 point, stated in the card) unless `strictAscitesHe` or the Conditions data are incomplete.
 */
import { codeText } from '../../record/display.js';
import type { ConditionFact, LabConcept, LabValue } from '../../record/record.js';
import type { Fact, Finding, OrderableId, SuggestedOrder } from '../types.js';
import { CONDITION_KEYS, conditionFact, conditions, finding, gapTexts, hasGap, lab, LAB_KEYS, LAB_LABELS, labFact, memo, num, unusableLabText, type RuleContext } from './context.js';
import { defineRule, ORDER_HOOKS } from './rule.js';

export interface ItemScore {
  item: 'bilirubin' | 'albumin' | 'inr' | 'ascites' | 'encephalopathy';
  min: number;
  max: number;
  /** How the points were found, for the card. */
  basis: string;
  facts: Fact[];
  missing?: string;
  assumption?: string;
}

export interface ChildPugh {
  min: number;
  max: number;
  items: ItemScore[];
  /** Bilirubin, albumin and INR values that were fresh (for ALBI / MELD). */
  fresh: Partial<Record<LabConcept, LabValue>>;
}

type Points = 1 | 2 | 3;

export function bilirubinPoints(mgDl: number, s: RuleContext['settings']): Points {
  if (mgDl > s.cpBilirubin3PointsAboveMgDl) return 3;
  return mgDl >= s.cpBilirubin2PointsFromMgDl ? 2 : 1;
}

export function albuminPoints(gDl: number, s: RuleContext['settings']): Points {
  if (gDl < s.cpAlbumin3PointsBelowGdL) return 3;
  return gDl <= s.cpAlbumin1PointAboveGdL ? 2 : 1;
}

export function inrPoints(inr: number, s: RuleContext['settings']): Points {
  if (inr > s.cpInr3PointsAbove) return 3;
  return inr >= s.cpInr2PointsFrom ? 2 : 1;
}

function labItem(ctx: RuleContext, concept: 'bilirubin' | 'albumin' | 'inr', points: (v: number) => Points, bands: string): ItemScore & { value?: LabValue } {
  const days = ctx.settings.labFreshnessDays;
  const { fresh } = lab(ctx.record, concept, days);
  if (fresh?.value !== undefined) {
    const p = points(fresh.value);
    return { item: concept, min: p, max: p, basis: `${p} point${p > 1 ? 's' : ''}`, facts: [labFact(fresh, bands)], value: fresh };
  }
  return { item: concept, min: 1, max: 3, basis: 'unknown: counted as 1-3 points', facts: [], missing: unusableLabText(ctx.record, concept, days) };
}

/** "INR", "Total bilirubin", "ascites": how the card names a Child-Pugh item. */
function itemLabel(item: ItemScore['item']): string {
  return item === 'ascites' || item === 'encephalopathy' ? item : LAB_LABELS[item];
}

function severityPoints(c: ConditionFact, item: 'ascites' | 'encephalopathy'): [number, number] {
  if (c.severity === 'severe') return [3, 3];
  if (c.severity === 'moderate') return item === 'ascites' ? [3, 3] : [2, 2];
  if (c.severity === 'mild') return [2, 2];
  return [2, 3];
}

function clinicalItem(ctx: RuleContext, item: 'ascites' | 'encephalopathy'): ItemScore {
  const found = conditions(ctx.record, item === 'ascites' ? 'ascites' : 'hepaticEncephalopathy');
  const label = item === 'ascites' ? 'ascites' : 'hepatic encephalopathy';
  let min = 0;
  let max = 0;
  const facts: Fact[] = [];
  for (const c of found) {
    const [lo, hi] = severityPoints(c, item);
    [min, max] = [Math.max(min, lo), Math.max(max, hi)];
    facts.push(conditionFact(c, c.severity ? `severity ${c.severity} = ${lo} points` : 'no severity recorded = 2-3 points'));
  }
  if (item === 'encephalopathy') {
    const grade = ctx.record.labs.westHavenGrade?.latest;
    if (grade?.value !== undefined) {
      const p = grade.value >= 3 ? 3 : grade.value >= 1 ? 2 : 1;
      [min, max] = [Math.max(min, p), Math.max(max, p)];
      facts.push(labFact(grade, `West Haven 0 = 1, 1-2 = 2, 3-4 = 3 points (${p})`));
    }
  }
  if (max > 0) return { item, min, max, basis: min === max ? `${min} point${min > 1 ? 's' : ''}` : `${min}-${max} points`, facts };
  if (ctx.settings.strictAscitesHe) {
    return { item, min: 1, max: 3, basis: 'not recorded: counted as 1-3 points (strict mode)', facts, missing: `${label} not recorded (strict mode: counted as unknown)` };
  }
  if (hasGap(ctx.record, CONDITION_KEYS)) {
    return { item, min: 1, max: 3, basis: 'Conditions incomplete: counted as 1-3 points', facts, missing: `${label}: the Conditions data are incomplete, so absence cannot be assumed` };
  }
  return { item, min: 1, max: 1, basis: '1 point (assumed absent)', facts, assumption: `${label} not recorded, assumed absent (1 point)` };
}

/** The Child-Pugh interval of the patient, computed once per evaluation. */
export function childPugh(ctx: RuleContext): ChildPugh {
  return memo(ctx, 'child-pugh', () => {
    const s = ctx.settings;
    const bili = labItem(ctx, 'bilirubin', (v) => bilirubinPoints(v, s), `<${num(s.cpBilirubin2PointsFromMgDl)} = 1, ${num(s.cpBilirubin2PointsFromMgDl)}-${num(s.cpBilirubin3PointsAboveMgDl)} = 2, >${num(s.cpBilirubin3PointsAboveMgDl)} mg/dL = 3 points`);
    const alb = labItem(ctx, 'albumin', (v) => albuminPoints(v, s), `>${num(s.cpAlbumin1PointAboveGdL)} = 1, ${num(s.cpAlbumin3PointsBelowGdL)}-${num(s.cpAlbumin1PointAboveGdL)} = 2, <${num(s.cpAlbumin3PointsBelowGdL)} g/dL = 3 points`);
    const inr = labItem(ctx, 'inr', (v) => inrPoints(v, s), `<${num(s.cpInr2PointsFrom)} = 1, ${num(s.cpInr2PointsFrom)}-${num(s.cpInr3PointsAbove)} = 2, >${num(s.cpInr3PointsAbove)} = 3 points`);
    const items = [bili, alb, inr, clinicalItem(ctx, 'ascites'), clinicalItem(ctx, 'encephalopathy')];
    const fresh: ChildPugh['fresh'] = {};
    for (const item of [bili, alb, inr]) if (item.value) fresh[item.item as LabConcept] = item.value;
    return { min: items.reduce((sum, i) => sum + i.min, 0), max: items.reduce((sum, i) => sum + i.max, 0), items, fresh };
  });
}

/** ALBI = log10(bilirubin umol/L) x 0.66 - 0.085 x albumin g/L; grade 1 <= -2.60 < grade 2 <= -1.39 < grade 3. */
export function albi(bilirubinMgDl: number, albuminGdL: number): { score: number; grade: 1 | 2 | 3 } | undefined {
  if (!(bilirubinMgDl > 0) || !(albuminGdL > 0)) return undefined;
  const score = Math.round((Math.log10(bilirubinMgDl * 17.104) * 0.66 - 0.085 * albuminGdL * 10) * 100) / 100;
  return { score, grade: score <= -2.6 ? 1 : score <= -1.39 ? 2 : 3 };
}

/** MELD (UNOS, pre-2016): values below 1.0 set to 1.0, creatinine capped at 4.0; rounded. */
export function meld(creatinineMgDl: number, bilirubinMgDl: number, inr: number): number {
  const cr = Math.min(Math.max(creatinineMgDl, 1), 4);
  const bili = Math.max(bilirubinMgDl, 1);
  const i = Math.max(inr, 1);
  return Math.round(10 * (0.957 * Math.log(cr) + 0.378 * Math.log(bili) + 1.12 * Math.log(i) + 0.643));
}

function infoLines(ctx: RuleContext, cp: ChildPugh): string[] {
  const lines: string[] = [];
  const { bilirubin, albumin, inr } = cp.fresh;
  const a = bilirubin?.value !== undefined && albumin?.value !== undefined ? albi(bilirubin.value, albumin.value) : undefined;
  lines.push(a ? `ALBI score ${a.score.toFixed(2)} (grade ${a.grade}; grade 1 <= -2.60, grade 3 > -1.39), from bilirubin ${bilirubin!.value} mg/dL and albumin ${albumin!.value} g/dL. Information only.`
    : 'ALBI not computable: needs fresh bilirubin and albumin.');
  const creat = lab(ctx.record, 'creatinine', ctx.settings.labFreshnessDays).fresh;
  if (creat?.value !== undefined && bilirubin?.value !== undefined && inr?.value !== undefined) {
    lines.push(`MELD ${meld(creat.value, bilirubin.value, inr.value)} (UNOS formula; creatinine ${creat.value} mg/dL on ${creat.date}, bilirubin ${bilirubin.value} mg/dL, INR ${inr.value}). Information only; dialysis status not known to the service.`);
  } else {
    lines.push('MELD not computable: needs fresh creatinine, bilirubin and INR.');
  }
  return lines;
}

function caveats(ctx: RuleContext, cp: ChildPugh): string[] {
  const notes = [
    'INR raised by warfarin or another vitamin K antagonist does not reflect liver synthesis; albumin infusions raise albumin: either makes Child-Pugh unreliable.',
  ];
  const cholestatic = conditions(ctx.record, 'biliaryCirrhosis', 'sclerosingCholangitis');
  if (cholestatic.length > 0) {
    const bili = cp.fresh.bilirubin?.value;
    const pbc = bili === undefined ? undefined : bili > 10 ? 3 : bili >= 4 ? 2 : 1;
    notes.push(`Cholestatic liver disease recorded (${cholestatic.map((c) => `${codeText(c.code)}, ${c.resource}`).join('; ')}): for PBC/PSC the bilirubin bands are 1-4 / 4-10 / >10 mg/dL${pbc ? ` (would give ${pbc} point${pbc > 1 ? 's' : ''})` : ''}. The standard bands are used here, which may overstate the score.`);
  }
  return notes;
}

const CP_LAB_ORDERABLE: Record<'bilirubin' | 'albumin' | 'inr', OrderableId> = { bilirubin: 'bilirubin', albumin: 'albumin', inr: 'inr' };

export function childPughRule(ctx: RuleContext): Finding | undefined {
  const s = ctx.settings;
  const cp = childPugh(ctx);
  const interval = cp.min === cp.max ? `${cp.min}` : `${cp.min}-${cp.max}`;
  const facts = cp.items.flatMap((item) => item.facts);
  const missing = [...cp.items.flatMap((i) => (i.missing ? [i.missing] : [])), ...gapTexts(ctx.record, [...LAB_KEYS, ...CONDITION_KEYS])];
  const assumptions = cp.items.flatMap((i) => (i.assumption ? [i.assumption] : []));
  const breakdown = `Child-Pugh points: ${cp.items.map((i) => `${itemLabel(i.item)} ${i.basis}`).join('; ')}. Score ${interval} (A 5-6, B ${s.cpClassBMinScore}-${s.cpClassCMinScore - 1}, C ${s.cpClassCMinScore}-15).`;
  const notes = [breakdown, ...caveats(ctx, cp), ...infoLines(ctx, cp)];
  const sources = ['chinese-consensus', 'cirse2021', 'easl-eortc-2012', 'bclc2022', 'child-pugh'] as const;
  const parts = { facts, missing, assumptions, notes, sources: [...sources] };

  if (cp.min >= s.cpClassCMinScore) {
    return finding('TACE-CP-C', 'critical', `Child-Pugh C (score ${interval}): TACE contraindicated`, parts);
  }
  if (cp.max >= s.cpClassCMinScore) {
    const unknown = cp.items.filter((i) => i.min !== i.max).map((i) => itemLabel(i.item));
    const suggestions: SuggestedOrder[] = cp.items
      .filter((i): i is ItemScore & { item: 'bilirubin' | 'albumin' | 'inr' } => i.missing !== undefined && i.item in CP_LAB_ORDERABLE)
      .map((i) => ({ orderable: CP_LAB_ORDERABLE[i.item], reason: `Pre-TACE Child-Pugh: ${LAB_LABELS[i.item]} missing or older than ${s.labFreshnessDays} days` }));
    return finding('TACE-CP-C-POSSIBLE', 'warning', `Child-Pugh C cannot be excluded (score ${interval}; unknown: ${unknown.join(', ')})`, { ...parts, suggestions });
  }
  if (cp.max >= s.cpClassBMinScore + 1) {
    return finding('TACE-CP-B8-9', 'warning', `Child-Pugh ${cp.min === cp.max ? `B${cp.max}` : `up to B${cp.max}`} (score ${interval}): decompensation, TACE relatively contraindicated`, parts);
  }
  if (cp.max >= s.cpClassBMinScore) {
    return finding('TACE-CP-B7', 'info', `Child-Pugh ${cp.min === cp.max ? 'B7' : 'B7 or lower'} (score ${interval})`, parts);
  }
  return undefined;
}

export const childPughRuleDefinition = defineRule({
  catalog: { 'TACE-CP-C': 10, 'TACE-CP-C-POSSIBLE': 20, 'TACE-CP-B8-9': 30, 'TACE-CP-B7': 40 },
  titles: (s) => ({
    'TACE-CP-C': 'Child-Pugh C: TACE contraindicated',
    'TACE-CP-C-POSSIBLE': 'Child-Pugh C cannot be excluded',
    'TACE-CP-B8-9': `Child-Pugh B${s.cpClassBMinScore + 1}-B${s.cpClassCMinScore - 1}`,
    'TACE-CP-B7': `Child-Pugh B${s.cpClassBMinScore}`,
  }),
  group: 'tace-safety',
  hooks: ORDER_HOOKS,
  evaluate: childPughRule,
});
