/**
 * Go-live settings of the site policy (contract §7): rule modes and snooze after override.
 *
 *   "ruleModes": {
 *     "SURV-OVERDUE": "silent",                                   // every service, every client
 *     "AFP-ELEVATED": {
 *       "default": "silent",                                      // optional; absent = "active"
 *       "services": { "hcc-surveillance": "active" },             // per service id (hooks/*.json)
 *       "issuers":  { "https://ehr-pilot.example.org": "active" } // per client `iss` (CDS_CLIENTS_FILE)
 *     }
 *   },
 *   "snoozeDaysAfterOverride": { "SURV-OVERDUE": 30 }             // patient-view rules only, 0 to 180
 *
 * The most specific entry wins: the client's `iss`, then the service id, then `default`, then "active". A rule not
 * named is active. `off`: not evaluated at all; `silent`: evaluated and logged, never returned.
 */
type RuleId = string;

/** What the policy needs to know of the rules: the rule catalog (knowledge/rule-catalog.ts) answers both. */
export interface RuleNames {
  has(id: string): boolean;
  /** Where the id stands in the card order. */
  position(id: string): number;
  hooksOf(id: string): readonly string[];
}

export type RuleMode = 'active' | 'silent' | 'off';
export const RULE_MODES: readonly RuleMode[] = ['active', 'silent', 'off'];

/** The most days a snooze after override may last (contract §7). */
export const MAX_SNOOZE_DAYS = 180;

/** The top-level keys of the site policy file that this module reads. */
export const GOVERNANCE_POLICY_KEYS = ['ruleModes', 'snoozeDaysAfterOverride'] as const;

export interface RuleModeEntry {
  default: RuleMode;
  services: Readonly<Record<string, RuleMode>>;
  issuers: Readonly<Record<string, RuleMode>>;
}

export interface GovernancePolicy {
  ruleModes: Partial<Record<RuleId, RuleModeEntry>>;
  snoozeDaysAfterOverride: Partial<Record<RuleId, number>>;
}

/** What the validator may check names against; a list given makes an unknown name an error (a typo never matches). */
export interface KnownNames {
  /** The service's rules: every rule id named must be one of them. */
  rules: RuleNames;
  serviceIds?: readonly string[];
  issuers?: readonly string[];
}

export class GovernancePolicyError extends Error {}

const ENTRY_KEYS = new Set(['default', 'services', 'issuers']);
/** Rules no site may silence or switch off. */
const ALWAYS_ACTIVE: ReadonlySet<string> = new Set(['DQ-INCOMPLETE']);
const allActive = (value: unknown): boolean =>
  value === 'active' ||
  (isObject(value) &&
    (value.default === undefined || value.default === 'active') &&
    [value.services, value.issuers].every((map) => map === undefined || (isObject(map) && Object.values(map).every((mode) => mode === 'active'))));

const quoted = (text: string): string => JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}...` : text);

function modeError(field: string, value: unknown): string | undefined {
  return typeof value === 'string' && (RULE_MODES as readonly string[]).includes(value)
    ? undefined
    : `"${field}": unknown mode ${typeof value === 'string' ? quoted(value) : JSON.stringify(value) ?? String(value)} (use "active", "silent" or "off")`;
}

function ruleModeErrors(ruleId: string, value: unknown, known: KnownNames): string[] {
  const field = `ruleModes.${ruleId}`;
  if (typeof value === 'string') return [modeError(field, value)].filter((e): e is string => e !== undefined);
  if (!isObject(value)) return [`"${field}": must be a mode ("active", "silent", "off") or {"default", "services", "issuers"}`];
  const errors: string[] = [];
  for (const key of Object.keys(value)) if (!ENTRY_KEYS.has(key)) errors.push(`"${field}.${key}": unknown key (use "default", "services" or "issuers")`);
  if (value.default !== undefined) errors.push(...[modeError(`${field}.default`, value.default)].filter((e): e is string => e !== undefined));
  for (const [key, names, what] of [['services', known.serviceIds, 'service id'], ['issuers', known.issuers, 'client iss']] as const) {
    const map = value[key];
    if (map === undefined) continue;
    if (!isObject(map)) {
      errors.push(`"${field}.${key}": must be an object of ${what} to mode`);
      continue;
    }
    for (const [name, mode] of Object.entries(map)) {
      if (names && !names.includes(name)) errors.push(`"${field}.${key}.${name}": unknown ${what}`);
      const error = modeError(`${field}.${key}.${name}`, mode);
      if (error) errors.push(error);
    }
  }
  return errors;
}

function snoozeErrors(ruleId: string, value: unknown, rules: RuleNames): string[] {
  const field = `snoozeDaysAfterOverride.${ruleId}`;
  const errors: string[] = [];
  const hooks = rules.hooksOf(ruleId);
  if (!rules.has(ruleId)) errors.push(`"${field}": unknown rule id`);
  else if (!hooks.includes('patient-view')) errors.push(`"${field}": order-hook (TACE) safety cards are never snoozed`);
  else if (hooks.some((hook) => hook !== 'patient-view')) errors.push(`"${field}": only patient-view rules can be snoozed (${ruleId} also fires on order hooks)`);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_SNOOZE_DAYS) {
    errors.push(`"${field}": must be a whole number of days from 0 to ${MAX_SNOOZE_DAYS}, got ${JSON.stringify(value) ?? String(value)}`);
  }
  return errors;
}

/** Every problem of the go-live part of a site policy document, one line each naming the field (pure). */
export function governancePolicyErrors(document: unknown, known: KnownNames): string[] {
  if (!isObject(document)) return ['the site policy must be a JSON object'];
  const errors: string[] = [];
  const { ruleModes, snoozeDaysAfterOverride } = document;
  if (ruleModes !== undefined) {
    if (!isObject(ruleModes)) errors.push('"ruleModes": must be an object of rule id to mode');
    else {
      for (const [ruleId, value] of Object.entries(ruleModes)) {
        if (!known.rules.has(ruleId)) errors.push(`"ruleModes.${ruleId}": unknown rule id`);
        else if (ALWAYS_ACTIVE.has(ruleId) && !allActive(value)) errors.push(`"ruleModes.${ruleId}": always active (it is the card that says data were missing; silencing it would make incomplete data read as all clear)`);
        else errors.push(...ruleModeErrors(ruleId, value, known));
      }
    }
  }
  if (snoozeDaysAfterOverride !== undefined) {
    if (!isObject(snoozeDaysAfterOverride)) errors.push('"snoozeDaysAfterOverride": must be an object of patient-view rule id to days');
    else for (const [ruleId, value] of Object.entries(snoozeDaysAfterOverride)) errors.push(...snoozeErrors(ruleId, value, known.rules));
  }
  return errors;
}

/** The go-live policy of a parsed site policy document; throws GovernancePolicyError with every problem on one line. */
export function governancePolicyFrom(document: unknown, known: KnownNames): GovernancePolicy {
  const errors = governancePolicyErrors(document, known);
  if (errors.length > 0) throw new GovernancePolicyError(`site policy: ${errors.join('; ')}`);
  const doc = (document ?? {}) as { ruleModes?: Record<string, unknown>; snoozeDaysAfterOverride?: Record<string, number> };
  const ruleModes: GovernancePolicy['ruleModes'] = {};
  // In card order, so that the start-up lines read like the rule table.
  const named = Object.entries(doc.ruleModes ?? {}).sort(([a], [b]) => known.rules.position(a) - known.rules.position(b));
  for (const [ruleId, value] of named) {
    const entry: { default?: RuleMode; services?: Record<string, RuleMode>; issuers?: Record<string, RuleMode> } =
      typeof value === 'string' ? { default: value as RuleMode } : (value as object);
    ruleModes[ruleId as RuleId] = { default: entry.default ?? 'active', services: { ...(entry.services ?? {}) }, issuers: { ...(entry.issuers ?? {}) } };
  }
  const snoozeDaysAfterOverride: GovernancePolicy['snoozeDaysAfterOverride'] = {};
  for (const [ruleId, days] of Object.entries(doc.snoozeDaysAfterOverride ?? {})) if (days > 0) snoozeDaysAfterOverride[ruleId as RuleId] = days;
  return { ruleModes, snoozeDaysAfterOverride };
}

export const DEFAULT_GOVERNANCE_POLICY: GovernancePolicy = { ruleModes: {}, snoozeDaysAfterOverride: {} };

/** Answers the pipeline's questions about a policy; built once at start-up, each answer a few map lookups. */
export class RuleModes {
  constructor(readonly policy: GovernancePolicy = DEFAULT_GOVERNANCE_POLICY) {}

  /** The mode of a rule for one call: the client's `iss` first, then the service id, then the rule's default. */
  modeOf(ruleId: string, serviceId: string, iss?: string): RuleMode {
    const entry = this.policy.ruleModes[ruleId as RuleId];
    if (!entry) return 'active';
    return (iss !== undefined ? entry.issuers[iss] : undefined) ?? entry.services[serviceId] ?? entry.default;
  }

  /** Days a card of this rule stays snoozed for a patient after an override; 0 = never snoozed (every order-hook rule). */
  snoozeDaysOf(ruleId: string): number {
    // Only patient-view rules get here: the policy was validated against the rule catalog.
    return this.policy.snoozeDaysAfterOverride[ruleId] ?? 0;
  }

  /** One start-up log line per rule that is not plainly active, e.g. `SURV-OVERDUE: silent (services: a=active)`. */
  describeNotActive(): string[] {
    const lines: string[] = [];
    for (const [ruleId, entry] of Object.entries(this.policy.ruleModes)) {
      if (!entry) continue;
      const narrowed = [
        ...Object.entries(entry.services).map(([id, mode]) => `service ${id}: ${mode}`),
        ...Object.entries(entry.issuers).map(([iss, mode]) => `iss ${iss}: ${mode}`),
      ];
      if (entry.default === 'active' && narrowed.every((text) => text.endsWith(': active'))) continue;
      lines.push(`${ruleId}: ${entry.default}${narrowed.length > 0 ? ` (${narrowed.join(', ')})` : ''}`);
    }
    return lines;
  }
}
import { isObject } from '../common/json-object.js';
