/**
 * The patient pseudonym of the issued-card log and the snoozes (contract §7): HMAC-SHA256 under
 * PATIENT_PSEUDONYM_KEY, hex. Never reversible without the key; the raw patient id is never stored.
 *
 * Scoped by the client: a patient id is unique only within one EHR (one `iss`, one `tenant`), so "Patient/123" of
 * two tenants must not be the same person, or one tenant's override would snooze the other tenant's card.
 */
import { createHmac } from 'node:crypto';
import type { AppConfig } from '../config.js';

export interface PseudonymScope {
  /** The authenticated client's `iss`; absent when authentication is off. */
  iss?: string;
  /** The authenticated client's `tenant` claim, when it sends one. */
  tenant?: string;
}

export type PatientPseudonymizer = (patientId: string, scope?: PseudonymScope) => string;

/** Below this many characters a key can be guessed: the start-up log says so (it is not refused: sites choose). */
export const MIN_PSEUDONYM_KEY_LENGTH = 32;

/** A pseudonymizer bound to one key (built once at start-up; each call is one HMAC, ~2 µs). */
export function patientPseudonymizer(key: string): PatientPseudonymizer {
  if (key === '') throw new TypeError('the patient pseudonym key is empty');
  return (patientId, scope = {}) =>
    // JSON of a fixed-length array: no two different (version, iss, tenant, id) give the same message.
    createHmac('sha256', key)
      .update(JSON.stringify(['hcc-cds/patient/1', scope.iss ?? null, scope.tenant ?? null, patientId]))
      .digest('hex');
}

/** The start-up log lines about the key (warnings), none when it is fine. Never the key itself. */
export function pseudonymKeyWarnings(config: Pick<AppConfig, 'patientPseudonymKey' | 'patientPseudonymKeySource'>): string[] {
  if (config.patientPseudonymKeySource === 'development-default') {
    return ['PATIENT_PSEUDONYM_KEY is not set: patient pseudonyms use the public development key and are NOT private (required under NODE_ENV=production)'];
  }
  if (config.patientPseudonymKey.length < MIN_PSEUDONYM_KEY_LENGTH) {
    return [`PATIENT_PSEUDONYM_KEY is shorter than ${MIN_PSEUDONYM_KEY_LENGTH} characters: patient pseudonyms may be reversed by guessing the key`];
  }
  return [];
}
