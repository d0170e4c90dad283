/**
 * One FHIR-road hook call, in-process: order-select for `tace-realistic` with no prefetch, its 6 FHIR requests to the
 * bench's stub (its own process), one call after another. Reports CPU per call (user + system of this process, GC
 * threads included) and the bytes allocated on the V8 heap per call (counted across GCs with v8.GCProfiler), for a
 * stub that answers at once (back to back: hot caches) and after a delay (the shape of the bench's c=1 row).
 * Each number is the median of `rounds` rounds of `calls` calls (the machine's drift moves single rounds by ~10 %).
 * Run alone with `node dist/bench/road.js [--calls N] [--rounds N] [--delay ms]`; `npm run bench` runs it too.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { GCProfiler } from 'node:v8';
import { pino } from 'pino';
import { handleHookCall } from '../src/cds-hooks/hook-call.js';
import { composeDeps } from '../src/compose.js';
import { loadConfig } from '../src/config.js';
import { benchArgs, benchBodies, median, startFhirSide } from './harness.js';

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

export async function measureRoad(calls: number, rounds: number, delays: readonly number[]): Promise<RoadRow[]> {
  const config = loadConfig({ ...process.env, PORT: '0', PREVIEW_ENABLED: 'false', FEEDBACK_DB: ':memory:', FHIR_SERVER_ALLOWLIST: '' });
  const deps = await composeDeps(config, pino({ level: 'silent' }), { auth: { enabled: false, authenticate: async () => undefined } });
  const rows: RoadRow[] = [];
  for (const delay of delays) {
    const stub = await startFhirSide(['stub', 'tace-realistic', String(delay)]);
    const body = benchBodies().roadBody(stub.baseUrl);
    let requests = 0;
    const once = async (): Promise<void> => {
      // A fresh copy per call, as the body parser would hand it over.
      const result = await handleHookCall('hcc-tace-order-select', structuredClone(body), deps);
      if (result.cards.length === 0) throw new Error('the road call returned no cards');
      requests += result.fhirRequests;
    };
    for (let i = 0; i < Math.min(200, calls); i += 1) await once();
    const measured: Omit<RoadRow, 'scenario' | 'calls'>[] = [];
    for (let round = 0; round < rounds; round += 1) {
      requests = 0;
      const profiler = new GCProfiler();
      const startUsed = process.memoryUsage().heapUsed;
      profiler.start();
      const cpuBefore = process.cpuUsage();
      const wallBefore = performance.now();
      for (let i = 0; i < calls; i += 1) await once();
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
    stub.child.send({ type: 'stop' });
    const of = (pick: (m: (typeof measured)[number]) => number): number => median(measured.map(pick));
    rows.push({
      scenario: `order-select, FHIR road, stub answering after ${delay} ms`,
      calls: calls * rounds,
      cpuMicrosPerCall: of((m) => m.cpuMicrosPerCall),
      wallMicrosPerCall: of((m) => m.wallMicrosPerCall),
      allocatedKbPerCall: of((m) => m.allocatedKbPerCall),
      gcsPerCall: of((m) => m.gcsPerCall),
      fhirRequestsPerCall: of((m) => m.fhirRequestsPerCall),
    });
  }
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
  const rows = await measureRoad(args.number('calls', 500), args.number('rounds', 5), [0, args.number('delay', 20)]);
  process.stdout.write(`${roadMarkdown(rows).join('\n')}\n`);
}
