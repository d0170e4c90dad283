/**
 * Realistic CDS Hooks 2.0 requests (written for these tests, shaped like the Sandbox's and Epic's): an HCC patient
 * with cirrhosis, recent labs, a prior TACE and imaging, on each of our three services. Dates are relative to the
 * day the test runs. These only rely on the HTTP contract, not on the data layer's or the rules' internals.
 */
import { randomUUID } from 'node:crypto';

const DAY_MS = 86_400_000;
const day = (offsetDays: number): string => new Date(Date.now() + offsetDays * DAY_MS).toISOString().slice(0, 10);
const instant = (offsetDays: number): string => new Date(Date.now() + offsetDays * DAY_MS).toISOString();

export const PATIENT_ID = 'hcc-fuzz-1';

function lab(id: string, loinc: string, display: string, value: number, unit: string, offsetDays: number): fhir4.Observation {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
    code: { coding: [{ system: 'http://loinc.org', code: loinc, display }] },
    subject: { reference: `Patient/${PATIENT_ID}` },
    effectiveDateTime: instant(offsetDays),
    valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
  };
}

function searchset(resources: fhir4.FhirResource[]): fhir4.Bundle {
  return { resourceType: 'Bundle', type: 'searchset', total: resources.length, entry: resources.map((resource) => ({ fullUrl: `urn:uuid:${randomUUID()}`, resource, search: { mode: 'match' } })) };
}

export function prefetch(): Record<string, fhir4.FhirResource | null> {
  const patient: fhir4.Patient = { resourceType: 'Patient', id: PATIENT_ID, gender: 'male', birthDate: day(-64 * 365), name: [{ family: 'Liver', given: ['Test'] }] };
  const conditions = searchset([
    {
      resourceType: 'Condition',
      id: 'c-hcc',
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
      verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
      code: { coding: [{ system: 'http://snomed.info/sct', code: '109841003', display: 'Liver cell carcinoma' }, { system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'C22.0' }] },
      subject: { reference: `Patient/${PATIENT_ID}` },
      onsetDateTime: day(-200),
    },
    {
      resourceType: 'Condition',
      id: 'c-cirrhosis',
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
      code: { coding: [{ system: 'http://snomed.info/sct', code: '19943007', display: 'Cirrhosis of liver' }] },
      subject: { reference: `Patient/${PATIENT_ID}` },
    },
  ]);
  const observations = searchset([
    lab('o-bili', '1975-2', 'Bilirubin.total', 1.4, 'mg/dL', -5),
    lab('o-alb', '1751-7', 'Albumin', 3.3, 'g/dL', -5),
    lab('o-inr', '6301-6', 'INR', 1.2, '{INR}', -5),
    lab('o-plt', '777-3', 'Platelets', 92, '10*9/L', -5),
    lab('o-wbc', '6690-2', 'Leukocytes', 4.1, '10*9/L', -5),
    lab('o-cr', '2160-0', 'Creatinine', 1.0, 'mg/dL', -5),
    lab('o-afp', '1834-1', 'AFP', 240, 'ng/mL', -20),
  ]);
  const procedures = searchset([
    { resourceType: 'Procedure', id: 'p-tace', status: 'completed', code: { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: '37243' }] }, subject: { reference: `Patient/${PATIENT_ID}` }, performedDateTime: instant(-70) },
  ]);
  const imagingReports = searchset([
    { resourceType: 'DiagnosticReport', id: 'dr-ct', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '79103-8', display: 'CT abdomen' }] }, subject: { reference: `Patient/${PATIENT_ID}` }, effectiveDateTime: instant(-75), conclusion: 'LI-RADS 5 lesion segment VII, 3.1 cm.' },
  ]);
  const imagingStudies: fhir4.Bundle = { resourceType: 'Bundle', type: 'searchset', total: 0 };
  const familyHistory = searchset([]);
  return { patient, conditions, observations, procedures, imagingReports, imagingStudies, familyHistory };
}

function taceOrder(id: string): fhir4.ServiceRequest {
  return {
    resourceType: 'ServiceRequest',
    id,
    status: 'draft',
    intent: 'order',
    code: { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: '37243', display: 'Transcatheter arterial chemoembolization' }], text: 'TACE' },
    subject: { reference: `Patient/${PATIENT_ID}` },
  };
}

function base(hook: string): Record<string, unknown> {
  return { hookInstance: randomUUID(), hook, fhirServer: 'https://ehr.example.org/fhir', fhirAuthorization: { access_token: 'opaque-token-abc', token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: 'cds-service' } };
}

export type ServiceId = 'hcc-patient-view' | 'hcc-tace-order-select' | 'hcc-tace-order-sign';

/** A valid request for each service, with full prefetch. */
export function validRequest(service: ServiceId): Record<string, unknown> {
  const pf = prefetch();
  if (service === 'hcc-patient-view') {
    return { ...base('patient-view'), context: { userId: 'Practitioner/example', patientId: PATIENT_ID, encounterId: 'enc-1' }, prefetch: pf };
  }
  const medicationOrder: fhir4.MedicationRequest = { resourceType: 'MedicationRequest', id: 'mr-1', status: 'draft', intent: 'order', subject: { reference: `Patient/${PATIENT_ID}` }, medicationCodeableConcept: { text: 'entecavir 0.5 mg' } };
  const draftOrders: fhir4.Bundle = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: taceOrder('sr-tace') }, { resource: medicationOrder }] };
  const { familyHistory: _unused, ...orderPrefetch } = pf;
  if (service === 'hcc-tace-order-select') {
    return { ...base('order-select'), context: { userId: 'Practitioner/example', patientId: PATIENT_ID, selections: ['ServiceRequest/sr-tace'], draftOrders }, prefetch: orderPrefetch };
  }
  return { ...base('order-sign'), context: { userId: 'PractitionerRole/example', patientId: PATIENT_ID, draftOrders }, prefetch: orderPrefetch };
}

export const SERVICE_IDS: readonly ServiceId[] = ['hcc-patient-view', 'hcc-tace-order-select', 'hcc-tace-order-sign'];

/** A valid feedback batch (CDS Hooks 2.0 §Feedback): accepted and overridden, with and without a reason. */
export function validFeedback(): { feedback: Record<string, unknown>[] } {
  return {
    feedback: [
      { card: randomUUID(), outcome: 'accepted', acceptedSuggestions: [{ id: randomUUID() }], outcomeTimestamp: new Date().toISOString() },
      { card: randomUUID(), outcome: 'overridden', overrideReason: { reason: { system: 'urn:hcc-cds:override-reason', code: 'benefit-outweighs-risk' }, userComment: 'discussed at tumour board' }, outcomeTimestamp: new Date().toISOString() },
      { card: randomUUID(), outcome: 'overridden', outcomeTimestamp: new Date().toISOString() },
    ],
  };
}
