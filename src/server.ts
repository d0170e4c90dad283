import cluster from 'node:cluster';
import type { Server } from 'node:http';
import { composeService } from './compose.js';
import { StartupError } from './common/startup.js';
import { loadConfig } from './config.js';
import { createLogger } from './http/logger.js';
import { announceListening, clusterMetricsText, runPrimary, shareMetricsWithPrimary } from './store/cluster.js';

const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  const config = loadConfig();
  // Under WEB_CONCURRENCY each worker's lines say which worker wrote them.
  const logger = cluster.isWorker ? createLogger(config.logLevel).child({ worker: cluster.worker?.id }) : createLogger(config.logLevel);
  if (!config.cdsClientsFile) {
    if (config.production && !config.allowUnauthenticated) {
      throw new StartupError('NODE_ENV=production needs CDS_CLIENTS_FILE (or CDS_ALLOW_UNAUTHENTICATED=true to run open on purpose)');
    }
    if (!cluster.isWorker) logger.warn('CDS client authentication is OFF (no CDS_CLIENTS_FILE): any caller can invoke the services');
  }
  if (config.webConcurrency > 1 && cluster.isPrimary) {
    await runPrimary(config, logger, SHUTDOWN_GRACE_MS);
    return;
  }
  const service = await composeService(config, logger, cluster.isWorker ? { metricsText: clusterMetricsText } : {});
  if (cluster.isWorker) shareMetricsWithPrimary(service.metrics.registry);
  const server: Server = service.app.listen(config.port, config.host);
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (error: NodeJS.ErrnoException) => reject(new StartupError(`PORT ${config.port}: cannot listen on ${config.host}:${config.port} (${error.code ?? error.message})`)));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  if (cluster.isWorker) {
    logger.info({ port }, 'worker listening');
    announceListening(port);
  } else {
    logger.info({ port, publicBaseUrl: config.publicBaseUrl, nodeEnv: config.nodeEnv, timeZone: config.timeZone }, 'hcc-cds listening');
  }

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    service.readiness.drain();
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => {
      logger.error('in-flight requests did not finish in time; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    // Keep-alive connections become idle once their in-flight response is sent: close them as they do.
    const closeIdle = setInterval(() => server.closeIdleConnections(), 50);
    closeIdle.unref();
    server.close(() => {
      clearInterval(closeIdle);
      void service.close().then(() => {
        logger.info('stopped');
        process.exit(0);
      });
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  // A worker whose primary is gone (killed) stops too, rather than serving unsupervised.
  if (cluster.isWorker) process.on('disconnect', () => shutdown('primary gone'));
}

// Every start-up problem is one line and exit code 1, never a stack trace (an operator reads it, not a developer).
main().catch((error: unknown) => {
  const message = error instanceof StartupError ? error.message : `unexpected ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
  process.stderr.write(`hcc-cds: cannot start: ${message.replace(/\s*[\r\n]+\s*/g, ' ')}\n`);
  process.exit(1);
});
