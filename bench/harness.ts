/**
 * What the benchmark scripts share: the service and FHIR-side child processes and their IPC, autocannon runs with
 * per-response latencies, the benchmark's request bodies, and number formatting.
 */
import autocannon from 'autocannon';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { calendarDate } from '../src/common/calendar.js';
import { compileValidators } from '../src/cds-hooks/schemas.js';
import { loadServiceRegistry } from '../src/cds-hooks/service-registry.js';
import { PACKAGE_ROOT } from '../src/config.js';
import { fixtureHookRequest, loadFixture, loadManifest } from '../dev/fixtures/fixtures.js';
import type { FhirProcessMessage } from './fhir-process.js';

export { startFlags } from '../scripts/start-flags.js';

export const MB = 1048576;

/** The bench's `--name value` options (every bench script takes the same form). */
export function benchArgs(argv: readonly string[] = process.argv.slice(2)): { text: (name: string) => string | undefined; number: (name: string, fallback: number) => number } {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) values.set(argv[i]!.replace(/^--/, ''), argv[i + 1] ?? '');
  return { text: (name) => values.get(name), number: (name, fallback) => (values.has(name) ? Number(values.get(name)) : fallback) };
}

export interface Usage {
  cpuMicros: number;
  userMicros: number;
  systemMicros: number;
  rssBytes: number;
  heapTotalBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
  maxRssBytes: number;
}

/** A child process that answers typed messages over IPC. */
export function ask<T extends { type?: string }>(child: ChildProcess, request: string, reply: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (message: T): void => {
      if (message.type !== reply) return;
      child.off('message', onMessage);
      resolve(message);
    };
    child.on('message', onMessage);
    child.send({ type: request });
  });
}
export const usage = (child: ChildProcess): Promise<Usage> => ask<Usage & { type: string }>(child, 'usage', 'usage');

export interface FhirSide {
  baseUrl: string;
  child: ChildProcess;
}

export async function startFhirSide(args: string[]): Promise<FhirSide> {
  const child = fork(join(PACKAGE_ROOT, 'dist', 'bench', 'fhir-process.js'), args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const message = await ready(child, 'the FHIR side', (m: FhirProcessMessage) => m.type === 'listening' || m.type === 'failed');
  if (message.type !== 'listening') throw new Error(`the FHIR side did not start: ${message.type === 'failed' ? message.message : ''}`);
  return { baseUrl: message.baseUrl, child };
}

/** One autocannon run; latencies taken from every response (autocannon's own histogram keeps whole milliseconds). */
/** `authorization`: called per request for its Authorization header (a fresh client JWT each time). */
export function cannon(url: string, payload: string, connections: number, duration: number, authorization?: () => string): Promise<{ latencies: number[]; result: autocannon.Result }> {
  const latencies: number[] = [];
  const perRequest = authorization ? { requests: [{ setupRequest: (request: autocannon.Request) => ({ ...request, headers: { ...request.headers, authorization: authorization() } }) }] } : {};
  return new Promise((resolve, reject) => {
    const instance = autocannon({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body: payload, connections, duration, ...perRequest }, (error, result) => {
      if (error) reject(error);
      else resolve({ latencies, result });
    });
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export type Traffic = { type: string; requests: number; maxInFlight: number; inFlight: number };
export const traffic = (fhir: FhirSide): Promise<Traffic> => ask<Traffic>(fhir.child, 'traffic', 'traffic');

/**
 * When autocannon stops, the calls it abandoned are still running in the service with their FHIR requests open;
 * wait for them so that they count neither as overlap nor as CPU of the next run.
 */
export async function quiesce(fhir: FhirSide): Promise<void> {
  for (let waited = 0; waited < 5000 && (await traffic(fhir)).inFlight > 0; waited += 20) await sleep(20);
  await sleep(50);
  await ask<Traffic>(fhir.child, 'reset', 'traffic');
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
};

export const fmt = (n: number | undefined, digits = 2): string => (n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits));
export const mb = (bytes: number): string => (bytes / MB).toFixed(0);

/** The service under test (bench/server.ts) in its own process, with the given Node flags; resolves with its base URL. */
export async function startService(flags: string[], extraExecArgv: string[] = [], env: Record<string, string> = {}): Promise<{ child: ChildProcess; base: string; floorBase: string }> {
  // A store file as in production: an in-memory database would hold every issued-card log row in the process's RSS.
  const feedbackDb = join(mkdtempSync(join(tmpdir(), 'hcc-cds-bench-')), 'feedback.sqlite');
  const child = fork(join(PACKAGE_ROOT, 'dist', 'bench', 'server.js'), [], {
    execArgv: [...flags, ...extraExecArgv],
    env: { ...process.env, NODE_ENV: 'development', PREVIEW_ENABLED: 'false', FEEDBACK_DB: feedbackDb, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const message = await ready(child, 'the service', (m: { type?: string; port?: number; floorPort?: number }) => m.type === 'listening');
  return { child, base: `http://127.0.0.1:${message.port!}`, floorBase: `http://127.0.0.1:${message.floorPort!}` };
}

/** The child's first message that `done` accepts; rejects if the child exits first or says nothing for 60 s. */
function ready<T>(child: ChildProcess, what: string, done: (message: T) => boolean): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${what} did not start within 60 s`));
    }, 60_000);
    const onExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (code ${code}) before it was ready`));
    };
    child.once('exit', onExit);
    child.on('message', (message: T) => {
      if (!done(message)) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve(message);
    });
  });
}

/** The benchmark's hook requests: order-select for `tace-realistic`, patient-view for `surv-overdue`, with full prefetch. */
export function benchBodies(): { taceBundle: fhir4.Bundle; selectBody: object; selectBodyFor: (bundle: fhir4.Bundle) => object; viewBody: object; roadBody: (fhirServer: string) => object } {
  const today = calendarDate(new Date(), 'UTC');
  const manifest = loadManifest();
  const registry = loadServiceRegistry(join(PACKAGE_ROOT, 'hooks'), compileValidators());
  const select = registry.services.find((s) => s.hook === 'order-select')!;
  const view = registry.services.find((s) => s.hook === 'patient-view')!;
  const taceEntry = manifest.fixtures.find((f) => f.name === 'tace-realistic')!;
  const survEntry = manifest.fixtures.find((f) => f.name === 'surv-overdue')!;
  const taceBundle = loadFixture('tace-realistic', today);
  const selectBodyFor = (bundle: fhir4.Bundle): object => fixtureHookRequest(taceEntry, 'order-select', select.prefetch, bundle);
  return {
    taceBundle,
    selectBody: selectBodyFor(taceBundle),
    selectBodyFor,
    viewBody: fixtureHookRequest(survEntry, 'patient-view', view.prefetch, loadFixture('surv-overdue', today)),
    roadBody: (fhirServer) => ({ ...fixtureHookRequest(taceEntry, 'order-select', select.prefetch), fhirServer }),
  };
}
