/** What every rule receives, and the small helpers rules share (freshness, facts, gaps). Pure. */
import { IMAGING_MODALITIES, type ConditionConcept, type ConditionFact, type DataGap, type LabConcept, type LabValue, type PatientRecord } from '../../record/record.js';
import type { HookName, Indicator } from '../../common/vocabulary.js';
import { codeText, withUnit } from '../../record/display.js';
import { LAB_LABELS } from '../../record/lab-concepts.js';
import type { CitationId } from '../citations.js';
import type { Settings } from '../settings.js';
import type { DraftOrder, Fact, Finding, RuleId, SuggestedOrder } from '../types.js';

export interface RuleContext {
  hook: HookName;
  record: PatientRecord;
  taceOrders: DraftOrder[];
  patientId: string;
  settings: Settings;
  /** Results shared between rules of one evaluation (e.g. the Child-Pugh interval), computed once. */
  memo: Map<string, unknown>;
}

export type Rule = (ctx: RuleContext) => Finding | Finding[] | undefined;

export function memo<T>(ctx: RuleContext, key: string, compute: () => T): T {
  if (!ctx.memo.has(key)) ctx.memo.set(key, compute());
  return ctx.memo.get(key) as T;
}

export { LAB_LABELS } from '../../record/lab-concepts.js';

export const CONDITION_LABELS: Readonly<Record<ConditionConcept, string>> = {
  hcc: 'Hepatocellular carcinoma',
  primaryLiverCancer: 'Primary liver cancer',
  intrahepaticCholangiocarcinoma: 'Intrahepatic cholangiocarcinoma',
  liverMetastasis: 'Liver metastasis',
  distantMetastasis: 'Distant (extrahepatic) metastasis',
  portalVeinThrombosis: 'Portal vein thrombosis',
  liverAbscess: 'Liver abscess',
  sepsis: 'Sepsis',
  cachexia: 'Cachexia',
  multiOrganFailure: 'Multiple organ failure',
  chronicHepatitisB: 'Chronic hepatitis B',
  chronicHepatitisC: 'Chronic hepatitis C',
  alcoholUseDisorder: 'Alcohol use disorder',
  type2Diabetes: 'Type 2 diabetes',
  cirrhosis: 'Cirrhosis',
  biliaryCirrhosis: 'Biliary cirrhosis (PBC/PSC)',
  sclerosingCholangitis: 'Primary sclerosing cholangitis',
  ascites: 'Ascites',
  hepaticEncephalopathy: 'Hepatic encephalopathy',
  avFistula: 'Arteriovenous fistula',
  pregnancy: 'Pregnancy',
  hepatorenalSyndrome: 'Hepatorenal syndrome',
  familyHistoryLiverCancer: 'Family history of liver cancer',
};

/**
 * The coded answer of a coded result: the record builder's normalised `answer` when it provides one (e.g. `Vp4`,
 * `few-or-none`, `pregnant`), else the code as sent.
 */
export function answerOf(v: LabValue | undefined): string | undefined {
  if (!v) return undefined;
  return (v as LabValue & { answer?: string }).answer ?? v.code?.code;
}

/** The value as a clinician reads it: `3.4 mg/dL`, `Vp4`, `2`. */
export function valueText(v: LabValue): string {
  if (v.value !== undefined) return withUnit(String(v.value), v.unit);
  return v.code?.code ?? v.original;
}

export interface LabLookup {
  /** The latest usable value when it is within the window. */
  fresh?: LabValue;
  /** The latest usable value whatever its age. */
  latest?: LabValue;
}

/** Latest usable result and whether it is fresh (age <= maxDays; exactly at the limit counts as fresh). */
export function lab(record: PatientRecord, concept: LabConcept, maxDays: number): LabLookup {
  const latest = record.labs[concept]?.latest;
  if (!latest) return {};
  return latest.ageDays >= 0 && latest.ageDays <= maxDays ? { fresh: latest, latest } : { latest };
}

export function labFact(v: LabValue, threshold?: string, label = LAB_LABELS[v.concept]): Fact {
  const fact: Fact = { label, value: valueText(v), date: v.date, ageDays: v.ageDays, resource: v.resource };
  if (threshold) fact.threshold = threshold;
  const notes: string[] = [];
  if (v.original && v.original !== fact.value) notes.push(`reported as ${v.original}`);
  if (v.conflict?.copies) notes.push(`worse of ${v.conflict.values.length} differing copies of ${v.resource} with no version to tell which is current: ${v.conflict.values.join(', ')}`);
  else if (v.conflict) notes.push(`worse of same-time results ${v.conflict.values.join(', ')} (${v.conflict.resources.join(', ')})`);
  if (v.superseded) notes.push(supersededText(v.superseded));
  if (notes.length > 0) fact.note = notes.join('; ');
  return fact;
}

function supersededText(count: number): string {
  return `latest version used; ${count} older version${count > 1 ? 's' : ''} of this resource with other content superseded`;
}

/** Why a lab could not be used: "Albumin: latest 3.9 g/dL on 2026-01-01 is 20 days old (limit 14 days)". */
export function unusableLabText(record: PatientRecord, concept: LabConcept, maxDays: number, label = LAB_LABELS[concept]): string {
  const series = record.labs[concept];
  const latest = series?.latest;
  const ignored = (series?.ignored ?? []).slice(0, 3).map((i) => `${i.resource}${i.date ? ` (${i.date})` : ''} ignored: ${i.detail}`);
  const base = latest
    ? `${label}: latest usable result ${valueText(latest)} on ${latest.date} (${latest.resource}) is ${latest.ageDays} days old, older than ${maxDays} days`
    : `${label}: no usable result on record`;
  return ignored.length > 0 ? `${base}; ${ignored.join('; ')}` : base;
}

/** The patient's age as completed years: exact, or a range from a partial birth date (YYYY, YYYY-MM); undefined when unknown. */
export function ageBounds(record: PatientRecord): { min: number; max: number; text: string } | undefined {
  const patient = record.patient;
  if (patient?.ageYears !== undefined) return { min: patient.ageYears, max: patient.ageYears, text: String(patient.ageYears) };
  if (patient?.ageRange) {
    const [min, max] = patient.ageRange;
    return { min, max, text: `${min}-${max} (birth date ${patient.birthDate ?? 'partial'})` };
  }
  return undefined;
}

/** Data-completeness statements for the prefetch keys a rule depends on (never an all-clear on partial data). */
export function gapTexts(record: PatientRecord, keys: readonly string[], concepts?: readonly string[]): string[] {
  return gapsOf(record, keys, concepts).map(gapText);
}

/**
 * The gaps of these keys. A gap about one resource of a known concept (an undated TACE under `procedures`) counts
 * only where that concept matters: pass `concepts` to say which (liver imaging: us, ct, mri).
 */
export function gapsOf(record: PatientRecord, keys: readonly string[], concepts?: readonly string[]): DataGap[] {
  // A resource left out as not this patient's says nothing about the patient's own data: DQ-INCOMPLETE names it.
  return record.gaps.filter((gap) => (gap.leftOut === undefined || gap.leftOut === 'malformed') && keys.includes(gap.key) && (gap.concept === undefined || concepts === undefined || concepts.includes(gap.concept)));
}

export function gapText(gap: DataGap): string {
  return `${gap.kind === 'truncated' ? 'Incomplete data' : 'Data unavailable'} (${gap.key}): ${gap.detail}. Results not read may change this finding.`;
}

export function hasGap(record: PatientRecord, keys: readonly string[], concepts?: readonly string[]): boolean {
  return gapsOf(record, keys, concepts).length > 0;
}

export const LAB_KEYS = ['observations'] as const;
export const CONDITION_KEYS = ['conditions'] as const;
export const PROCEDURE_KEYS = ['procedures'] as const;
const IMAGING_KEYS = ['procedures', 'imagingReports', 'imagingStudies'] as const;

/** Gaps that can hide liver imaging: the imaging keys, but not an undated TACE or resection under `procedures`. */
export function imagingGapTexts(record: PatientRecord): string[] {
  return gapTexts(record, IMAGING_KEYS, IMAGING_MODALITIES);
}

export function hasImagingGap(record: PatientRecord): boolean {
  return hasGap(record, IMAGING_KEYS, IMAGING_MODALITIES);
}

export function conditions(record: PatientRecord, ...concepts: ConditionConcept[]): ConditionFact[] {
  return concepts.flatMap((concept) => record.conditions[concept] ?? []);
}

export function conditionFact(c: ConditionFact, threshold?: string): Fact {
  const code = `${c.code.display ?? CONDITION_LABELS[c.concept]} (${codeText(c.code)})`;
  const fact: Fact = { label: CONDITION_LABELS[c.concept], value: code, resource: c.resource };
  const date = c.onsetDate ?? c.recordedDate;
  if (date) fact.date = date;
  if (threshold) fact.threshold = threshold;
  const notes = [`clinical status ${c.clinicalStatus}`];
  if (c.unconfirmed) notes.push(`UNCONFIRMED (verification status ${c.verificationStatus ?? 'unconfirmed'}), counted for safety`);
  if (c.severity) notes.push(`severity ${c.severity}`);
  if (c.superseded) notes.push(supersededText(c.superseded));
  fact.note = notes.join('; ');
  return fact;
}

export const LIVER_CANCER_CONCEPTS: readonly ConditionConcept[] = ['hcc', 'primaryLiverCancer', 'intrahepaticCholangiocarcinoma'];

export function liverCancerConditions(record: PatientRecord): ConditionFact[] {
  return conditions(record, ...LIVER_CANCER_CONCEPTS);
}

const PREGNANT_CODES = new Set(['LA15173-0', '77386006', 'pregnant']);

/** Recorded pregnancy (R15): active pregnancy Condition, or latest pregnancy status "pregnant" within the window. */
export function pregnancyEvidence(ctx: RuleContext): Fact[] {
  const facts = conditions(ctx.record, 'pregnancy').map((c) => conditionFact(c));
  const status = lab(ctx.record, 'pregnancyStatus', ctx.settings.pregnancyStatusFreshnessDays).fresh;
  const answer = answerOf(status);
  if (status && answer && PREGNANT_CODES.has(answer)) {
    facts.push(labFact(status, `recorded "pregnant" within ${ctx.settings.pregnancyStatusFreshnessDays} days (LOINC 82810-3 = LA15173-0)`));
  }
  return facts;
}

export interface FindingParts {
  facts?: Fact[];
  missing?: string[];
  assumptions?: string[];
  notes?: string[];
  sources: CitationId[];
  suggestions?: SuggestedOrder[];
}

export function finding(ruleId: RuleId, indicator: Indicator, summary: string, parts: FindingParts): Finding {
  return {
    ruleId,
    indicator,
    summary,
    facts: parts.facts ?? [],
    missing: parts.missing ?? [],
    assumptions: parts.assumptions ?? [],
    notes: parts.notes ?? [],
    sources: parts.sources,
    suggestions: parts.suggestions ?? [],
  };
}

/** A number for a summary/threshold, without float noise: 3 -> "3.0" when the setting is written with one decimal. */
export function num(value: number, decimals = 1): string {
  return Number.isInteger(value) && decimals > 0 ? value.toFixed(decimals) : String(Number(value.toFixed(4)));
}
