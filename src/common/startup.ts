/**
 * The one start-up error. Every problem found before the service listens (an environment variable, the clients
 * file, the site policy, the value sets, a service definition, the feedback database, the port) is a StartupError
 * whose message is one line naming the variable or file and the field; server.ts prints it and exits 1, no stack.
 */
import type { ErrorObject } from 'ajv';
import { describeErrors } from './json-schema.js';

export class StartupError extends Error {
  constructor(message: string) {
    // One line, whatever the parts (a JSON parser's message, a path) hold.
    super(message.replace(/\s*[\r\n]+\s*/g, ' '));
  }
}

/** The schema problems of a start-up document as `field problem` phrases (at most `max`, each once). */
export interface ProblemOptions {
  /** What a property of the document is called in "unknown field" messages (e.g. "setting"). */
  noun?: string;
  max?: number;
  /** Clearer words for a schema keyword, e.g. oneOf: `needs exactly one of "jwks" or "jku"`. */
  messages?: Readonly<Record<string, string>>;
}

export function schemaProblems(errors: ErrorObject[] | null | undefined, options: ProblemOptions = {}): string[] {
  const lines = describeErrors(errors, '', options.noun).map((error) => `${error.path || '(root)'} ${options.messages?.[error.keyword] ?? error.message}`);
  return [...new Set(lines)].slice(0, options.max ?? 5);
}

/**
 * Checks a parsed start-up document against its compiled schema; throws a StartupError `<where>: <problems>`, where
 * `where` names the variable and the file (`SITE_POLICY_FILE /etc/hcc/policy.json`).
 */
export function checkStartupDocument(where: string, document: unknown, validate: { (data: unknown): boolean; errors?: ErrorObject[] | null }, options: ProblemOptions = {}): void {
  if (!validate(document)) throw new StartupError(`${where}: ${schemaProblems(validate.errors, options).join('; ')}`);
}
