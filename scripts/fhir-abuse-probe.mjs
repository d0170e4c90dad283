// Measures what hostile FHIR answers cost the built service (`dist/src/server.js`, started with `npm start`'s flags):
// answer time of each hook call and the service's peak RSS (VmHWM), one fresh service process per scenario.
// Usage: node scripts/fhir-abuse-probe.mjs [scenario ...]   (scenarios: endless steady drip bomb; default all)
// Env: PROBE_FHIR_TIMEOUT_MS / PROBE_HOOK_DEADLINE_MS (default 2000 / 3000), PROBE_CALLS (concurrent hook calls per scenario, default 10), PROBE_ENDLESS_CAP_MB (the endless stream stops
// after this much per response, protecting a shared machine when the service does not stop it; default 2048).
// PROBE_DRIP_MS (drip interval, default 1000), PROBE_NODE_ENV (default development), PROBE_NO_FLAGS=1 (start without
// npm start's Node flags; with them, the former fetch transport lost its abort while a body kept arriving).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { gzipSync } from 'node:zlib';
import { startFlags } from '../dist/scripts/start-flags.js';

const CALLS = Number(process.env.PROBE_CALLS ?? 10);
const ENDLESS_CAP = Number(process.env.PROBE_ENDLESS_CAP_MB ?? 2048) * 1024 * 1024;
const STREAM_SECONDS = 12;
const HEAD = '{"resourceType":"Bundle","type":"searchset","entry":[';
const ENTRY = '{"resource":{"resourceType":"Observation","id":"x","status":"final","code":{"text":"padding padding padding"}}},';
const CHUNK = Buffer.from(ENTRY.repeat(Math.ceil(65536 / ENTRY.length)));
const BOMB = gzipSync(Buffer.concat([Buffer.from('{"resourceType":"Bundle","type":"searchset","entry":[],"padding":"'), Buffer.alloc(256 * 1024 * 1024, 'x'), Buffer.from('"}')]), { level: 9 });

const scenarios = {
  // As fast as the socket takes it, until ENDLESS_CAP or STREAM_SECONDS.
  endless: (res, stop) => {
    let sent = 0;
    const pump = () => {
      while (!stop.done && sent < ENDLESS_CAP) {
        sent += CHUNK.length;
        if (!res.write(CHUNK)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  },
  // 1 MB/s until STREAM_SECONDS.
  steady: (res, stop) => {
    const tick = setInterval(() => (stop.done ? (clearInterval(tick), res.end()) : res.write(CHUNK.subarray(0, 102_400))), 100);
    res.on('close', () => clearInterval(tick));
  },
  // One byte a second until STREAM_SECONDS.
  drip: (res, stop) => {
    const tick = setInterval(() => (stop.done ? (clearInterval(tick), res.end()) : res.write(' ')), Number(process.env.PROBE_DRIP_MS ?? 1000));
    res.on('close', () => clearInterval(tick));
  },
};

function startFhir(mode) {
  const sockets = new Set();
  const server = createServer((req, res) => {
    const type = (req.url ?? '').split('/')[2]?.split('?')[0] ?? '';
    if (type !== 'Observation') {
      res.writeHead(200, { 'content-type': 'application/fhir+json' });
      return res.end(JSON.stringify(type === 'Patient' ? { resourceType: 'Patient', id: 'p1', birthDate: '1960-01-01' } : { resourceType: 'Bundle', type: 'searchset', entry: [] }));
    }
    if (mode === 'bomb') {
      res.writeHead(200, { 'content-type': 'application/fhir+json', 'content-encoding': 'gzip', 'content-length': BOMB.length });
      return res.end(BOMB);
    }
    res.writeHead(200, { 'content-type': 'application/fhir+json' });
    res.write(HEAD);
    const stop = { done: false };
    const timer = setTimeout(() => (stop.done = true), STREAM_SECONDS * 1000);
    res.on('close', () => clearTimeout(timer));
    scenarios[mode](res, stop);
  });
  server.on('connection', (socket) => sockets.add(socket));
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ base: `http://127.0.0.1:${server.address().port}/fhir`, close: () => (sockets.forEach((s) => s.destroy()), new Promise((r) => server.close(r))) }),
    ),
  );
}

async function startService() {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(process.execPath, [...(process.env.PROBE_NO_FLAGS ? [] : startFlags()), 'dist/src/server.js'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', NODE_ENV: process.env.PROBE_NODE_ENV ?? 'development', LOG_LEVEL: 'error', FEEDBACK_DB: ':memory:', FHIR_TIMEOUT_MS: process.env.PROBE_FHIR_TIMEOUT_MS ?? '2000', HOOK_DEADLINE_MS: process.env.PROBE_HOOK_DEADLINE_MS ?? '3000' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return { child, base: `http://127.0.0.1:${port}` };
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('service did not start');
}

function memory(pid, field) {
  try {
    return Number(/(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(field)) ?? '')?.[1] ?? 0) / 1024;
  } catch {
    return 0; // the process is gone
  }
}

async function run(mode) {
  const fhir = await startFhir(mode);
  const service = await startService();
  const idle = memory(service.child.pid, 'VmRSS:');
  const body = JSON.stringify({ hook: 'patient-view', hookInstance: 'd1577c69-dfbe-44ad-ba6d-3e05e953b2ea', fhirServer: fhir.base, context: { userId: 'Practitioner/u1', patientId: 'p1' }, prefetch: {} });
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, memory(service.child.pid, 'VmHWM:'))), 50);
  const one = async () => {
    const started = performance.now();
    const res = await fetch(`${service.base}/cds-services/hcc-patient-view`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const text = await res.text();
    return { status: res.status, ms: Math.round(performance.now() - started), why: res.status === 200 ? JSON.parse(text).cards.length + ' cards' : JSON.parse(text).issue?.[0]?.diagnostics };
  };
  const guarded = () => one().catch((error) => ({ status: `no answer (${error.cause?.code ?? error.message}; service exit ${service.child.exitCode ?? service.child.signalCode ?? 'none'})`, ms: Math.round(performance.now() - t0), why: '' }));
  const t0 = performance.now();
  const results = await Promise.all(Array.from({ length: CALLS }, guarded));
  clearInterval(sampler);
  peak = Math.max(peak, memory(service.child.pid, 'VmHWM:'));
  service.child.kill('SIGKILL');
  await fhir.close();
  const times = results.map((r) => r.ms).sort((a, b) => a - b);
  console.log(`${mode.padEnd(8)} calls=${results.length} status=${[...new Set(results.map((r) => r.status))].join(',')} answer ms min/max=${times[0]}/${times.at(-1)} RSS idle=${idle.toFixed(0)} MB peak=${peak.toFixed(0)} MB | ${results[0].why}`);
}

for (const mode of process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['endless', 'steady', 'drip', 'bomb']) await run(mode);
