/**
 * `node dist/bench/web-concurrency.js`: the service as `npm start` runs it (dist/src/server.js with its Node flags),
 * WEB_CONCURRENCY 1 against 2, for the replicas issue: order-select with full prefetch at concurrency 10, medians of
 * several runs, a fresh service each, in rotation. CPU is that of the whole process tree (primary and workers, from
 * /proc), RSS its sum. On a 2-core machine autocannon takes one core, so a second worker competes with it.
 * Options: --duration <s> (default 3), --repeat <runs per setting> (default 3). Not a test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../dev/free-port.js';
import { PACKAGE_ROOT } from '../src/config.js';
import { benchArgs, benchBodies, cannon, fmt, median, percentile, startFlags } from './harness.js';

const args = benchArgs();
const DURATION = args.number('duration', 3);
const REPEAT = args.number('repeat', 3);
const TICKS_PER_SECOND = 100;

/** The pid and every descendant's, from /proc (the cluster workers are children of the primary). */
function tree(pid: number): number[] {
  const children = (p: number): number[] => {
    try {
      return readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };
  const all = [pid];
  for (let i = 0; i < all.length; i += 1) all.push(...children(all[i]!));
  return all;
}

/** CPU seconds (user + system) and RSS bytes of the whole tree. */
function treeUsage(pid: number): { cpuSeconds: number; rssBytes: number } {
  let ticks = 0;
  let rss = 0;
  for (const p of tree(pid)) {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
      rss += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0) * 1024;
    } catch {
      // a process that just exited
    }
  }
  return { cpuSeconds: ticks / TICKS_PER_SECOND, rssBytes: rss };
}

async function start(workers: number, dir: string): Promise<{ child: ChildProcess; base: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [...startFlags(), join(PACKAGE_ROOT, 'dist', 'src', 'server.js')], {
    env: { ...process.env, NODE_ENV: 'development', PORT: String(port), WEB_CONCURRENCY: String(workers), FEEDBACK_DB: join(dir, `feedback-${workers}-${port}.sqlite`), LOG_LEVEL: 'info', PREVIEW_ENABLED: 'false' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i += 1) {
    try {
      if ((await fetch(`${base}/readyz`)).ok && (workers === 1 || tree(child.pid!).length > workers)) return { child, base };
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  child.kill();
  throw new Error(`the service with WEB_CONCURRENCY=${workers} did not become ready`);
}

const dir = mkdtempSync(join(tmpdir(), 'hcc-bench-workers-'));
const payload = JSON.stringify(benchBodies().selectBody);
const results = new Map<number, { cpu: number[]; p50: number[]; p99: number[]; rps: number[]; rss: number[]; non2xx: number }>();
for (let rep = 0; rep < REPEAT; rep += 1) {
  for (const workers of [1, 2]) {
    const { child, base } = await start(workers, dir);
    const url = `${base}/cds-services/hcc-tace-order-select`;
    await cannon(url, payload, 10, 1);
    const before = treeUsage(child.pid!);
    const { latencies, result } = await cannon(url, payload, 10, DURATION);
    const after = treeUsage(child.pid!);
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    latencies.sort((a, b) => a - b);
    const r = results.get(workers) ?? { cpu: [], p50: [], p99: [], rps: [], rss: [], non2xx: 0 };
    r.cpu.push(((after.cpuSeconds - before.cpuSeconds) * 1000) / Math.max(result.requests.total, 1));
    r.p50.push(percentile(latencies, 50));
    r.p99.push(percentile(latencies, 99));
    r.rps.push(result.requests.total / DURATION);
    r.rss.push(after.rssBytes);
    r.non2xx += result.non2xx + result.errors;
    results.set(workers, r);
    process.stdout.write(`[${rep + 1}/${REPEAT}] WEB_CONCURRENCY=${workers}: CPU ${fmt(r.cpu.at(-1), 3)} ms/call, p50 ${fmt(r.p50.at(-1))} ms, p99 ${fmt(r.p99.at(-1))} ms, ${r.rps.at(-1)!.toFixed(0)}/s, RSS ${(after.rssBytes / 1048576).toFixed(0)} MB\n`);
  }
}
rmSync(dir, { recursive: true, force: true });
process.stdout.write('\n| order-select, full prefetch, c=10 | CPU ms/call (all processes) | p50 ms | p99 ms | calls/s | RSS MB (all processes) | non-2xx |\n|---|---|---|---|---|---|---|\n');
for (const [workers, r] of results) {
  process.stdout.write(`| WEB_CONCURRENCY=${workers} | ${fmt(median(r.cpu), 3)} | ${fmt(median(r.p50))} | ${fmt(median(r.p99))} | ${median(r.rps).toFixed(0)} | ${(median(r.rss) / 1048576).toFixed(0)} | ${r.non2xx} |\n`);
}
