import type { Server } from 'node:http';
import { composeService } from './compose.js';
import { StartupError } from './common/startup.js';
import { loadConfig } from './config.js';
import { createLogger } from './http/logger.js';

const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  if (!config.cdsClientsFile) {
    if (config.production && !config.allowUnauthenticated) {
      throw new StartupError('NODE_ENV=production needs CDS_CLIENTS_FILE (or CDS_ALLOW_UNAUTHENTICATED=true to run open on purpose)');
    }
    logger.warn('CDS client authentication is OFF (no CDS_CLIENTS_FILE): any caller can invoke the services');
  }
  const service = await composeService(config, logger);
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
  logger.info({ port, publicBaseUrl: config.publicBaseUrl, nodeEnv: config.nodeEnv, timeZone: config.timeZone }, 'hcc-cds listening');

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
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
}

// Every start-up problem is one line and exit code 1, never a stack trace (an operator reads it, not a developer).
main().catch((error: unknown) => {
  const message = error instanceof StartupError ? error.message : `unexpected ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
  process.stderr.write(`hcc-cds: cannot start: ${message.replace(/\s*[\r\n]+\s*/g, ' ')}\n`);
  process.exit(1);
});
