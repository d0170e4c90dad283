/**
 * The import boundaries of src/ (.dependency-cruiser.cjs, README "Layout"), checked with dependency-cruiser: the real
 * tree has no arrow against the direction, and each rule catches the arrow it forbids when one is added.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/config.js';
import { tempDir } from '../helpers/service.js';

const CLI = join(PACKAGE_ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const CONFIG = join(PACKAGE_ROOT, '.dependency-cruiser.cjs');

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

function cruise(cwd: string): Violation[] {
  const run = spawnSync(process.execPath, [CLI, 'src', '--config', CONFIG, '--output-type', 'json', '--no-progress'], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
  if (run.status === null || run.stdout.trim() === '') throw new Error(`dependency-cruiser did not run: ${run.stderr}`);
  return (JSON.parse(run.stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

/** A throwaway tree: `files` maps paths to the modules they import (NodeNext style, `.js` naming a `.ts` file). */
function tree(files: Record<string, string[]>): string {
  const root = tempDir('hcc-cds-boundaries-');
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'probe', type: 'module' }));
  writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true }, include: ['src/**/*.ts'] }));
  for (const [path, imports] of Object.entries(files)) {
    mkdirSync(join(root, dirname(path)), { recursive: true });
    const lines = imports.map((target, index) => `import * as m${index} from '${target}';\nexport const use${index} = m${index};`);
    writeFileSync(join(root, path), `${lines.join('\n')}\nexport const here = '${path}';\n`);
  }
  return root;
}

describe('import boundaries', () => {
  it('the real tree has no arrow against the direction', () => {
    const violations = cruise(PACKAGE_ROOT);
    expect(violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)).toEqual([]);
  }, 60_000);

  // One probe tree holding every arrow against the direction (one cruise): each rule must name its arrow.
  const ARROWS: [rule: string, from: string, specifier: string, target?: string][] = [
    ['no-dev-tools-in-runtime', 'src/compose.ts', '../dev/preview/routes.js', 'dev/preview/routes.ts'],
    ['common-is-the-floor', 'src/common/a.ts', '../record/record.js', 'src/record/record.ts'],
    ['record-only-on-common', 'src/record/record.ts', '../fhir/value-sets.js', 'src/fhir/value-sets.ts'],
    ['config-is-a-leaf', 'src/config.ts', './fhir/value-sets.js'],
    ['fhir-not-upwards', 'src/fhir/build-record.ts', '../cds-hooks/hook-call.js', 'src/cds-hooks/hook-call.ts'],
    ['fhir-not-upwards', 'src/fhir/resolver.ts', '../http/metrics.js', 'src/http/metrics.ts'],
    ['knowledge-not-upwards', 'src/knowledge/engine.ts', '../cds-hooks/hook-call.js'],
    ['knowledge-not-upwards', 'src/knowledge/rules/context.ts', '../../fhir/value-sets.js'],
    ['knowledge-does-no-io', 'src/knowledge/site-policy.ts', 'node:fs'],
    ['cds-hooks-not-upwards', 'src/cds-hooks/hook-call.ts', '../http/operation-outcome.js', 'src/http/operation-outcome.ts'],
    ['auth-only-on-common', 'src/auth/clients-file.ts', '../cds-hooks/schemas.js', 'src/cds-hooks/schemas.ts'],
    ['http-through-cds-hooks', 'src/http/app.ts', '../knowledge/engine.js', 'src/knowledge/engine.ts'],
    ['no-circular', 'src/fhir/cycle-a.ts', './cycle-b.js', 'src/fhir/cycle-b.ts'],
  ];
  let probe: Violation[];
  beforeAll(() => {
    const files: Record<string, string[]> = { 'src/fhir/cycle-b.ts': ['./cycle-a.js'] };
    for (const [, from, specifier, target] of ARROWS) {
      (files[from] ??= []).push(specifier);
      if (target) files[target] ??= [];
    }
    probe = cruise(tree(files));
  }, 60_000);

  it.each(ARROWS)('%s: fails when %s imports %s', (rule, from) => {
    expect(probe).toEqual(expect.arrayContaining([expect.objectContaining({ from, rule: expect.objectContaining({ name: rule }) })]));
  });
});
