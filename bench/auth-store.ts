/**
 * `node dist/bench/auth-store.js`: what client authentication and its replay store cost per hook call, the rows the
 * replicas issue asks for. patient-view with full prefetch (the cheapest call, so the authentication shows) at
 * concurrency 1 and 10, three ways, each in a fresh service process, in rotation:
 *   open access (no JWT), JWT with the replay cache in the embedded SQLite store, JWT with it in PostgreSQL
 *   (one INSERT per authenticated call; DATABASE_URL from BENCH_DATABASE_URL, default a database `hcc_bench` on
 *   127.0.0.1:5432, created when missing).
 * Every request carries a fresh ES256 client JWT (signed before the run, so the load generator does not sign).
 * Options: --duration <s> (default 3), --repeat <runs per row> (default 3). Not a test.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import pg from 'pg';
import { benchArgs, benchBodies, cannon, fmt, mb, median, percentile, startFlags, startService, usage } from './harness.js';

const args = benchArgs();
const DURATION = args.number('duration', 3);
const REPEAT = args.number('repeat', 3);
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/hcc_bench';
const PUBLIC_BASE_URL = 'http://bench.invalid';
const PATH = '/cds-services/hcc-patient-view';
const ISSUER = 'bench-client';

async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = target.pathname.slice(1);
  const admin = new pg.Client({ connectionString: Object.assign(new URL(url), { pathname: '/postgres' }).href });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await admin.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
  } finally {
    await admin.end();
  }
}

const { privateKey, publicKey } = await generateKeyPair('ES256');
const dir = mkdtempSync(join(tmpdir(), 'hcc-bench-auth-'));
const clientsFile = join(dir, 'clients.json');
writeFileSync(clientsFile, JSON.stringify({ clients: [{ iss: ISSUER, jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' }] } }] }));
await ensureDatabase(DATABASE_URL);

const settings: { name: string; env: Record<string, string>; jwt: boolean }[] = [
  { name: 'open access (no JWT)', env: {}, jwt: false },
  { name: 'JWT, replay cache in SQLite (embedded store)', env: { CDS_CLIENTS_FILE: clientsFile }, jwt: true },
  { name: 'JWT, replay cache in PostgreSQL (INSERT per call)', env: { CDS_CLIENTS_FILE: clientsFile, DATABASE_URL }, jwt: true },
];
const common = { PUBLIC_BASE_URL, JWT_REPLAY_QUOTA_PER_ISSUER: '10000000' };

/** Enough distinct tokens for one run at a generous rate. */
async function tokens(count: number): Promise<string[]> {
  const now = Math.floor(Date.now() / 1000);
  const signed: string[] = [];
  for (let i = 0; i < count; i += 1) {
    signed.push(`Bearer ${await new SignJWT({ iss: ISSUER, aud: `${PUBLIC_BASE_URL}${PATH}`, iat: now, exp: now + 280, jti: randomUUID() }).setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: 'bench' }).sign(privateKey)}`);
  }
  return signed;
}

const payload = JSON.stringify(benchBodies().viewBody);
const results = new Map<string, { cpu: number[]; p50: number[]; p99: number[]; rps: number[]; non2xx: number }>();
for (let rep = 0; rep < REPEAT; rep += 1) {
  for (const setting of settings) {
    const { child, base } = await startService(startFlags(), [], { ...common, ...setting.env });
    for (const connections of [1, 10]) {
      const pool = setting.jwt ? await tokens(Math.ceil(4000 * (DURATION + 1))) : [];
      let next = 0;
      const authorization = setting.jwt ? () => pool[next++ % pool.length]! : undefined;
      await cannon(`${base}${PATH}`, payload, connections, 1, authorization);
      const before = await usage(child);
      const { latencies, result } = await cannon(`${base}${PATH}`, payload, connections, DURATION, authorization);
      const after = await usage(child);
      latencies.sort((a, b) => a - b);
      const key = `${setting.name}\u0000${connections}`;
      const r = results.get(key) ?? { cpu: [], p50: [], p99: [], rps: [], non2xx: 0 };
      r.cpu.push((after.cpuMicros - before.cpuMicros) / 1000 / Math.max(result.requests.total, 1));
      r.p50.push(percentile(latencies, 50));
      r.p99.push(percentile(latencies, 99));
      r.rps.push(result.requests.total / DURATION);
      r.non2xx += result.non2xx + result.errors;
      results.set(key, r);
      process.stdout.write(`[${rep + 1}/${REPEAT}] ${setting.name} c=${connections}: CPU ${fmt(r.cpu.at(-1), 3)} ms/call, p50 ${fmt(r.p50.at(-1))} ms, p99 ${fmt(r.p99.at(-1))} ms, ${r.rps.at(-1)!.toFixed(0)}/s, RSS ${mb(after.rssBytes)} MB${result.non2xx + result.errors ? `, ${result.non2xx + result.errors} non-2xx!` : ''}${next > pool.length ? ' (tokens reused!)' : ''}\n`);
    }
    child.send({ type: 'stop' });
  }
}
rmSync(dir, { recursive: true, force: true });
process.stdout.write('\n| patient-view, full prefetch | Conc. | CPU ms/call | p50 ms | p99 ms | calls/s | non-2xx |\n|---|---|---|---|---|---|---|\n');
for (const [key, r] of results) {
  const [name, c] = key.split('\u0000');
  process.stdout.write(`| ${name} | ${c} | ${fmt(median(r.cpu), 3)} | ${fmt(median(r.p50))} | ${fmt(median(r.p99))} | ${median(r.rps).toFixed(0)} | ${r.non2xx} |\n`);
}
