import type { HookContext } from '../types.js';

/** CDS Hooks 2.0 §Prefetch tokens: root-level primitive context fields that the hooks mark "Prefetch Token: Yes". */
export const CONTEXT_TOKENS = ['context.userId', 'context.patientId', 'context.encounterId'] as const;
/** CDS Hooks 2.0 user-identifier tokens, derived from context.userId. */
export const USER_TOKENS = ['userPractitionerId', 'userPractitionerRoleId', 'userPatientId', 'userRelatedPersonId'] as const;
const ALL_TOKENS: readonly string[] = [...CONTEXT_TOKENS, ...USER_TOKENS];

const TOKEN = /\{\{\s*([^{}]*?)\s*\}\}/g;
const USER_TOKEN_TYPE: Record<string, string> = {
  userPractitionerId: 'Practitioner',
  userPractitionerRoleId: 'PractitionerRole',
  userPatientId: 'Patient',
  userRelatedPersonId: 'RelatedPerson',
};

/** Search parameters the CDS Hooks 2.0 recommended prefetch subset allows us to publish. */
const ALLOWED_PARAMETERS = new Set([
  '_id', '_count', '_sort', 'patient', 'subject', 'encounter', 'code', 'category', 'status',
  'clinical-status', 'verification-status', 'date', 'onset-date', 'recorded-date', 'issued', 'started',
]);
const DATE_PARAMETERS = new Set(['date', 'onset-date', 'recorded-date', 'issued', 'started']);
const RESOURCE_TYPE = /^[A-Z][A-Za-z]+$/;
const WHOLE_USER_READ = /^\{\{\s*context\.userId\s*\}\}$/;

/**
 * `{{valueset:labs}}` in a template of hooks/*.json: the codes of a value set, as a FHIR token list
 * (`system|code,system|code`), filled in once at start-up from the loaded value sets. It is not a CDS Hooks token:
 * discovery shows the template with it filled in.
 */
const VALUE_SET_TOKEN = /\{\{\s*valueset:([A-Za-z0-9-]*)\s*\}\}/g;

export function expandValueSetTokens(template: string, queries: Readonly<Record<string, string>>): { template: string } | { problem: string } {
  const unknown: string[] = [];
  const expanded = template.replace(VALUE_SET_TOKEN, (_whole, name: string) => {
    const query = Object.hasOwn(queries, name) ? queries[name] : undefined;
    if (query === undefined || query === '') unknown.push(name);
    return query ?? '';
  });
  if (unknown.length > 0) return { problem: `{{valueset:${unknown[0]}}} names no value set with codes (known: ${Object.keys(queries).join(', ')})` };
  return { template: expanded };
}

/** Problems with one prefetch template, each naming what is wrong; empty when the template is valid CDS Hooks 2.0. */
export function templateProblems(template: string): string[] {
  // context.userId already carries its type (`Practitioner/abc`): the whole template is then a read (conformance C5).
  if (WHOLE_USER_READ.test(template)) return [];
  const problems: string[] = [];
  for (const match of template.matchAll(TOKEN)) {
    const token = match[1] ?? '';
    if (!ALL_TOKENS.includes(token)) problems.push(`token {{${token}}} is not a CDS Hooks 2.0 prefetch token`);
  }
  if (/\{\{|\}\}/.test(template.replace(TOKEN, ''))) problems.push('unbalanced {{ }}');
  if (/[A-Za-z]\/\{\{\s*context\.userId/.test(template)) problems.push('context.userId already carries its type');
  const [path = '', query] = template.split('?', 2);
  const segments = path.split('/');
  if (!RESOURCE_TYPE.test(segments[0] ?? '') || segments.length > 2) problems.push(`"${path}" is not a read or a type search`);
  if (segments.length === 2 && query !== undefined) problems.push('a read cannot have search parameters');
  for (const pair of (query ?? '').split('&').filter(Boolean)) {
    const [rawName = '', value = ''] = pair.split('=', 2);
    const [name = '', modifier] = rawName.split(':', 2);
    if (!ALLOWED_PARAMETERS.has(name)) problems.push(`search parameter "${name}" is outside the CDS Hooks prefetch subset`);
    if (modifier !== undefined && modifier !== 'in') problems.push(`modifier ":${modifier}" is not allowed`);
    if (DATE_PARAMETERS.has(name) && /^[a-z]{2}/.test(value) && !/^(eq|lt|gt|ge|le)/.test(value)) {
      problems.push(`date prefix in "${pair}" is not one of eq, lt, gt, ge, le`);
    }
  }
  return problems;
}

/** The value of each token for this request; a token is absent when the context cannot fill it. */
export function tokenValues(context: HookContext): Map<string, string> {
  const values = new Map<string, string>();
  for (const token of CONTEXT_TOKENS) {
    const value = context[token.slice('context.'.length)];
    if (typeof value === 'string' && value !== '') values.set(token, value);
  }
  const [userType, userId] = (typeof context.userId === 'string' ? context.userId : '').split('/', 2);
  for (const token of USER_TOKENS) {
    if (userId && USER_TOKEN_TYPE[token] === userType) values.set(token, userId);
  }
  return values;
}

/** Renders a template; undefined when a token has no value (the key is then "not provided", §1.C6). */
export function renderTemplate(template: string, values: Map<string, string>): string | undefined {
  let unresolved = false;
  const rendered = template.replace(TOKEN, (_whole, token: string) => {
    const value = values.get(token);
    if (value === undefined) {
      unresolved = true;
      return '';
    }
    // A typed id (`Practitioner/abc`) keeps its slash; each part is encoded on its own.
    return token === 'context.userId' ? value.split('/').map(encodeURIComponent).join('/') : encodeURIComponent(value);
  });
  return unresolved ? undefined : rendered;
}
