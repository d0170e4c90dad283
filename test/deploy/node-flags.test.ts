import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { PACKAGE_ROOT } from '../../src/config.js';

/** The service's Node flags are set in two places (npm start, the image's CMD); they must not drift apart. */
const startScript = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
const cmdLine = readFileSync(join(PACKAGE_ROOT, 'Dockerfile'), 'utf8')
  .split('\n')
  .filter((line) => line.startsWith('CMD '))
  .pop()!;

describe('Node flags of the service', () => {
  it('are the same for npm start and the Dockerfile CMD', () => {
    expect(JSON.parse(cmdLine.slice(4))).toEqual(startScript.split(/\s+/));
  });

  it('are accepted by this Node (a typo would stop the container at start)', () => {
    const flags = startScript.split(/\s+/).filter((word) => word.startsWith('--'));
    expect(flags.length).toBeGreaterThan(0);
    const run = spawnSync(process.execPath, [...flags, '-e', 'process.stdout.write("ok")'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('ok');
  });
});
