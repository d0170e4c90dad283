/**
 * `npm run bench:heap`: the service's Node heap flags against V8's defaults, the A/B behind the RSS row of
 * BENCHMARKS.md. In each fresh service process: order-select with full prefetch at concurrency 10, then the same
 * call on the FHIR road against the bench's 20 ms stub at concurrency 10 (whose calls live ~20 ms: the young
 * generation's size shows there), several short runs per setting in rotation; prints RSS and heap at the end of
 * each run, CPU per call and p50/p99 of each scenario.
 * Options: --duration <s> (default 5), --repeat <runs per setting> (default 3), --flags "<A>" --flags "<B>" ...
 * (default: those of `npm start`, and none).
 */
import { benchBodies, cannon, fmt, mb, median, percentile, quiesce, startFhirSide, startFlags, startService, usage } from './harness.js';

const argv = process.argv.slice(2);
const option = (name: string): string[] => argv.flatMap((arg, i) => (arg === `--${name}` ? [argv[i + 1] ?? ''] : []));
const DURATION = Number(option('duration')[0] ?? 5);
const REPEAT = Number(option('repeat')[0] ?? 3);
const settings = option('flags').length > 0 ? option('flags') : [startFlags().join(' '), ''];

const { selectBody, roadBody } = benchBodies();
const payload = JSON.stringify(selectBody);
const stub = await startFhirSide(['stub', 'tace-realistic', '20']);
const roadPayload = JSON.stringify(roadBody(stub.baseUrl));
interface Numbers {
  rss: number[];
  cpu: number[];
  p50: number[];
  p99: number[];
  roadCpu: number[];
  roadP50: number[];
  roadP99: number[];
}
const results = new Map<string, Numbers>(settings.map((s) => [s, { rss: [], cpu: [], p50: [], p99: [], roadCpu: [], roadP50: [], roadP99: [] }]));

/** One run against `url`: CPU per call of the service, and the latencies (sorted). */
async function measure(child: Parameters<typeof usage>[0], url: string, body: string): Promise<{ cpu: number; p50: number; p99: number }> {
  await cannon(url, body, 10, 1);
  const before = await usage(child);
  const { latencies, result } = await cannon(url, body, 10, DURATION);
  const after = await usage(child);
  latencies.sort((a, b) => a - b);
  return { cpu: (after.cpuMicros - before.cpuMicros) / 1000 / Math.max(result.requests.total, 1), p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

for (let rep = 0; rep < REPEAT; rep += 1) {
  for (const flags of settings) {
    const { child, base } = await startService(flags.split(' ').filter(Boolean));
    const url = `${base}/cds-services/hcc-tace-order-select`;
    const full = await measure(child, url, payload);
    await quiesce(stub);
    const road = await measure(child, url, roadPayload);
    await quiesce(stub);
    const after = await usage(child);
    child.send({ type: 'stop' });
    const r = results.get(flags)!;
    r.rss.push(after.rssBytes);
    r.cpu.push(full.cpu);
    r.p50.push(full.p50);
    r.p99.push(full.p99);
    r.roadCpu.push(road.cpu);
    r.roadP50.push(road.p50);
    r.roadP99.push(road.p99);
    process.stdout.write(`[${rep + 1}/${REPEAT}] ${flags || '(V8 defaults)'}: RSS ${mb(after.rssBytes)} MB (heap ${mb(after.heapUsedBytes)} used of ${mb(after.heapTotalBytes)}), full prefetch CPU ${fmt(full.cpu, 3)} ms/call p50 ${fmt(full.p50)} p99 ${fmt(full.p99)} ms, FHIR road CPU ${fmt(road.cpu, 3)} ms/call p50 ${fmt(road.p50)} p99 ${fmt(road.p99)} ms\n`);
  }
}
stub.child.send({ type: 'stop' });
process.stdout.write('\n| Node flags | RSS after both runs, MB | full prefetch: CPU ms/call | p50 ms | p99 ms | FHIR road (20 ms stub): CPU ms/call | p50 ms | p99 ms |\n|---|---|---|---|---|---|---|---|\n');
for (const [flags, r] of results) {
  process.stdout.write(`| ${flags ? `\`${flags}\`` : 'V8 defaults'} | ${mb(median(r.rss))} | ${fmt(median(r.cpu), 3)} | ${fmt(median(r.p50))} | ${fmt(median(r.p99))} | ${fmt(median(r.roadCpu), 3)} | ${fmt(median(r.roadP50))} | ${fmt(median(r.roadP99))} |\n`);
}
process.stdout.write('\nMedians over the runs, concurrency 10.\n');
