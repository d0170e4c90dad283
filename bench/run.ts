/**
 * `npm run bench`: hook calls with full prefetch and on the FHIR-server road, against the Express floor of the
 * same app stack, at concurrency 1 and 10, on loopback only. Prints a table and writes BENCHMARKS.md.
 * Options: --duration <seconds per run> (default 3), --repeat <runs per row, median kept> (default 3),
 * --delay <stub FHIR delay ms> (default 20), --out <file>.
 * Three processes: this one (autocannon), the service under test, the FHIR side (stub or local server).
 * Not a test: nothing here can fail `npm test`.
 */
import type { ChildProcess } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PACKAGE_ROOT } from '../src/config.js';
import { benchArgs, benchBodies, cannon, fmt, mb, MB, median, percentile, quiesce, startFhirSide, startFlags, startService, traffic, usage, type FhirSide } from './harness.js';
import { measureMiddleware, middlewareMarkdown } from './middleware.js';
import { measureRoad, roadMarkdown } from './road.js';
import { measureStages, stagesMarkdown } from './stages.js';

const args = benchArgs();
const DURATION = args.number('duration', 3);
const REPEAT = Math.max(1, args.number('repeat', 3));
const DELAY = args.number('delay', 20);
const OUT = args.text('out') ?? join(PACKAGE_ROOT, 'BENCHMARKS.md');
const CONCURRENCY = [1, 10];
const IDLE_SECONDS = 10;
/** Node flags for the service process: those of `npm start` (and the Dockerfile's CMD), unless BENCH_NODE_FLAGS is set. */
const SERVICE_FLAGS = process.env.BENCH_NODE_FLAGS !== undefined ? process.env.BENCH_NODE_FLAGS.split(' ').filter(Boolean) : startFlags();

interface Sample {
  p50: number;
  p99: number;
  rps: number;
  cpuMsPerCall: number;
  userMsPerCall: number;
  systemMsPerCall: number;
  calls: number;
  non2xx: number;
  fhirPerCall?: number;
  maxInFlight?: number;
}

interface Row extends Sample {
  scenario: string;
  concurrency: number;
  floor?: string;
}

interface Scenario {
  name: string;
  base: string;
  path: string;
  payload: string;
  fhir?: FhirSide;
  floor?: string;
}

const FLOOR_SELECT = 'node:http floor: order-select, full prefetch (tace-realistic)';
const FLOOR_VIEW = 'node:http floor: patient-view, full prefetch (surv-overdue)';
const SELECT_FULL = 'order-select, full prefetch (tace-realistic)';
const VIEW_FULL = 'patient-view, full prefetch (surv-overdue)';
const MEDPLUM_ROAD = 'order-select, FHIR road, local FHIR server (Medplum)';
const GETS_FLOOR = 'node:http, the same call: its 6 GETs over a bare Agent, bodies parsed, answers {"cards":[]}';

async function sample(child: ChildProcess, url: string, payload: string, connections: number, fhir?: FhirSide): Promise<Sample> {
  if (fhir) await quiesce(fhir);
  const before = await usage(child);
  const { latencies, result } = await cannon(url, payload, connections, DURATION);
  const after = await usage(child);
  const seen = fhir ? await traffic(fhir) : undefined;
  const calls = Math.max(result.requests.total, 1);
  latencies.sort((a, b) => a - b);
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    rps: result.requests.total / DURATION,
    cpuMsPerCall: (after.cpuMicros - before.cpuMicros) / 1000 / calls,
    userMsPerCall: (after.userMicros - before.userMicros) / 1000 / calls,
    systemMsPerCall: (after.systemMicros - before.systemMicros) / 1000 / calls,
    calls: result.requests.total,
    non2xx: result.non2xx + result.errors,
    // Per call the service received: the calls autocannon abandons at the end of a run made their requests too.
    ...(seen ? { fhirPerCall: seen.requests / Math.max((result.requests as { sent?: number }).sent ?? calls, 1), maxInFlight: seen.maxInFlight } : {}),
  };
}

/** The median of each number over the repeats; calls and errors summed, "max in flight" the largest seen. */
function combine(samples: Sample[]): Sample {
  const of = (pick: (s: Sample) => number | undefined): number => median(samples.map((s) => pick(s) ?? 0));
  const fhir = samples[0]!.fhirPerCall !== undefined;
  return {
    p50: of((s) => s.p50),
    p99: of((s) => s.p99),
    rps: of((s) => s.rps),
    cpuMsPerCall: of((s) => s.cpuMsPerCall),
    userMsPerCall: of((s) => s.userMsPerCall),
    systemMsPerCall: of((s) => s.systemMsPerCall),
    calls: samples.reduce((sum, s) => sum + s.calls, 0),
    non2xx: samples.reduce((sum, s) => sum + s.non2xx, 0),
    ...(fhir ? { fhirPerCall: of((s) => s.fhirPerCall), maxInFlight: Math.max(...samples.map((s) => s.maxInFlight ?? 0)) } : {}),
  };
}

async function main(): Promise<void> {
  const { taceBundle, selectBody, viewBody, roadBody } = benchBodies();
  const counts = (taceBundle.entry ?? []).reduce<Record<string, number>>((acc, e) => ({ ...acc, [e.resource!.resourceType]: (acc[e.resource!.resourceType] ?? 0) + 1 }), {});

  const loadBefore = loadavg()[0]!;
  process.stdout.write('stages (in-process)...\n');
  const stageIterations = 5000;
  const stages = await measureStages(stageIterations);
  process.stdout.write('middleware (in-process)...\n');
  const middlewareIterations = 20000;
  const middleware = await measureMiddleware(middlewareIterations);
  process.stdout.write('FHIR road (in-process)...\n');
  const roadCalls = 200;
  const roadRounds = 5;
  const road = await measureRoad(roadCalls, roadRounds, [0, DELAY]);

  const [medplum, stub] = await Promise.all([startFhirSide(['medplum']), startFhirSide(['stub', 'tace-realistic', String(DELAY)])]);
  const { child, base, floorBase } = await startService(SERVICE_FLAGS, process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : []);
  const startUsage = await usage(child);

  const SELECT = '/cds-services/hcc-tace-order-select';
  const VIEW = '/cds-services/hcc-patient-view';
  const stubRoad = `order-select, FHIR road, stub with ${DELAY} ms delay`;
  // `floor`: the scenario whose row this one is read against (the same requests through the node:http floor).
  const scenarios: Scenario[] = [
    { name: FLOOR_SELECT, base: floorBase, path: SELECT, payload: JSON.stringify(selectBody) },
    { name: FLOOR_VIEW, base: floorBase, path: VIEW, payload: JSON.stringify(viewBody) },
    { name: 'node:http, same body, answers {"cards":[]}', base: floorBase, path: '/bench/empty', payload: JSON.stringify(selectBody) },
    { name: 'Express floor (same stack, same body)', base, path: '/bench/floor', payload: JSON.stringify(selectBody) },
    { name: SELECT_FULL, base, path: SELECT, payload: JSON.stringify(selectBody), floor: FLOOR_SELECT },
    { name: VIEW_FULL, base, path: VIEW, payload: JSON.stringify(viewBody), floor: FLOOR_VIEW },
    { name: MEDPLUM_ROAD, base, path: SELECT, payload: JSON.stringify(roadBody(medplum.baseUrl)), fhir: medplum },
    { name: GETS_FLOOR, base: floorBase, path: `/bench/gets${SELECT.slice('/cds-services'.length)}`, payload: JSON.stringify(roadBody(stub.baseUrl)), fhir: stub },
    { name: `node:http floor: ${stubRoad}`, base: floorBase, path: SELECT, payload: JSON.stringify(roadBody(stub.baseUrl)), fhir: stub },
    { name: stubRoad, base, path: SELECT, payload: JSON.stringify(roadBody(stub.baseUrl)), fhir: stub, floor: `node:http floor: ${stubRoad}` },
  ];
  const samples = new Map<string, Sample[]>();
  const rssAfter = new Map<string, number>();
  for (let rep = 0; rep < REPEAT; rep += 1) {
    for (const scenario of scenarios) {
      for (const connections of CONCURRENCY) {
        const url = `${scenario.base}${scenario.path}`;
        // Warm-up (first round only): JIT, keep-alive connections, first-sight unit conversions.
        if (rep === 0) await cannon(url, scenario.payload, connections, 1);
        const one = await sample(child, url, scenario.payload, connections, scenario.fhir);
        const key = `${scenario.name}\u0000${connections}`;
        samples.set(key, [...(samples.get(key) ?? []), one]);
        process.stdout.write(`[${rep + 1}/${REPEAT}] ${scenario.name} c=${connections}: p50 ${fmt(one.p50)} ms, p99 ${fmt(one.p99)} ms, ${one.rps.toFixed(0)}/s, CPU ${fmt(one.cpuMsPerCall, 3)} ms/call, FHIR requests ${one.fhirPerCall === undefined ? '0 (full prefetch)' : `${fmt(one.fhirPerCall, 1)}/call (max ${one.maxInFlight} in flight)`}${one.non2xx ? `, ${one.non2xx} non-2xx!` : ''}\n`);
      }
      if (rep === 0) rssAfter.set(scenario.name, (await usage(child)).rssBytes);
    }
  }
  const endUsage = await usage(child);
  const loadAfter = loadavg()[0]!;
  process.stdout.write(`idle ${IDLE_SECONDS} s for the memory reading...\n`);
  await sleep(IDLE_SECONDS * 1000);
  const idleUsage = await usage(child);
  child.send({ type: 'stop' });
  for (const side of [medplum, stub]) side.child.send({ type: 'stop' });

  const rows: Row[] = scenarios.flatMap((scenario) => CONCURRENCY.map((concurrency) => ({ scenario: scenario.name, concurrency, floor: scenario.floor, ...combine(samples.get(`${scenario.name}\u0000${concurrency}`)!) })));
  const row = (name: string, c: number): Row => rows.find((r) => r.scenario === name && r.concurrency === c)!;
  const floorOf = (r: Row): Row | undefined => (r.floor === undefined ? undefined : row(r.floor, r.concurrency));
  const cpuRatio = (r: Row): number => r.cpuMsPerCall / floorOf(r)!.cpuMsPerCall;
  const p99Ratio = (r: Row): number => r.p99 / floorOf(r)!.p99;
  const select10 = row(SELECT_FULL, 10);
  const view10 = row(VIEW_FULL, 10);
  const medplum1 = row(MEDPLUM_ROAD, 1);
  const stub1 = row(stubRoad, 1);
  const stub10 = row(stubRoad, 10);
  const ok = (pass: boolean): string => (pass ? 'met' : '**missed**');
  const gap = (value: number, limit: number, unit: string): string => (value <= limit ? `${fmt(limit - value)} ${unit} under` : `${fmt(value - limit)} ${unit} over`);
  const parallel = (r: Row): boolean => (r.fhirPerCall ?? 0) > 0 && r.maxInFlight === Math.round(r.fhirPerCall ?? 0);
  const worstCpuRatio = Math.max(cpuRatio(select10), cpuRatio(view10));
  const worstP99Ratio = Math.max(p99Ratio(select10), p99Ratio(view10));
  const worstRoadCpu = Math.max(stub1.cpuMsPerCall, stub10.cpuMsPerCall);
  const gets1 = row(GETS_FLOOR, 1);
  const gets10 = row(GETS_FLOOR, 10);
  const x = (ratio: number): string => `${fmt(ratio)} x`;
  const budget = [
    `| CPU per call, full prefetch, c=10, as a ratio to the node:http floor | <= 1.5 x | order-select ${x(cpuRatio(select10))} (${fmt(select10.cpuMsPerCall, 3)} / ${fmt(floorOf(select10)!.cpuMsPerCall, 3)} ms), patient-view ${x(cpuRatio(view10))} (${fmt(view10.cpuMsPerCall, 3)} / ${fmt(floorOf(view10)!.cpuMsPerCall, 3)} ms) | ${gap(worstCpuRatio, 1.5, 'x')} | ${ok(worstCpuRatio <= 1.5)} |`,
    `| p99, full prefetch, c=10, as a ratio to the node:http floor's p99 | <= 2 x | order-select ${x(p99Ratio(select10))} (${fmt(select10.p99)} / ${fmt(floorOf(select10)!.p99)} ms), patient-view ${x(p99Ratio(view10))} (${fmt(view10.p99)} / ${fmt(floorOf(view10)!.p99)} ms) | ${gap(worstP99Ratio, 2, 'x')} | ${ok(worstP99Ratio <= 2)} |`,
    `| FHIR road: all queries of a call in flight together (c=1) | max in flight = requests per call | stub ${stub1.maxInFlight} of ${fmt(stub1.fhirPerCall, 1)}, local server ${medplum1.maxInFlight} of ${fmt(medplum1.fhirPerCall, 1)} | - | ${ok(parallel(stub1) && parallel(medplum1))} |`,
    `| FHIR road vs the ${DELAY} ms stub: CPU per call | <= 2.0 ms | c=1 ${fmt(stub1.cpuMsPerCall, 3)} ms, c=10 ${fmt(stub10.cpuMsPerCall, 3)} ms (node:http floor ${fmt(floorOf(stub1)!.cpuMsPerCall, 3)} / ${fmt(floorOf(stub10)!.cpuMsPerCall, 3)} ms; the 6 GETs alone on a bare Agent ${fmt(gets1.cpuMsPerCall, 3)} / ${fmt(gets10.cpuMsPerCall, 3)} ms) | ${gap(worstRoadCpu, 2, 'ms')} | ${ok(worstRoadCpu <= 2)} |`,
    `| FHIR road vs the ${DELAY} ms stub: p50 at c=1 | <= ${DELAY + 2} ms | p50 ${fmt(stub1.p50)} ms (p99 ${fmt(stub1.p99)} ms; node:http floor p50 ${fmt(floorOf(stub1)!.p50)} ms; the 6 GETs alone ${fmt(gets1.p50)} ms) | ${gap(stub1.p50, DELAY + 2, 'ms')} | ${ok(stub1.non2xx === 0 && stub1.p50 <= DELAY + 2)} |`,
    `| RSS after the run | <= 150 MB | ${mb(endUsage.rssBytes)} MB (start ${mb(startUsage.rssBytes)}, peak ${mb(endUsage.maxRssBytes)}, after ${IDLE_SECONDS} s idle ${mb(idleUsage.rssBytes)}) | ${gap(endUsage.rssBytes / MB, 150, 'MB')} | ${ok(endUsage.rssBytes <= 150 * MB)} |`,
  ];
  const ratios = (r: Row): string => (floorOf(r) ? `${x(cpuRatio(r))} | ${x(p99Ratio(r))}` : '- | -');
  const table = [
    '| Scenario | Conc. | p50 ms | p99 ms | calls/s | CPU ms/call (user + sys) | CPU / floor | p99 / floor | FHIR req/call | max FHIR in flight | non-2xx |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.scenario} | ${r.concurrency} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${r.rps.toFixed(0)} | ${fmt(r.cpuMsPerCall, 3)} (${fmt(r.userMsPerCall, 3)} + ${fmt(r.systemMsPerCall, 3)}) | ${ratios(r)} | ${fmt(r.fhirPerCall, 1)} | ${r.maxInFlight ?? '-'} | ${r.non2xx} |`),
  ];
  const memory = [
    '| When | RSS MB |',
    '|---|---|',
    `| service started | ${mb(startUsage.rssBytes)} (V8 heap ${mb(startUsage.heapUsedBytes)} used of ${mb(startUsage.heapTotalBytes)}) |`,
    ...scenarios.map((s) => `| after ${s.name} (first round) | ${mb(rssAfter.get(s.name)!)} |`),
    `| end of the run | ${mb(endUsage.rssBytes)} (V8 heap ${mb(endUsage.heapUsedBytes)} used of ${mb(endUsage.heapTotalBytes)}, external ${mb(endUsage.externalBytes)}) |`,
    `| peak (maxRSS) | ${mb(endUsage.maxRssBytes)} |`,
    `| after ${IDLE_SECONDS} s idle | ${mb(idleUsage.rssBytes)} (V8 heap ${mb(idleUsage.heapUsedBytes)} used of ${mb(idleUsage.heapTotalBytes)}) |`,
  ];
  const cpu = cpus();
  const doc = [
    '# Benchmarks',
    '',
    `Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}, loopback only. Each row is the median of ${REPEAT} runs of ${DURATION} s (after a 1 s warm-up), run in rotation so drift on the machine hits every row alike. Three processes share the ${cpu.length} cores: autocannon, the service, and the FHIR side (stub or local FHIR server). The service runs with the Node flags of \`npm start\`: \`${SERVICE_FLAGS.join(' ') || '(none)'}\`. Load average (1 min) ${loadBefore.toFixed(2)} before the run and ${loadAfter.toFixed(2)} at its end${loadBefore > 0.5 ? ': the machine was loaded by other work before the bench started, so absolute numbers are high and noisy; the ratios to the node:http floor, measured in the same run, are the numbers to read' : ''}.`,
    '',
    '## Budget',
    '',
    '| What | Budget | Measured | Distance | |',
    '|---|---|---|---|---|',
    ...budget,
    '',
    '## Results',
    '',
    ...table,
    '',
    `The order-select patient (\`fhir-fixtures/tace-realistic.json\`): ${Object.entries(counts).map(([t, n]) => `${n} ${t}`).join(', ')}. Latencies are autocannon's per-response times (2xx only) at 0.01 ms resolution. CPU per call is the service process's user + system CPU time over the run divided by the calls; it includes logging (pino, info level, to /dev/null) and metrics. The node:http floor rows send the same requests to the same pipeline (body read, JSON.parse, depth check, \`handleHookCall\` with the same composed deps, JSON.stringify) behind a bare \`node:http\` handler in the same process (\`bench/floor.ts\`): no Express, no middleware, no logging, no metrics; "CPU / floor" and "p99 / floor" read a row against its floor row at the same concurrency, in the same run. The "node:http, same body" row reads and parses the body like the floor and answers \`{"cards":[]}\`: the Express floor row minus it is what Express and its middleware add to a call. The Express floor runs the same middleware stack (security headers, CORS, request log, metrics, JSON body parser) with the same body and answers \`{"cards":[]}\`. "max FHIR in flight" is the most FHIR requests open at once during a run; at concurrency 1 that is per call. The stub answers every search with all the fixture's resources of that type after ${DELAY} ms; the local FHIR server is Medplum's engine behind a counting proxy.`,
    '',
    '## Where the CPU of one call goes',
    '',
    ...stagesMarkdown(stages, stageIterations),
    '',
    '## Where the CPU of one FHIR-road call goes',
    '',
    ...roadMarkdown(road),
    '',
    `In one process (\`bench/road.ts\`), no HTTP server and no autocannon: calls one after another against the bench's stub (its own process), each number the median of ${roadRounds} rounds of ${roadCalls} calls after a warm-up. CPU is this process's user + system time (GC threads included); heap bytes are counted across GCs (v8.GCProfiler: what each GC found above what the previous one left). The "GETs alone" rows are the floor of Node itself for the call's outbound side: the same ${road[1]?.fhirRequestsPerCall.toFixed(0) ?? 6} URLs at once over a bare kept-alive Agent, each body read and JSON-parsed, nothing else. The road minus its GETs minus the full-prefetch row is what our transport, fhir-kit-client and the resolver add.`,
    '',
    '## What each piece of the Express stack costs per call',
    '',
    ...middlewareMarkdown(middleware, middlewareIterations),
    '',
    '## Memory of the service process',
    '',
    ...memory,
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
