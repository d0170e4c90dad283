/**
 * WEB_CONCURRENCY=N: N worker processes serving one port, with node:cluster. Why cluster rather than one process per
 * core behind a proxy: one port and one process to supervise (the primary restarts a worker that dies and drains
 * them all on SIGTERM), nothing else to install or configure, and the connections are spread by the primary
 * (round-robin on Linux). The workers share the store: the SQLite file (with the replay cache in it) or PostgreSQL.
 * /metrics answers for every worker: the worker that gets the scrape asks the primary, which aggregates all the
 * workers' registries with prom-client's AggregatorRegistry (counters summed, gauges as each declares).
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { AggregatorRegistry, Registry } from 'prom-client';
import type { AppConfig } from '../config.js';
import { openStore } from './open-store.js';

const METRICS_REQUEST = 'hcc-cds:metrics-request';
const METRICS_ANSWER = 'hcc-cds:metrics-answer';
const LISTENING = 'hcc-cds:listening';
const METRICS_TIMEOUT_MS = 6000;

interface Message {
  type?: unknown;
  id?: unknown;
  text?: unknown;
  error?: unknown;
  port?: unknown;
}

export const isClusterWorker = (): boolean => cluster.isWorker;

/** In a worker: lets the primary read this worker's registry when any worker is scraped. */
export function shareMetricsWithPrimary(registry: Registry): void {
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
}

let nextRequest = 0;
const pending = new Map<number, { resolve(text: string): void; reject(error: Error): void; timer: NodeJS.Timeout }>();
let answersHeard = false;

/** In a worker: the metrics of every worker, aggregated by the primary; this worker's own, marked so, when that fails. */
export async function clusterMetricsText(local: Registry): Promise<string> {
  if (!answersHeard) {
    answersHeard = true;
    process.on('message', (message: Message) => {
      if (message?.type !== METRICS_ANSWER || typeof message.id !== 'number') return;
      const waiting = pending.get(message.id);
      if (!waiting) return;
      pending.delete(message.id);
      clearTimeout(waiting.timer);
      if (typeof message.text === 'string') waiting.resolve(message.text);
      else waiting.reject(new Error(String(message.error ?? 'no answer')));
    });
  }
  const id = nextRequest++;
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error('the primary did not answer'));
      }, METRICS_TIMEOUT_MS);
      pending.set(id, { resolve, reject, timer });
      process.send?.({ type: METRICS_REQUEST, id });
    });
  } catch (error) {
    const note = `# hcc-cds: the workers' metrics could not be aggregated (${(error as Error).message}); these are worker ${cluster.worker?.id ?? '?'}'s only\n`;
    return note + (await local.metrics());
  }
}

/** In a worker, once it listens: tells the primary. */
export function announceListening(port: number): void {
  process.send?.({ type: LISTENING, port });
}

/**
 * The primary: checks the store once (migrations run here, so workers never race them and a bad FEEDBACK_DB or
 * DATABASE_URL stops start-up once), forks the workers, logs "hcc-cds listening" when all of them listen, restarts
 * a worker that dies (after a back-off when they keep dying), and on SIGTERM/SIGINT drains them all.
 */
export async function runPrimary(config: AppConfig, logger: Logger, graceMs: number): Promise<void> {
  const store = await openStore(config, { logger, registry: new Registry() });
  await store.close();

  const aggregator = new AggregatorRegistry();
  const listened = new Set<number>();
  const deaths: number[] = [];
  let announced = false;
  let stopping = false;
  let failedCode = 0;

  const fork = (): Worker => {
    const worker = cluster.fork();
    worker.on('message', (message: Message) => {
      if (message?.type === LISTENING && typeof message.port === 'number') {
        listened.add(worker.id);
        if (!announced && listened.size >= config.webConcurrency) {
          announced = true;
          logger.info({ port: message.port, workers: config.webConcurrency, publicBaseUrl: config.publicBaseUrl, nodeEnv: config.nodeEnv, timeZone: config.timeZone }, 'hcc-cds listening');
        }
      } else if (message?.type === METRICS_REQUEST && typeof message.id === 'number') {
        const id = message.id;
        aggregator.clusterMetrics().then(
          (text) => worker.isConnected() && worker.send({ type: METRICS_ANSWER, id, text }),
          (error: Error) => worker.isConnected() && worker.send({ type: METRICS_ANSWER, id, error: error.message }),
        );
      }
    });
    return worker;
  };

  const finishIfDone = (): void => {
    if (Object.keys(cluster.workers ?? {}).length > 0) return;
    logger.info({ exitCode: failedCode }, 'stopped');
    process.exit(failedCode);
  };

  const stopAll = (reason: string, code: number): void => {
    if (stopping) return;
    stopping = true;
    failedCode = code;
    logger.info({ reason, workers: Object.keys(cluster.workers ?? {}).length }, 'shutting down: draining every worker');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    const force = setTimeout(() => {
      logger.error('workers did not finish in time; killing them');
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
      process.exit(1);
    }, graceMs + 2000);
    force.unref();
    finishIfDone();
  };

  cluster.on('exit', (worker, code, signal) => {
    const started = listened.delete(worker.id);
    if (stopping) {
      if (code !== 0 && failedCode === 0) failedCode = 1;
      finishIfDone();
      return;
    }
    if (!started) {
      // It could not start (a configuration or data problem): restarting would only loop. The worker said why.
      logger.error({ worker: worker.id, code, signal }, 'a worker could not start; stopping');
      stopAll('a worker could not start', 1);
      return;
    }
    const now = Date.now();
    deaths.push(now);
    while (deaths.length > 0 && now - deaths[0]! > 60_000) deaths.shift();
    const delayMs = deaths.length <= 1 ? 0 : Math.min(1000 * 2 ** (deaths.length - 2), 30_000);
    logger.error({ worker: worker.id, pid: worker.process.pid, code, signal, restartInMs: delayMs }, 'a worker died; starting another');
    setTimeout(() => {
      if (!stopping) fork();
    }, delayMs);
  });

  process.on('SIGTERM', () => stopAll('SIGTERM', 0));
  process.on('SIGINT', () => stopAll('SIGINT', 0));
  logger.info({ workers: config.webConcurrency, store: config.databaseUrl ? 'postgres' : 'sqlite' }, 'starting workers (WEB_CONCURRENCY)');
  for (let i = 0; i < config.webConcurrency; i += 1) fork();
}
