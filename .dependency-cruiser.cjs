/**
 * Import boundaries of src/ (README "Layout"): arrows point one way,
 *
 *   server, compose ─▶ http ─▶ cds-hooks ─▶ { fhir, knowledge } ─▶ { record, common }
 *                      http ─▶ auth ───────────────────────────────▶ common
 *
 * config.ts is a leaf every layer may read. Each rule below forbids one arrow against that direction; `npm test`
 * runs them (test/architecture/boundaries.test.ts) and fails on any violation.
 */
const layer = (name) => `^src/${name}/`;
const ROOT = '^src/(server|compose)\\.ts$';
const CONFIG = '^src/config\\.ts$';
const IO_CORE = '^(node:)?(fs|fs/promises|http|https|http2|net|dns|child_process|worker_threads)$';
const IO_PACKAGES = '(^|/)node_modules/(express|fhir-kit-client|better-sqlite3|pg|pino|prom-client)/';

const forbid = (name, comment, from, to) => ({ name, comment, severity: 'error', from, to });

module.exports = {
  forbidden: [
    forbid('no-dev-tools-in-runtime', 'The service never imports development tools, tests, benchmarks or scripts: they are not in the runtime build.',
      { path: '^src/' }, { path: '^(dev|test|bench|scripts)/' }),
    forbid('common-is-the-floor', 'src/common imports nothing else of src/.',
      { path: layer('common') }, { path: '^src/', pathNot: layer('common') }),
    forbid('record-only-on-common', 'The record types import only src/common.',
      { path: layer('record') }, { path: '^src/', pathNot: `${layer('record')}|${layer('common')}` }),
    forbid('config-is-a-leaf', 'config.ts is read by every layer, so it imports only src/common.',
      { path: CONFIG }, { path: '^src/', pathNot: `${CONFIG}|${layer('common')}` }),
    forbid('fhir-not-upwards', 'The FHIR layer (record building, value sets, units, transport) knows nothing of the protocol, the rules, HTTP or auth.',
      { path: layer('fhir') }, { path: `${layer('cds-hooks')}|${layer('knowledge')}|${layer('http')}|${layer('auth')}|${ROOT}` }),
    forbid('knowledge-not-upwards', 'The rules see only the record and the common vocabulary: not FHIR, not the protocol, not HTTP.',
      { path: layer('knowledge') }, { path: `${layer('fhir')}|${layer('cds-hooks')}|${layer('http')}|${layer('auth')}|${ROOT}` }),
    forbid('knowledge-does-no-io', 'The rules are pure functions: no file system, network, database, web framework or logger.',
      { path: layer('knowledge') }, { path: `${IO_CORE}|${IO_PACKAGES}` }),
    forbid('cds-hooks-not-upwards', 'The protocol layer throws typed outcomes; it never imports the HTTP edge, auth or the composition root.',
      { path: layer('cds-hooks') }, { path: `${layer('http')}|${layer('auth')}|${ROOT}` }),
    forbid('auth-only-on-common', 'Client authentication depends only on common and config (http depends on it, not the reverse).',
      { path: layer('auth') }, { path: `${layer('http')}|${layer('cds-hooks')}|${layer('fhir')}|${layer('knowledge')}|${layer('record')}|${ROOT}` }),
    forbid('http-through-cds-hooks', 'The HTTP edge reaches FHIR and the rules only through the CDS Hooks use cases.',
      { path: layer('http') }, { path: `${layer('fhir')}|${layer('knowledge')}|${ROOT}` }),
    forbid('postgres-without-sqlite', 'A DATABASE_URL deployment never loads the native better-sqlite3 addon: the PostgreSQL store shares only backend-neutral modules with the SQLite one.',
      { path: '^src/store/postgres-' }, { path: '^src/store/sqlite-store\\.ts$|(^|/)node_modules/better-sqlite3/' }),
    forbid('no-circular', 'No import cycles inside src/.',
      { path: '^src/' }, { circular: true }),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
