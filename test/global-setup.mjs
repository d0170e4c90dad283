// Tests that start the built service (dist/) must not test yesterday's build: a single-file jest run builds first when
// dist/ is older than src/ or dev/ (npm test has just built; then this is a quick look at file times).
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export default function buildIfNeeded() {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  execFileSync(process.execPath, [join(root, 'scripts', 'build-if-needed.mjs')], { cwd: root, stdio: 'inherit' });
}
