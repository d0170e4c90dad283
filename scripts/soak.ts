/**
 * Soak test: a steady load of mixed valid and invalid CDS Hooks calls against the built server, on loopback only.
 *
 *   npm run soak -- --duration 300 --concurrency 20          # starts dist/src/server.js on a free loopback port
 *   npm run soak -- --duration 60 --url http://127.0.0.1:3000  # an already running, open (no CDS_CLIENTS_FILE) server
 *
 * Reports total calls, answers by status, connection errors, 5xx, latency p50/p90/p99, and the server's RSS
 * (VmRSS from /proc/<pid>/status) at the start, the peak and the end. Exits 1 on any 5xx, connection error or timeout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { startFlags } from './start-flags.js';
import { freePort } from '../dev/free-port.js';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { validFeedback, validRequest, type ServiceId } from '../test/fuzz/valid-requests.js';

interface Options {
  durationSec: number;
  concurrency: number;
  url?: string;
  pid?: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { durationSec: 60, concurrency: 20 };
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, inline] = argv[i]!.split('=', 2);
    const value = inline ?? argv[++i];
    const int = (min: number, max: number): number => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${flag} must be an integer in [${min}, ${max}], got "${value}"`);
      return n;
    };
    if (flag === '--duration') options.durationSec = int(1, 3600);
    else if (flag === '--concurrency') options.concurrency = int(1, 256);
    else if (flag === '--pid') options.pid = int(1, 2 ** 22);
    else if (flag === '--url') options.url = String(value);
    else throw new Error(`unknown argument ${flag} (use --duration S --concurrency N [--url http://127.0.0.1:PORT [--pid PID]])`);
  }
  if (options.url !== undefined) {
    const url = new URL(options.url);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!(host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host))) {
      throw new Error(`refusing to load ${url.host}: the soak test targets loopback only (127.0.0.0/8, ::1, localhost)`);
    }
    options.url = url.origin;
  }
  return options;
}

function rssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Math.round((Number(kb) / 1024) * 10) / 10 : undefined;
  } catch {
    return undefined;
  }
}

async function waitHealthy(base: string, child: ChildProcess, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before it was healthy`);
    try {
      if ((await fetch(`${base}/healthz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server not healthy after ${timeoutMs} ms`);
}

/** Requests that stay on loopback: full prefetch and no fhirServer, so nothing is fetched from anywhere. */
function loopbackRequest(service: ServiceId): Record<string, unknown> {
  const { fhirServer: _server, fhirAuthorization: _token, ...rest } = validRequest(service);
  return rest;
}

const json = { 'content-type': 'application/json' };

function mix(): autocannon.Request[] {
  const missingKey = loopbackRequest('hcc-patient-view') as { prefetch: Record<string, unknown> };
  delete missingKey.prefetch.observations;
  const noContext = { ...loopbackRequest('hcc-tace-order-sign'), context: undefined };
  const wrongTypes = { ...loopbackRequest('hcc-tace-order-select'), prefetch: { patient: 'x', conditions: [1, 2], observations: 1e308 } };
  return [
    { method: 'GET', path: '/cds-services' },
    { method: 'POST', path: '/cds-services/hcc-patient-view', headers: json, body: JSON.stringify(loopbackRequest('hcc-patient-view')) },
    { method: 'POST', path: '/cds-services/hcc-tace-order-select', headers: json, body: JSON.stringify(loopbackRequest('hcc-tace-order-select')) },
    { method: 'POST', path: '/cds-services/hcc-tace-order-sign', headers: json, body: JSON.stringify(loopbackRequest('hcc-tace-order-sign')) },
    {
      method: 'POST',
      path: '/cds-services/hcc-patient-view/feedback',
      headers: json,
      // Fresh card ids each time, so the store really writes.
      setupRequest: (req) => ({ ...req, body: JSON.stringify(validFeedback()) }),
    },
    { method: 'POST', path: '/cds-services/hcc-patient-view', headers: json, body: '{"hook":"patient-view","context":' }, // 400 malformed JSON
    { method: 'POST', path: '/cds-services/hcc-tace-order-sign', headers: json, body: JSON.stringify(noContext) }, // 400
    { method: 'POST', path: '/cds-services/hcc-tace-order-select', headers: json, body: JSON.stringify(wrongTypes) }, // 400
    { method: 'POST', path: '/cds-services/hcc-patient-view', headers: json, body: JSON.stringify(missingKey) }, // 412: no prefetch, no fhirServer
    // 404, a fresh unknown id each time (nothing may grow per unknown id: metrics labels, caches).
    { method: 'POST', path: '/cds-services/no-such-service', headers: json, body: '{}', setupRequest: (req) => ({ ...req, path: `/cds-services/no-such-${randomUUID()}` }) },
    { method: 'POST', path: '/cds-services/hcc-patient-view/feedback', headers: json, body: JSON.stringify({ feedback: [{ card: 'x', outcome: 'maybe' }] }) }, // 400
  ];
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  let child: ChildProcess | undefined;
  let workDir: string | undefined;
  let base = options.url;
  let pid = options.pid;
  const serverErrors: string[] = [];

  if (!base) {
    workDir = mkdtempSync(join(tmpdir(), 'hcc-cds-soak-'));
    const port = await freePort();
    // Started as `npm start` starts it (same Node heap flags), so the soak measures what runs in production.
    child = spawn(process.execPath, [...startFlags(), join(root, 'dist', 'src', 'server.js')], {
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'development', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', FEEDBACK_DB: join(workDir, 'feedback.sqlite') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (chunk: Buffer): void => {
      for (const line of String(chunk).split('\n')) if (/"level":(50|60)/.test(line) || (line.trim() && !line.startsWith('{'))) serverErrors.push(line.slice(0, 500));
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    base = `http://127.0.0.1:${port}`;
    pid = child.pid;
    await waitHealthy(base, child);
  }

  const rssStart = rssMb(pid);
  let rssPeak = rssStart ?? 0;
  // RSS once warmed up (JIT, heap growth, SQLite cache): at 20% of the run, at least 5 s in. Flat memory = end ~ warm.
  const warmAtMs = Math.max(5000, options.durationSec * 200);
  const startedAt = Date.now();
  let rssWarm: number | undefined;
  const sampler = setInterval(() => {
    const now = rssMb(pid);
    rssPeak = Math.max(rssPeak, now ?? 0);
    if (rssWarm === undefined && Date.now() - startedAt >= warmAtMs) rssWarm = now;
  }, 1000);
  process.stdout.write(`soak: ${options.durationSec} s, ${options.concurrency} connections, ${base}${pid ? ` (pid ${pid})` : ''}, RSS at start ${rssStart ?? '?'} MB\n`);

  const result = await autocannon({ url: base, connections: options.concurrency, duration: options.durationSec, requests: mix(), timeout: 10 });
  clearInterval(sampler);
  const rssEnd = rssMb(pid);
  rssPeak = Math.max(rssPeak, rssEnd ?? 0);

  const byStatus: Record<string, number> = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([status, stats]) => [status, stats.count ?? 0]).sort(([a], [b]) => Number(a) - Number(b)));
  const total = Object.values(byStatus).reduce((sum, n) => sum + n, 0);
  const fiveXx = result['5xx'];
  const report = {
    durationSec: result.duration,
    connections: options.concurrency,
    totalCalls: total,
    callsPerSec: Math.round(total / result.duration),
    byStatus,
    fiveXx,
    connectionErrors: result.errors,
    timeouts: result.timeouts,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    rssMb: { start: rssStart, warm: rssWarm, peak: rssPeak || undefined, end: rssEnd },
    serverErrorLogLines: serverErrors.length,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  for (const line of serverErrors.slice(0, 5)) process.stdout.write(`server: ${line}\n`);

  let serverDied = false;
  if (child) {
    if (child.exitCode !== null) serverDied = true;
    const exited = new Promise<number | null>((resolve) => (child!.exitCode !== null ? resolve(child!.exitCode) : child!.once('exit', (code) => resolve(code))));
    child.kill('SIGTERM');
    const code = await exited;
    if (code !== 0) {
      serverDied = true;
      process.stdout.write(`soak: server exited with ${code} on SIGTERM\n`);
    }
  }
  if (workDir) rmSync(workDir, { recursive: true, force: true });
  const failed = fiveXx > 0 || result.errors > 0 || result.timeouts > 0 || serverDied;
  process.stdout.write(failed ? 'soak: FAILED\n' : 'soak: ok (no 5xx, no connection errors)\n');
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`soak: ${(error as Error).message}\n`);
    process.exit(2);
  },
);
