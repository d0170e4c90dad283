/**
 * `npm run bench:heap`: the service's Node heap flags against V8's defaults, the A/B behind the RSS row of
 * BENCHMARKS.md. order-select with full prefetch at concurrency 10, several short runs per setting in rotation,
 * each in a fresh service process; prints RSS and heap at the end of each run, CPU per call and p50/p99.
 * Options: --duration <s> (default 5), --repeat <runs per setting> (default 3), --flags "<A>" --flags "<B>" ...
 * (default: those of `npm start`, and none).
 */
import { benchBodies, cannon, fmt, mb, median, percentile, startFlags, startService, usage } from './harness.js';

const argv = process.argv.slice(2);
const option = (name: string): string[] => argv.flatMap((arg, i) => (arg === `--${name}` ? [argv[i + 1] ?? ''] : []));
const DURATION = Number(option('duration')[0] ?? 5);
const REPEAT = Number(option('repeat')[0] ?? 3);
const settings = option('flags').length > 0 ? option('flags') : [startFlags().join(' '), ''];

const { selectBody } = benchBodies();
const payload = JSON.stringify(selectBody);
const results = new Map<string, { rss: number[]; cpu: number[]; p50: number[]; p99: number[] }>(settings.map((s) => [s, { rss: [], cpu: [], p50: [], p99: [] }]));

for (let rep = 0; rep < REPEAT; rep += 1) {
  for (const flags of settings) {
    const { child, base } = await startService(flags.split(' ').filter(Boolean));
    const url = `${base}/cds-services/hcc-tace-order-select`;
    await cannon(url, payload, 10, 1);
    const before = await usage(child);
    const { latencies, result } = await cannon(url, payload, 10, DURATION);
    const after = await usage(child);
    child.send({ type: 'stop' });
    latencies.sort((a, b) => a - b);
    const r = results.get(flags)!;
    r.rss.push(after.rssBytes);
    r.cpu.push((after.cpuMicros - before.cpuMicros) / 1000 / Math.max(result.requests.total, 1));
    r.p50.push(percentile(latencies, 50));
    r.p99.push(percentile(latencies, 99));
    process.stdout.write(`[${rep + 1}/${REPEAT}] ${flags || '(V8 defaults)'}: RSS ${mb(after.rssBytes)} MB (heap ${mb(after.heapUsedBytes)} used of ${mb(after.heapTotalBytes)}), CPU ${fmt(r.cpu.at(-1), 3)} ms/call, p50 ${fmt(r.p50.at(-1))} ms, p99 ${fmt(r.p99.at(-1))} ms\n`);
  }
}
process.stdout.write('\n| Node flags | RSS after run, MB (median) | CPU ms/call (median) | p50 ms | p99 ms |\n|---|---|---|---|---|\n');
for (const [flags, r] of results) {
  process.stdout.write(`| ${flags ? `\`${flags}\`` : 'V8 defaults'} | ${mb(median(r.rss))} | ${fmt(median(r.cpu), 3)} | ${fmt(median(r.p50))} | ${fmt(median(r.p99))} |\n`);
}
