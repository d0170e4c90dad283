/**
 * The fingerprint of the facts a finding used: "the same card about the same data" has the same fingerprint, so a
 * snooze after an override lasts only while nothing the rule looked at has changed (contract §7).
 *
 * In: rule id, indicator, each fact's label, value, date and resource (sorted: fact order is presentation), and the
 * lines saying what was missing, with their "N days old" counts taken out. Out: anything that moves with the clock
 * or the wording: the card's uuid, summary, notes, thresholds, assumptions, ages in days, today's date. A new AFP
 * value, a new imaging date, a result that arrives or goes stale, or a gap in the data all change it; a change that
 * only un-snoozes a card errs on the side of showing it.
 */
import { createHash } from 'node:crypto';
import type { Finding } from '../knowledge/types.js';

/** Hex characters kept (96 bits): collisions stay out of reach for one patient's cards of one rule. */
export const FINGERPRINT_LENGTH = 24;

// "is 200 days old" / "(200 days ago)" / "200 days since" grow by one every day for the same data.
const AGE_IN_DAYS = /\b\d+ days? (old|ago|since)\b/g;

export function findingFingerprint(finding: Pick<Finding, 'ruleId' | 'indicator' | 'facts' | 'missing'>): string {
  const facts = finding.facts.map((fact) => JSON.stringify([fact.label, fact.value, fact.date ?? null, fact.resource ?? null])).sort();
  const missing = finding.missing.map((line) => line.replace(AGE_IN_DAYS, 'N days $1')).sort();
  const canonical = JSON.stringify(['hcc-cds/fingerprint/1', finding.ruleId, finding.indicator, facts, missing]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, FINGERPRINT_LENGTH);
}
