/** CDS Hooks 2.0 wire types (https://cds-hooks.hl7.org/2.0/). */
import type { Action, Coding, HookName, Indicator, Link } from '../common/vocabulary.js';

export { HOOK_NAMES, INDICATORS, type Action, type Coding, type HookName, type Indicator, type Link } from '../common/vocabulary.js';

export interface FhirAuthorization {
  access_token: string;
  token_type?: string;
  expires_in?: number;
  scope?: string;
  subject?: string;
  patient?: string;
}

/** A prefetch value as sent: a resource (Bundle, Patient, OperationOutcome, ...) or null ("no data"). */
export type PrefetchValue = { resourceType?: unknown; [key: string]: unknown } | null;

export interface HookContext {
  userId: string;
  patientId: string;
  encounterId?: string;
  selections?: string[];
  draftOrders?: fhir4.Bundle;
  [key: string]: unknown;
}

export interface HookRequest {
  hook: HookName;
  hookInstance: string;
  fhirServer?: string;
  fhirAuthorization?: FhirAuthorization;
  context: HookContext;
  prefetch?: Record<string, PrefetchValue>;
  extension?: Record<string, unknown>;
}

export interface Suggestion {
  label: string;
  uuid: string;
  isRecommended?: boolean;
  actions?: Action[];
}

export interface Card {
  uuid: string;
  summary: string;
  detail?: string;
  indicator: Indicator;
  source: { label: string; url?: string; icon?: string; topic: Coding };
  suggestions?: Suggestion[];
  selectionBehavior?: 'at-most-one' | 'any';
  overrideReasons?: Coding[];
  links?: Link[];
}

export interface FeedbackItem {
  card: string;
  outcome: 'accepted' | 'overridden';
  acceptedSuggestions?: { id: string }[];
  overrideReason?: { reason?: Coding; userComment?: string } | { code?: string; system?: string; display?: string };
  outcomeTimestamp: string;
  [key: string]: unknown;
}
