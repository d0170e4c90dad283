/** CDS Hooks 2.0 wire types (https://cds-hooks.hl7.org/2.0/). */

export type HookName = 'patient-view' | 'order-select' | 'order-sign';
export const HOOK_NAMES: readonly HookName[] = ['patient-view', 'order-select', 'order-sign'];

export type Indicator = 'info' | 'warning' | 'critical';
export const INDICATORS: readonly Indicator[] = ['info', 'warning', 'critical'];

export interface Coding {
  system: string;
  code: string;
  display?: string;
}

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

export interface Action {
  type: 'create' | 'update' | 'delete';
  description: string;
  resource?: fhir4.FhirResource;
  resourceId?: string;
}

export interface Suggestion {
  label: string;
  uuid: string;
  isRecommended?: boolean;
  actions?: Action[];
}

export interface Link {
  label: string;
  url: string;
  type: 'absolute' | 'smart';
  appContext?: string;
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

export interface HookResponse {
  cards: Card[];
}

export interface FeedbackItem {
  card: string;
  outcome: 'accepted' | 'overridden';
  acceptedSuggestions?: { id: string }[];
  overrideReason?: { reason?: Coding; userComment?: string } | { code?: string; system?: string; display?: string };
  outcomeTimestamp: string;
  [key: string]: unknown;
}
