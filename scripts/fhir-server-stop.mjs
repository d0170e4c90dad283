// Stops the loopback FHIR server by the PID its start script recorded. Usage: npm run fhir:stop [-- --pid-file F]
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';

const { values } = parseArgs({ options: { 'pid-file': { type: 'string', default: process.env.FHIR_PID_FILE ?? '.fhir-server.pid' } } });
const pidFile = values['pid-file'];
if (!existsSync(pidFile)) {
  console.log(`fhir-server: not running (no ${pidFile})`);
  process.exit(0);
}
const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);

function alive() {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** Guards against a recycled PID: on Linux, the process must be our server script. */
function isOurServer() {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('fhir-server');
  } catch {
    return process.platform !== 'linux';
  }
}

if (!Number.isInteger(pid) || pid <= 0 || !alive() || !isOurServer()) {
  console.log(`fhir-server: not running (stale ${pidFile} removed)`);
  rmSync(pidFile, { force: true });
  process.exit(0);
}
process.kill(pid, 'SIGTERM');
for (let waited = 0; waited < 5000 && alive(); waited += 50) await sleep(50);
if (alive()) {
  console.error(`fhir-server: pid ${pid} did not stop within 5 s; sending SIGKILL`);
  process.kill(pid, 'SIGKILL');
}
rmSync(pidFile, { force: true });
console.log(`fhir-server: stopped pid ${pid}`);
