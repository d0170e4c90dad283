/**
 * Positive attribution: a clinical resource is this patient's only when its `subject` (or `patient`) references
 * `Patient/<patientId>`: relative, absolute under the request's FHIR base, or either of those with `/_history/<v>`.
 * Anything else (no subject, another patient, a `urn:uuid:`, an identifier or a name only, another server, a trailing
 * slash, `patient/` in lower case) is not taken as this patient's: a foreign result must neither raise a card nor
 * mask the patient's own result.
 */

const VERSIONED_PATIENT = /^Patient\/([^/]+)(?:\/_history\/[^/]+)?$/;
const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/** The request's FHIR base without trailing slashes, or undefined when the request named none. */
function baseOf(fhirServer: string | undefined): string | undefined {
  const base = fhirServer?.replace(/\/+$/, '');
  return base === undefined || base === '' ? undefined : base;
}

/**
 * Why `resource` is not attributable to Patient/`patientId`, in words safe for a card (never the other patient's
 * id), or undefined when it is this patient's.
 */
export function notThisPatient(resource: fhir4.FhirResource, patientId: string, fhirServer?: string): string | undefined {
  const holder = resource as { subject?: unknown; patient?: unknown };
  const subject = holder.subject !== undefined ? holder.subject : holder.patient;
  if (subject === undefined || subject === null) return 'names no patient';
  if (typeof subject !== 'object' || Array.isArray(subject)) return 'has a subject that cannot be read';
  const { reference, identifier, display } = subject as { reference?: unknown; identifier?: unknown; display?: unknown };
  if (typeof reference !== 'string' || reference === '') {
    if (identifier !== undefined) return 'names its patient only by an identifier';
    if (display !== undefined) return 'names its patient only by a name';
    return 'names no patient';
  }
  let local = reference;
  if (ABSOLUTE_URI.test(reference)) {
    const base = baseOf(fhirServer);
    if (reference.startsWith('urn:')) return 'names its patient by a temporary reference (urn:)';
    if (base === undefined || !reference.startsWith(`${base}/`)) return 'names a patient on another FHIR server';
    local = reference.slice(base.length + 1);
  }
  const match = VERSIONED_PATIENT.exec(local);
  if (!match) return `does not reference a patient as Patient/${patientId}`;
  return match[1] === patientId ? undefined : 'names another patient';
}
