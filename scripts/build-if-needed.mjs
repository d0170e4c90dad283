// `npm start` builds first when dist/ is missing or older than any source file (the service and the dev tools).
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const entry = 'dist/src/server.js';

function newestMtime(dir) {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    newest = Math.max(newest, stat.isDirectory() ? newestMtime(path) : stat.mtimeMs);
  }
  return newest;
}

const stale = !existsSync(entry) || Math.max(newestMtime('src'), newestMtime('dev')) > statSync(entry).mtimeMs;
if (stale) {
  console.error('hcc-cds: building (dist/ is missing or older than src/ or dev/)');
  execSync('npx tsc -p tsconfig.build.json', { stdio: 'inherit' });
}
