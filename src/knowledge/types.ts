import type { Action, Coding, HookName, Indicator, Link } from '../common/vocabulary.js';
import type { CodeRef, PatientRecord } from '../record/record.js';

/** A rule id of contract.md §3, carried as `source.topic.code`; each rule file declares its own (rules/rule.ts). */
export type RuleId = string;

/** Rule groups a service definition (hooks/*.json) can run. */
export const RULE_GROUPS = ['tace-safety', 'surveillance', 'follow-up', 'data-quality'] as const;
export type RuleGroup = (typeof RULE_GROUPS)[number];

/** A draft order as the rules see it. */
export interface DraftOrder {
  /** `ServiceRequest/{id}` */
  reference: string;
  resourceType: string;
  codes: CodeRef[];
  /** Display text for the card (`code.text`, first display, or the code). */
  label: string;
}

/** Everything a rule may look at. Pure data: no I/O, "today" and settings passed in. */
export interface EvaluationInput {
  hook: HookName;
  record: PatientRecord;
  /** The TACE orders this call is about: selected (order-select) or all drafts (order-sign). */
  taceOrders: DraftOrder[];
  patientId: string;
}

/** One value a card used, with where it came from. */
export interface Fact {
  label: string;
  /** e.g. "3.4 mg/dL" */
  value: string;
  date?: string;
  ageDays?: number;
  resource?: string;
  /** e.g. "> 3.0 mg/dL (CIRSE 2021)" */
  threshold?: string;
  /** e.g. "unconfirmed", "worse of two same-time results" */
  note?: string;
}

/** Orderable items that a card can suggest as draft ServiceRequests (clinical-rules.md §1.6, §4 item 12). */
export type OrderableId =
  | 'inr'
  | 'cbc'
  | 'bilirubin'
  | 'albumin'
  | 'creatinine'
  | 'afp'
  | 'liver-us'
  | 'ct-multiphase'
  | 'mri-multiphase'
  | 'hbv-dna'
  | 'hcv-rna'
  | 'hcg';

export interface SuggestedOrder {
  orderable: OrderableId;
  /** ServiceRequest.reasonCode.text, e.g. "Pre-TACE safety: INR missing or older than 14 days". */
  reason: string;
}

/** What a rule concluded; rendered into exactly one card. */
export interface Finding {
  ruleId: RuleId;
  indicator: Indicator;
  /** Plain-words finding, at most 139 characters once rendered. */
  summary: string;
  facts: Fact[];
  /** Inputs that were missing, stale or unusable, and why. */
  missing: string[];
  /** Assumptions made (e.g. "ascites not recorded, assumed absent"). */
  assumptions: string[];
  /** Caveats and context lines (e.g. Child-Pugh unreliable on anticoagulants; ALBI, MELD). */
  notes: string[];
  /** Source ids from the settings' citation list. */
  sources: string[];
  suggestions: SuggestedOrder[];
}

export interface SuggestionInput {
  label: string;
  isRecommended?: boolean;
  actions: Action[];
}

/** A rendered finding: everything a card says, before the protocol layer adds uuids and checks the invariants. */
export interface CardInput {
  ruleId: string;
  ruleTitle?: string;
  indicator: Indicator;
  summary: string;
  detail?: string;
  sourceUrl?: string;
  suggestions?: SuggestionInput[];
  selectionBehavior?: 'at-most-one' | 'any';
  overrideReasons?: Coding[];
  links?: Link[];
}
