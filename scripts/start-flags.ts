import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/config.js';

/**
 * The Node flags `npm start` gives the service (`node <flags> dist/src/server.js`), as a list. The Dockerfile's CMD
 * carries the same (test/deploy keeps them equal); the benchmark and the soak start the service with them too.
 */
export function startFlags(): string[] {
  const start = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start ?? '';
  return (/^node\s+(.*?)\s*dist\/src\/server\.js$/.exec(start)?.[1] ?? '').split(/\s+/).filter(Boolean);
}
