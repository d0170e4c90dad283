// Starts the loopback FHIR R4 server (Medplum's engine, in memory), prints its base URL, records its PID and
// stops cleanly on SIGTERM/SIGINT. Usage: npm run fhir:start [-- --port 8103] [--pid-file .fhir-server.pid] [--page-size 20]
// Needs `npm run build` output (the npm script builds first). No --experimental-websocket needed (see dev/fhir-server/websocket-shim.ts).
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.FHIR_PORT ?? '8103' },
    'pid-file': { type: 'string', default: process.env.FHIR_PID_FILE ?? '.fhir-server.pid' },
    'page-size': { type: 'string', default: process.env.FHIR_PAGE_SIZE ?? '20' },
  },
});
const port = Number(values.port);
const pidFile = values['pid-file'];
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`fhir-server: --port must be 0-65535, got "${values.port}"`);
  process.exit(2);
}
const pageSize = Number(values['page-size']);
if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
  console.error(`fhir-server: --page-size must be 1-1000, got "${values['page-size']}"`);
  process.exit(2);
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

if (existsSync(pidFile)) {
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
  if (Number.isInteger(pid) && pid !== process.pid && alive(pid)) {
    console.error(`fhir-server: already running (pid ${pid}, ${pidFile}); stop it with npm run fhir:stop`);
    process.exit(1);
  }
}

const started = performance.now();
const { startFhirServer } = await import('../dist/dev/fhir-server/fhir-server.js');
let server;
try {
  server = await startFhirServer({ port, defaultPageSize: pageSize });
} catch (error) {
  console.error(`fhir-server: could not start on 127.0.0.1:${port}: ${error.message}`);
  process.exit(1);
}
writeFileSync(pidFile, `${process.pid}\n`);
console.log(`FHIR R4 server ready in ${Math.round(performance.now() - started)} ms: ${server.baseUrl} (pid ${process.pid}, ${pidFile})`);

let stopping = false;
async function stop(signal) {
  if (stopping) return;
  stopping = true;
  try {
    await server.close();
  } finally {
    try {
      if (readFileSync(pidFile, 'utf8').trim() === String(process.pid)) rmSync(pidFile);
    } catch {
      // already gone
    }
    console.log(`fhir-server: stopped (${signal})`);
    process.exit(0);
  }
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
