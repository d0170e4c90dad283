/**
 * The FHIR side of the benchmark, in its own process so that its timers and I/O do not queue behind autocannon:
 * `stub` = the fixed-delay FHIR stub (argv: stub <fixture> <delay ms>), `medplum` = the loopback FHIR server with
 * every fixture loaded, behind the counting proxy. Reports its base URL, and on request its traffic, over IPC.
 */
import { calendarDate } from '../src/common/calendar.js';
import { startFhirServer } from '../dev/fhir-server/fhir-server.js';
import { loadFixtures } from '../dev/fhir-server/fixture-loader.js';
import { FIXTURES_DIR, loadFixture } from '../dev/fixtures/fixtures.js';
import { startCountingProxy, startDelayStub, type Listening } from './fhir-counter.js';

export type FhirProcessMessage =
  | { type: 'listening'; baseUrl: string }
  | { type: 'traffic'; requests: number; maxInFlight: number; inFlight: number }
  | { type: 'failed'; message: string };

const [mode, fixture = 'tace-realistic', delay = '20'] = process.argv.slice(2);
const today = calendarDate(new Date(), 'UTC');
const send = (message: FhirProcessMessage): void => void process.send?.(message);

async function start(): Promise<{ listening: Listening; close: () => Promise<void> }> {
  if (mode === 'stub') {
    const listening = await startDelayStub(loadFixture(fixture, today), Number(delay));
    return { listening, close: () => listening.close() };
  }
  const medplum = await startFhirServer({});
  const report = await loadFixtures({ fhirBaseUrl: medplum.baseUrl, fixturesDir: FIXTURES_DIR, today });
  if (!report.ok) throw new Error(`fixtures rejected by the local FHIR server: ${report.rejected.length}`);
  const listening = await startCountingProxy(medplum.baseUrl);
  return { listening, close: async () => Promise.all([listening.close(), medplum.close()]).then(() => undefined) };
}

try {
  const { listening, close } = await start();
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'reset') listening.traffic.reset();
    // A reset is answered with the (reset) traffic, so the caller knows it landed before its next run.
    if (message.type === 'traffic' || message.type === 'reset') send({ type: 'traffic', requests: listening.traffic.requests, maxInFlight: listening.traffic.maxInFlight, inFlight: listening.traffic.inFlight });
    if (message.type === 'stop') void close().then(() => process.exit(0));
  });
  send({ type: 'listening', baseUrl: listening.baseUrl });
} catch (error) {
  send({ type: 'failed', message: String((error as Error)?.stack ?? error) });
  process.exit(1);
}
