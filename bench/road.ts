/**
 * One FHIR-road hook call, in-process: order-select for `tace-realistic` with no prefetch, its 6 FHIR requests to the
 * bench's stub (its own process), one call after another. Reports CPU per call (user + system of this process, GC
 * threads included) and the bytes allocated on the V8 heap per call (counted across GCs with v8.GCProfiler), for a
 * stub that answers at once (back to back: hot caches) and after a delay (the shape of the bench's c=1 row).
 * Each number is the median of `rounds` rounds of `calls` calls (the machine's drift moves single rounds by ~10 %).
 * Run alone with `node dist/bench/road.js [--calls N] [--rounds N] [--delay ms]`; `npm run bench` runs it too.
 */
import { realpathSync } from 'node:fs';
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import { GCProfiler } from 'node:v8';
import { pino } from 'pino';
import { handleHookCall } from '../src/cds-hooks/hook-call.js';
import type { HookContext } from '../src/cds-hooks/types.js';
import { composeDeps } from '../src/compose.js';
import { loadConfig } from '../src/config.js';
import { bareGets, queryUrls } from './floor.js';
import { benchArgs, benchBodies, median, startFhirSide } from './harness.js';

const SERVICE = 'hcc-tace-order-select';

export interface RoadRow {
  scenario: string;
  calls: number;
  cpuMicrosPerCall: number;
  wallMicrosPerCall: number;
  allocatedKbPerCall: number;
  gcsPerCall: number;
  fhirRequestsPerCall: number;
}

interface GcStat {
  beforeGC: { heapStatistics: { usedHeapSize: number } };
  afterGC: { heapStatistics: { usedHeapSize: number } };
}

/** Bytes allocated between two points: what each GC found above what the previous one left, plus the growth after the last. */
function allocatedBetween(startUsed: number, endUsed: number, statistics: readonly GcStat[]): number {
  let previous = startUsed;
  let total = 0;
  for (const gc of statistics) {
    total += Math.max(0, gc.beforeGC.heapStatistics.usedHeapSize - previous);
    previous = gc.afterGC.heapStatistics.usedHeapSize;
  }
  return total + Math.max(0, endUsed - previous);
}

interface Measured {
  cpuMicrosPerCall: number;
  wallMicrosPerCall: number;
  allocatedKbPerCall: number;
  gcsPerCall: number;
  fhirRequestsPerCall: number;
}

/** `once` run `calls` times per round after a warm-up; each number the median over the rounds. */
async function measure(once: () => Promise<number>, calls: number, rounds: number): Promise<Measured> {
  for (let i = 0; i < Math.min(200, calls); i += 1) await once();
  const measured: Measured[] = [];
  for (let round = 0; round < rounds; round += 1) {
    let requests = 0;
    const profiler = new GCProfiler();
    const startUsed = process.memoryUsage().heapUsed;
    profiler.start();
    const cpuBefore = process.cpuUsage();
    const wallBefore = performance.now();
    for (let i = 0; i < calls; i += 1) requests += await once();
    const wall = performance.now() - wallBefore;
    const cpu = process.cpuUsage(cpuBefore);
    const endUsed = process.memoryUsage().heapUsed;
    const { statistics } = profiler.stop() as unknown as { statistics: GcStat[] };
    measured.push({
      cpuMicrosPerCall: (cpu.user + cpu.system) / calls,
      wallMicrosPerCall: (wall * 1000) / calls,
      allocatedKbPerCall: allocatedBetween(startUsed, endUsed, statistics) / 1024 / calls,
      gcsPerCall: statistics.length / calls,
      fhirRequestsPerCall: requests / calls,
    });
  }
  const of = (pick: (m: Measured) => number): number => median(measured.map(pick));
  return {
    cpuMicrosPerCall: of((m) => m.cpuMicrosPerCall),
    wallMicrosPerCall: of((m) => m.wallMicrosPerCall),
    allocatedKbPerCall: of((m) => m.allocatedKbPerCall),
    gcsPerCall: of((m) => m.gcsPerCall),
    fhirRequestsPerCall: of((m) => m.fhirRequestsPerCall),
  };
}

export async function measureRoad(calls: number, rounds: number, delays: readonly number[], only?: 'road'): Promise<RoadRow[]> {
  const config = loadConfig({ ...process.env, PORT: '0', PREVIEW_ENABLED: 'false', FEEDBACK_DB: ':memory:', FHIR_SERVER_ALLOWLIST: '' });
  const deps = await composeDeps(config, pino({ level: 'silent' }), { auth: { enabled: false, authenticate: async () => undefined } });
  const service = deps.registry.services.find((s) => s.id === SERVICE)!;
  const rows: RoadRow[] = [];
  for (const delay of delays) {
    const stub = await startFhirSide(['stub', 'tace-realistic', String(delay)]);
    const body = benchBodies().roadBody(stub.baseUrl) as { context: HookContext };
    const payload = JSON.stringify(body);
    const urls = queryUrls(service.prefetch, stub.baseUrl, body.context);
    const agent = new http.Agent({ keepAlive: true });
    const road = async (): Promise<number> => {
      // A fresh body per call, parsed as the body parser would.
      const result = await handleHookCall(SERVICE, JSON.parse(payload), deps);
      if (result.cards.length === 0) throw new Error('the road call returned no cards');
      return result.fhirRequests;
    };
    rows.push({ scenario: `hook call on the FHIR road, stub answering after ${delay} ms`, calls: calls * rounds, ...(await measure(road, calls, rounds)) });
    if (only === undefined) rows.push({ scenario: `its ${urls.length} GETs alone: bare node:http, kept-alive Agent, JSON.parse, stub after ${delay} ms`, calls: calls * rounds, ...(await measure(() => bareGets(urls, agent), calls, rounds)) });
    agent.destroy();
    stub.child.send({ type: 'stop' });
  }
  const prefetched = JSON.stringify(benchBodies().selectBody);
  const full = async (): Promise<number> => {
    const result = await handleHookCall(SERVICE, JSON.parse(prefetched), deps);
    if (result.cards.length === 0) throw new Error('the prefetch call returned no cards');
    return result.fhirRequests;
  };
  if (only === undefined) rows.push({ scenario: 'the same hook call with full prefetch (its body parsed, no FHIR request)', calls: calls * rounds, ...(await measure(full, calls, rounds)) });
  deps.resolver.close?.();
  await deps.store.close();
  return rows;
}

export function roadMarkdown(rows: readonly RoadRow[]): string[] {
  return [
    '| Scenario | calls | CPU µs/call | wall µs/call | V8 heap allocated KB/call | GCs/call | FHIR requests/call |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.scenario} | ${r.calls} | ${r.cpuMicrosPerCall.toFixed(0)} | ${r.wallMicrosPerCall.toFixed(0)} | ${r.allocatedKbPerCall.toFixed(0)} | ${r.gcsPerCall.toFixed(3)} | ${r.fhirRequestsPerCall.toFixed(1)} |`),
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  const args = benchArgs();
  // `--only road`: the hook call alone (for a profile of it).
  const rows = await measureRoad(args.number('calls', 500), args.number('rounds', 5), [0, args.number('delay', 20)], args.text('only') === 'road' ? 'road' : undefined);
  process.stdout.write(`${roadMarkdown(rows).join('\n')}\n`);
}
