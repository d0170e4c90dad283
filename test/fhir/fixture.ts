import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveRelativeDates } from '../../dev/fixtures/relative-dates.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Which prefetch key holds which resource type (hooks/*.json). */
export const KEY_OF_TYPE: Record<string, string> = {
  Patient: 'patient',
  Condition: 'conditions',
  Observation: 'observations',
  Procedure: 'procedures',
  DiagnosticReport: 'imagingReports',
  ImagingStudy: 'imagingStudies',
  FamilyMemberHistory: 'familyHistory',
};

export function loadFixture(name: string, today: string): fhir4.FhirResource[] {
  const bundle = resolveRelativeDates(JSON.parse(readFileSync(join(here, 'fixtures', name), 'utf8')) as fhir4.Bundle<fhir4.FhirResource>, today);
  return (bundle.entry ?? []).flatMap((entry) => (entry.resource ? [entry.resource as fhir4.FhirResource] : []));
}

export const searchset = (resources: fhir4.FhirResource[], next?: string): fhir4.Bundle => ({
  resourceType: 'Bundle',
  type: 'searchset',
  total: resources.length,
  ...(next ? { link: [{ relation: 'next', url: next }] } : {}),
  entry: resources.map((resource) => ({ fullUrl: `http://fhir.test/${resource.resourceType}/${resource.id}`, resource, search: { mode: 'match' } })),
});

/** The fixture as a full prefetch object for a service's keys (read keys hold the resource itself). */
export function prefetchOf(resources: fhir4.FhirResource[], keys: string[]): Record<string, unknown> {
  const prefetch: Record<string, unknown> = {};
  for (const key of keys) {
    const matching = resources.filter((r) => KEY_OF_TYPE[r.resourceType] === key);
    prefetch[key] = key === 'patient' ? (matching[0] ?? null) : searchset(matching);
  }
  return prefetch;
}
