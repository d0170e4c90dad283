/**
 * The service under benchmark, in its own process: the real app (info logs to /dev/null) plus two references:
 * the Express floor, `POST /bench/floor`, which goes through the same middleware stack and body parser and answers
 * {"cards":[]}, and the `node:http` floor (bench/floor.ts), the same pipeline with the same deps and no stack.
 * Reports both ports, and on request its CPU time and RSS, over IPC.
 */
import express from 'express';
import { openSync } from 'node:fs';
import { pino } from 'pino';
import { composeDeps } from '../src/compose.js';
import { loadConfig } from '../src/config.js';
import { createApp } from '../src/http/app.js';
import { createLogger } from '../src/http/logger.js';
import { startFloor } from './floor.js';

const config = loadConfig({ ...process.env, PORT: '0', PREVIEW_ENABLED: 'false' });
const logger = createLogger('info', pino.destination({ fd: openSync('/dev/null', 'w'), sync: false }));
const floor = (app: express.Express): void => {
  app.post('/bench/floor', express.json({ limit: config.bodyLimitBytes, type: ['application/json', 'application/*+json'] }), (_req, res) => {
    res.json({ cards: [] });
  });
};
const deps = await composeDeps(config, logger, { extraRoutes: floor });
const portOf = (listening: { address(): unknown }): number => {
  const address = listening.address();
  return typeof address === 'object' && address !== null ? (address as { port: number }).port : 0;
};
const floorServer = startFloor(deps, config);
await new Promise<void>((resolve) => floorServer.listen(0, '127.0.0.1', resolve));
const server = createApp(deps).listen(0, '127.0.0.1', () => {
  process.send?.({ type: 'listening', port: portOf(server), floorPort: portOf(floorServer) });
});
const close = async (): Promise<void> => {
  deps.resolver.close?.();
  await deps.store.close();
};
process.on('message', (message: { type?: string }) => {
  if (message.type === 'usage') {
    const cpu = process.cpuUsage();
    const memory = process.memoryUsage();
    process.send?.({ type: 'usage', cpuMicros: cpu.user + cpu.system, userMicros: cpu.user, systemMicros: cpu.system, rssBytes: memory.rss, heapTotalBytes: memory.heapTotal, heapUsedBytes: memory.heapUsed, externalBytes: memory.external, maxRssBytes: process.resourceUsage().maxRSS * 1024 });
  }
  if (message.type === 'stop') {
    floorServer.close();
    server.close(() => void close().then(() => process.exit(0)));
  }
});
