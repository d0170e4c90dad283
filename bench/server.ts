/**
 * The service under benchmark, in its own process: the real app (info logs to /dev/null) plus the Express floor,
 * `POST /bench/floor`, which goes through the same middleware stack and body parser and answers {"cards":[]}.
 * Reports its port, and on request its CPU time and RSS, over IPC.
 */
import express from 'express';
import { openSync } from 'node:fs';
import { pino } from 'pino';
import { composeService } from '../src/compose.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/http/logger.js';

const config = loadConfig({ ...process.env, PORT: '0', PREVIEW_ENABLED: 'false' });
const logger = createLogger('info', pino.destination({ fd: openSync('/dev/null', 'w'), sync: false }));
const floor = (app: express.Express): void => {
  app.post('/bench/floor', express.json({ limit: config.bodyLimitBytes, type: ['application/json', 'application/*+json'] }), (_req, res) => {
    res.json({ cards: [] });
  });
};
const service = await composeService(config, logger, { extraRoutes: floor });
const server = service.app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ type: 'listening', port: typeof address === 'object' && address ? address.port : 0 });
});
process.on('message', (message: { type?: string }) => {
  if (message.type === 'usage') {
    const cpu = process.cpuUsage();
    const memory = process.memoryUsage();
    process.send?.({ type: 'usage', cpuMicros: cpu.user + cpu.system, userMicros: cpu.user, systemMicros: cpu.system, rssBytes: memory.rss, heapTotalBytes: memory.heapTotal, heapUsedBytes: memory.heapUsed, externalBytes: memory.external, maxRssBytes: process.resourceUsage().maxRSS * 1024 });
  }
  if (message.type === 'stop') server.close(() => void service.close().then(() => process.exit(0)));
});
