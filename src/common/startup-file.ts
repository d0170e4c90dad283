/** The one way a start-up file is read: JSON, with a one-line StartupError naming the variable and the file. */
import { readFileSync } from 'node:fs';
import { StartupError } from './startup.js';

/** `variable` is what names the file (`SITE_POLICY_FILE`); messages read `SITE_POLICY_FILE /x.json: not valid JSON (...)`. */
export function readJsonFile(variable: string, path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new StartupError(`${variable} ${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new StartupError(`${variable} ${path}: not valid JSON (${(error as Error).message})`);
  }
}
