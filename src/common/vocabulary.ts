/**
 * The CDS Hooks words every layer speaks (https://cds-hooks.hl7.org/2.0/): hook names, card indicators, codings,
 * links and suggestion actions. Here, below every layer, so that the knowledge layer can say what a card holds
 * without importing the protocol layer that sends it.
 */

export type HookName = 'patient-view' | 'order-select' | 'order-sign';
export const HOOK_NAMES: readonly HookName[] = ['patient-view', 'order-select', 'order-sign'];

export type Indicator = 'info' | 'warning' | 'critical';
export const INDICATORS: readonly Indicator[] = ['info', 'warning', 'critical'];

export interface Coding {
  system: string;
  code: string;
  display?: string;
}

export interface Link {
  label: string;
  url: string;
  type: 'absolute' | 'smart';
  appContext?: string;
}

export interface Action {
  type: 'create' | 'update' | 'delete';
  description: string;
  resource?: fhir4.FhirResource;
  resourceId?: string;
}
