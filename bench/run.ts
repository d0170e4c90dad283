/**
 * `npm run bench`: hook calls with full prefetch and on the FHIR-server road, against the Express floor of the
 * same app stack, at concurrency 1 and 10, on loopback only. Prints a table and writes BENCHMARKS.md.
 * Options: --duration <seconds per run> (default 5), --delay <stub FHIR delay ms> (default 20), --out <file>.
 * Not a test: nothing here can fail `npm test`.
 */
import autocannon from 'autocannon';
import { fork, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { calendarDate } from '../src/calendar.js';
import { compileValidators } from '../src/cds-hooks/schemas.js';
import { loadServiceRegistry } from '../src/cds-hooks/service-registry.js';
import { PACKAGE_ROOT } from '../src/config.js';
import { startFhirServer } from '../src/dev/fhir-server.js';
import { loadFixtures } from '../src/dev/fixture-loader.js';
import { FIXTURES_DIR, fixtureHookRequest, loadFixture, loadManifest } from '../src/fixtures/fixtures.js';
import { startCountingProxy, startDelayStub, type Listening } from './fhir-counter.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const DURATION = Number(args.get('duration') ?? 5);
const DELAY = Number(args.get('delay') ?? 20);
const OUT = args.get('out') ?? join(PACKAGE_ROOT, 'BENCHMARKS.md');
const CONCURRENCY = [1, 10];

interface Row {
  scenario: string;
  concurrency: number;
  p50: number;
  p99: number;
  rps: number;
  cpuMsPerCall: number;
  calls: number;
  non2xx: number;
  fhirPerCall?: number;
  maxInFlight?: number;
}

function usage(child: ChildProcess): Promise<{ cpuMicros: number; rssBytes: number }> {
  return new Promise((resolve) => {
    const onMessage = (message: { type?: string; cpuMicros: number; rssBytes: number }): void => {
      if (message.type !== 'usage') return;
      child.off('message', onMessage);
      resolve(message);
    };
    child.on('message', onMessage);
    child.send({ type: 'usage' });
  });
}

async function measure(child: ChildProcess, base: string, scenario: string, path: string, body: unknown, connections: number, fhir?: Listening): Promise<Row> {
  const payload = JSON.stringify(body);
  // Warm-up: JIT, keep-alive connections, first-sight unit conversions.
  await autocannon({ url: `${base}${path}`, method: 'POST', headers: { 'content-type': 'application/json' }, body: payload, connections, duration: 1 });
  fhir?.traffic.reset();
  const before = await usage(child);
  const result = await autocannon({ url: `${base}${path}`, method: 'POST', headers: { 'content-type': 'application/json' }, body: payload, connections, duration: DURATION });
  const after = await usage(child);
  const calls = result.requests.total;
  return {
    scenario,
    concurrency: connections,
    p50: result.latency.p50,
    p99: result.latency.p99,
    rps: Math.round(result.requests.average),
    cpuMsPerCall: (after.cpuMicros - before.cpuMicros) / 1000 / Math.max(calls, 1),
    calls,
    non2xx: result.non2xx + result.errors,
    ...(fhir ? { fhirPerCall: fhir.traffic.requests / Math.max(calls, 1), maxInFlight: fhir.traffic.maxInFlight } : {}),
  };
}

const fmt = (n: number | undefined, digits = 2): string => (n === undefined ? '-' : n.toFixed(digits));

async function main(): Promise<void> {
  const today = calendarDate(new Date(), 'UTC');
  const manifest = loadManifest();
  const registry = loadServiceRegistry(join(PACKAGE_ROOT, 'hooks'), compileValidators());
  const select = registry.services.find((s) => s.hook === 'order-select')!;
  const view = registry.services.find((s) => s.hook === 'patient-view')!;
  const taceEntry = manifest.fixtures.find((f) => f.name === 'tace-realistic')!;
  const survEntry = manifest.fixtures.find((f) => f.name === 'surv-overdue')!;
  const taceBundle = loadFixture('tace-realistic', today);
  const selectBody = fixtureHookRequest(taceEntry, 'order-select', select.prefetch, taceBundle);
  const viewBody = fixtureHookRequest(survEntry, 'patient-view', view.prefetch, loadFixture('surv-overdue', today));
  const counts = (taceBundle.entry ?? []).reduce<Record<string, number>>((acc, e) => ({ ...acc, [e.resource!.resourceType]: (acc[e.resource!.resourceType] ?? 0) + 1 }), {});

  const medplum = await startFhirServer({});
  const report = await loadFixtures({ fhirBaseUrl: medplum.baseUrl, fixturesDir: FIXTURES_DIR, today });
  if (!report.ok) throw new Error(`fixtures rejected by the local FHIR server: ${report.rejected.length}`);
  const proxy = await startCountingProxy(medplum.baseUrl);
  const stub = await startDelayStub(taceBundle, DELAY);

  const child = fork(join(PACKAGE_ROOT, 'dist', 'bench', 'server.js'), [], { execArgv: process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : [], env: { ...process.env, NODE_ENV: 'development', PREVIEW_ENABLED: 'false', FEEDBACK_DB: ':memory:', LOG_LEVEL: 'info' }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve) => child.on('message', (m: { type?: string; port?: number }) => m.type === 'listening' && resolve(m.port!)));
  const base = `http://127.0.0.1:${port}`;
  const startRss = (await usage(child)).rssBytes;

  const rows: Row[] = [];
  const road = (fhirBase: string): object => ({ ...fixtureHookRequest(taceEntry, 'order-select', select.prefetch), fhirServer: fhirBase });
  const scenarios: [string, string, unknown, Listening?][] = [
    ['Express floor (same stack, same body)', '/bench/floor', selectBody],
    ['order-select, full prefetch (tace-realistic)', '/cds-services/hcc-tace-order-select', selectBody],
    ['patient-view, full prefetch (surv-overdue)', '/cds-services/hcc-patient-view', viewBody],
    ['order-select, FHIR road, local FHIR server (Medplum)', '/cds-services/hcc-tace-order-select', road(proxy.baseUrl), proxy],
    [`order-select, FHIR road, stub with ${DELAY} ms delay`, '/cds-services/hcc-tace-order-select', road(stub.baseUrl), stub],
  ];
  for (const [name, path, body, fhir] of scenarios) {
    for (const connections of CONCURRENCY) {
      const row = await measure(child, base, name, path, body, connections, fhir);
      rows.push(row);
      process.stdout.write(`${name} c=${connections}: p50 ${row.p50} ms, p99 ${row.p99} ms, ${row.rps}/s, CPU ${fmt(row.cpuMsPerCall, 3)} ms/call${row.non2xx ? `, ${row.non2xx} non-2xx!` : ''}\n`);
    }
  }
  const endRss = (await usage(child)).rssBytes;
  child.send({ type: 'stop' });
  await Promise.all([proxy.close(), stub.close(), medplum.close()]);

  const at = (scenario: number, c: number): Row => rows.find((r) => r.scenario === scenarios[scenario]![0] && r.concurrency === c)!;
  const floor10 = at(0, 10);
  const select10 = at(1, 10);
  const view10 = at(2, 10);
  const stub1 = at(4, 1);
  const medplum1 = at(3, 1);
  const beyond = (r: Row): number => r.cpuMsPerCall - floor10.cpuMsPerCall;
  const ok = (pass: boolean): string => (pass ? 'met' : '**missed**');
  const parallel = (r: Row): boolean => (r.fhirPerCall ?? 0) > 0 && r.maxInFlight === Math.round(r.fhirPerCall ?? 0);
  const budget = [
    `| CPU per call beyond the Express floor, full prefetch, c=10 | <= 0.5 ms | order-select ${fmt(beyond(select10), 3)} ms, patient-view ${fmt(beyond(view10), 3)} ms | ${ok(beyond(select10) <= 0.5 && beyond(view10) <= 0.5)} |`,
    `| p99 latency, full prefetch, c=10 | <= 5 ms | order-select ${select10.p99} ms, patient-view ${view10.p99} ms | ${ok(select10.p99 <= 5 && view10.p99 <= 5)} |`,
    `| FHIR road: all queries of a call in flight together (c=1) | max in flight = requests per call | stub ${stub1.maxInFlight} of ${fmt(stub1.fhirPerCall, 1)}, Medplum ${medplum1.maxInFlight} of ${fmt(medplum1.fhirPerCall, 1)} | ${ok(parallel(stub1) && parallel(medplum1))} |`,
    `| FHIR road latency vs a ${DELAY} ms stub, c=1 | <= ${DELAY + 5} ms | p50 ${stub1.p50} ms, p99 ${stub1.p99} ms | ${ok(stub1.non2xx === 0 && stub1.p99 <= DELAY + 5)} |`,
    `| RSS after the run | <= 150 MB | ${(endRss / 1048576).toFixed(0)} MB (at start ${(startRss / 1048576).toFixed(0)} MB) | ${ok(endRss <= 150 * 1048576)} |`,
  ];
  const table = [
    '| Scenario | Conc. | p50 ms | p99 ms | calls/s | CPU ms/call | FHIR req/call | max FHIR in flight | non-2xx |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.scenario} | ${r.concurrency} | ${r.p50} | ${r.p99} | ${r.rps} | ${fmt(r.cpuMsPerCall, 3)} | ${fmt(r.fhirPerCall, 1)} | ${r.maxInFlight ?? '-'} | ${r.non2xx} |`),
  ];
  const cpu = cpus();
  const doc = [
    '# Benchmarks',
    '',
    `Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}, loopback only, ${DURATION} s per run after a 1 s warm-up, autocannon as the client in the same machine (it competes for the 2 cores).`,
    '',
    '## Budget',
    '',
    '| What | Budget | Measured | |',
    '|---|---|---|---|',
    ...budget,
    '',
    '## Results',
    '',
    ...table,
    '',
    `The order-select patient (\`fhir-fixtures/tace-realistic.json\`): ${Object.entries(counts).map(([t, n]) => `${n} ${t}`).join(', ')}. CPU per call is the service process's user + system CPU time over the run divided by the calls; it includes logging (pino, info level) and metrics. The Express floor runs the same middleware stack (helmet, CORS, request log, metrics, JSON body parser) with the same body and answers \`{"cards":[]}\`. "max FHIR in flight" is the most FHIR requests open at once during the run; at concurrency 1 that is per call. The stub answers every search with all the fixture's resources of that type after ${DELAY} ms; the local FHIR server is Medplum's engine behind a counting proxy.`,
    '',
    readFileSync(join(PACKAGE_ROOT, 'bench', 'analysis.md'), 'utf8'),
  ].join('\n');
  writeFileSync(OUT, doc);
  process.stdout.write(`\n${budget.join('\n')}\n\nwrote ${OUT}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
