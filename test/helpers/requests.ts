import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { searchset as bundleOf } from '../fhir/fixture.js';
import { fileURLToPath } from 'node:url';

const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), '..', 'examples');

/** A copied CDS Hooks example (test/examples/*.json). */
export function example<T = Record<string, any>>(name: string): T {
  return JSON.parse(readFileSync(join(EXAMPLES, `${name}.json`), 'utf8')) as T;
}

export const PATIENT_VIEW_KEYS = ['patient', 'conditions', 'observations', 'procedures', 'imagingReports', 'imagingStudies', 'familyHistory'];
export const ORDER_KEYS = ['patient', 'conditions', 'observations', 'procedures', 'imagingReports', 'imagingStudies'];

/** Every prefetch key of a service as `null` ("no data"): the call needs no FHIR server. */
export function nullPrefetch(keys: string[]): Record<string, null> {
  return Object.fromEntries(keys.map((key) => [key, null]));
}

export const TACE_ORDER = {
  resourceType: 'ServiceRequest',
  id: 'tace-1',
  status: 'draft',
  intent: 'proposal',
  code: { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: '37243', display: 'Vascular embolization or occlusion (TACE)' }] },
  subject: { reference: 'Patient/p1' },
};

export function patientViewRequest(overrides: Record<string, unknown> = {}): Record<string, any> {
  return {
    hook: 'patient-view',
    hookInstance: 'a2b1f6f2-8d83-4c62-9d1c-8d0b0b1f0a01',
    context: { userId: 'Practitioner/example', patientId: 'p1' },
    prefetch: nullPrefetch(PATIENT_VIEW_KEYS),
    ...overrides,
  };
}

export function orderSelectRequest(overrides: Record<string, unknown> = {}): Record<string, any> {
  return {
    hook: 'order-select',
    hookInstance: 'b3c2e7e3-9e94-4d73-8e1d-9e1c1c2f1b02',
    context: {
      userId: 'Practitioner/example',
      patientId: 'p1',
      selections: ['ServiceRequest/tace-1'],
      draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: TACE_ORDER }] },
    },
    prefetch: nullPrefetch(ORDER_KEYS),
    ...overrides,
  };
}

export function orderSignRequest(overrides: Record<string, unknown> = {}): Record<string, any> {
  return {
    hook: 'order-sign',
    hookInstance: 'c4d3f8f4-af05-4e84-9f2e-af2d2d3f2c03',
    context: {
      userId: 'Practitioner/example',
      patientId: 'p1',
      draftOrders: { resourceType: 'Bundle', entry: [{ resource: TACE_ORDER }] },
    },
    prefetch: nullPrefetch(ORDER_KEYS),
    ...overrides,
  };
}

const searchset = (...resources: object[]): fhir4.Bundle => bundleOf(resources as fhir4.FhirResource[]);

export const afpObservation = (id: string, value: number, date: string) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  subject: { reference: 'Patient/p1' },
  code: { coding: [{ system: 'http://loinc.org', code: '1834-1' }] },
  effectiveDateTime: date,
  valueQuantity: { value, unit: 'ng/mL', system: 'http://unitsofmeasure.org', code: 'ng/mL' },
});

/** Cirrhosis, no liver imaging, an elevated AFP: SURV-OVERDUE and AFP-ELEVATED on patient-view. */
export function overduePatientView(observations: object[] = [afpObservation('afp-1', 35, '2026-05-20')], hookInstance = 'a2b1f6f2-8d83-4c62-9d1c-8d0b0b1f0a01') {
  return patientViewRequest({
    hookInstance,
    prefetch: {
      ...nullPrefetch(PATIENT_VIEW_KEYS),
      patient: { resourceType: 'Patient', id: 'p1', gender: 'male', birthDate: '1960-05-01' },
      conditions: searchset({ resourceType: 'Condition', id: 'cirr', subject: { reference: 'Patient/p1' }, code: { coding: [{ system: 'http://snomed.info/sct', code: '19943007' }] } }),
      observations: searchset(...observations),
    },
  });
}
