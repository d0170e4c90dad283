import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { PACKAGE_ROOT } from '../../src/config.js';
import { startFlags } from '../../scripts/start-flags.js';

/** The service's Node flags are set in two places (npm start, the image's CMD); they must not drift apart. */
const cmdLine = readFileSync(join(PACKAGE_ROOT, 'Dockerfile'), 'utf8')
  .split('\n')
  .filter((line) => line.startsWith('CMD '))
  .pop()!;

describe('Node flags of the service', () => {
  it('are the same for npm start (as the bench and the soak read them) and the Dockerfile CMD', () => {
    const flags = startFlags();
    expect(flags.length).toBeGreaterThan(0);
    expect(JSON.parse(cmdLine.slice(4))).toEqual(['node', ...flags, 'dist/src/server.js']);
  });

  it('are accepted by this Node (a typo would stop the container at start)', () => {
    const run = spawnSync(process.execPath, [...startFlags(), '-e', 'process.stdout.write("ok")'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('ok');
  });
});
