// npm run demo: a loopback FHIR server (Medplum's engine) with every fixture loaded, hcc-cds in-process, each hook
// called for a handful of fixture patients on the FHIR road (no prefetch: the service fetches from the FHIR server),
// the cards printed as a table, then both servers stay up (with the card preview page) until Ctrl-C.
// Usage: npm run demo [-- --port 3000 --fhir-port 8103] [--once]   (--once: print and exit; ports default to free ones)
// Needs the built dist/ (the npm script builds first when it is stale).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    once: { type: 'boolean', default: false },
    port: { type: 'string' },
    'fhir-port': { type: 'string' },
  },
});
const once = values.once;
function portArg(name, fallback) {
  const raw = values[name] ?? String(fallback);
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`demo: --${name} must be 0-65535, got "${raw}"`);
    process.exit(2);
  }
  return port;
}
const cdsPort = portArg('port', once ? 0 : 3000);
const fhirPort = portArg('fhir-port', once ? 0 : 8103);

const DEMO_FIXTURES = ['tace-cpc', 'tace-contra-conditions', 'tace-realistic', 'followup-overdue', 'surv-overdue', 'afp-high'];
const HOOKS = [
  ['patient-view', 'hcc-patient-view'],
  ['order-select', 'hcc-tace-order-select'],
  ['order-sign', 'hcc-tace-order-sign'],
];
const RANK = { critical: 0, warning: 1, info: 2 };

const { startFhirServer } = await import('../dist/dev/fhir-server/fhir-server.js');
const { loadFixtures } = await import('../dist/dev/fhir-server/fixture-loader.js');
const { FIXTURES_DIR, fixtureHookRequest, loadManifest } = await import('../dist/dev/fixtures/fixtures.js');
const { calendarDate } = await import('../dist/src/common/calendar.js');
const { loadConfig, PACKAGE_ROOT } = await import('../dist/src/config.js');
const { composeService } = await import('../dist/src/compose.js');
const { createLogger } = await import('../dist/src/http/logger.js');

const stops = [];
async function stopAll() {
  for (const stop of stops.reverse()) {
    try {
      await stop();
    } catch (error) {
      console.error(`demo: while stopping: ${error.message}`);
    }
  }
}

let exitCode = 0;
try {
  const config0 = loadConfig({ ...process.env, NODE_ENV: process.env.NODE_ENV === 'production' ? 'development' : process.env.NODE_ENV });
  const today = calendarDate(new Date(), config0.timeZone);

  const fhir = await startFhirServer({ port: fhirPort });
  stops.push(() => fhir.close());
  console.log(`FHIR R4 server (Medplum engine, in memory): ${fhir.baseUrl}`);

  const report = await loadFixtures({ fhirBaseUrl: fhir.baseUrl, fixturesDir: FIXTURES_DIR, today });
  console.log(`Fixtures: ${report.loaded} resources from ${report.fixtures.length} fixtures loaded (today = ${today}), ${report.rejected.length} rejected`);
  // A rejected resource is reported loudly but does not stop the demo: the other patients still show their cards.
  for (const rejected of report.rejected.slice(0, 10)) {
    console.error(`  WARNING rejected: ${rejected.file} ${rejected.resource} (HTTP ${rejected.status}): ${String(rejected.diagnostics).slice(0, 200)}`);
  }

  const demoDir = join(PACKAGE_ROOT, '.demo');
  mkdirSync(demoDir, { recursive: true });
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'development',
    PORT: String(cdsPort),
    FEEDBACK_DB: process.env.FEEDBACK_DB ?? join(demoDir, 'feedback.sqlite'),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  });
  const service = await composeService(config, createLogger(config.logLevel), { defaultMetrics: false });
  stops.push(() => service.close());
  const server = service.app.listen(config.port, '127.0.0.1');
  await new Promise((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  stops.push(() => new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }));
  const cdsUrl = `http://127.0.0.1:${server.address().port}`;

  const manifest = loadManifest();
  const rows = [];
  for (const name of DEMO_FIXTURES) {
    const entry = manifest.fixtures.find((f) => f.name === name);
    if (!entry) continue;
    for (const [hook, serviceId] of HOOKS) {
      // No bundle: no prefetch, so every key is fetched from the FHIR server.
      const hookRequest = { ...fixtureHookRequest(entry, hook, {}), fhirServer: fhir.baseUrl };
      const response = await fetch(`${cdsUrl}/cds-services/${serviceId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(hookRequest),
      });
      const body = await response.json();
      if (!response.ok) {
        rows.push([entry.patientId, hook, 'ERROR', String(response.status), body.issue?.[0]?.diagnostics ?? '']);
        exitCode = 1;
        continue;
      }
      const cards = [...body.cards].sort((a, b) => RANK[a.indicator] - RANK[b.indicator]);
      if (cards.length === 0) rows.push([entry.patientId, hook, '-', '-', '(no cards)']);
      for (const card of cards) rows.push([entry.patientId, hook, card.indicator, card.source.topic.code, card.summary]);
    }
  }

  const header = ['patient', 'hook', 'indicator', 'rule id', 'summary'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (i === 4 ? 0 : r[i].length))));
  const line = (cells) => cells.map((c, i) => (i === 4 ? c : c.padEnd(widths[i]))).join('  ');
  console.log('');
  console.log(line(header));
  console.log(line(widths.map((w, i) => '-'.repeat(i === 4 ? 40 : w))));
  let previous = '';
  for (const row of rows) {
    const key = `${row[0]} ${row[1]}`;
    if (previous && key.split(' ')[0] !== previous.split(' ')[0]) console.log('');
    console.log(line(row));
    previous = key;
  }
  console.log('');
  console.log(`${rows.filter((r) => r[2] !== '-' && r[2] !== 'ERROR').length} cards for ${DEMO_FIXTURES.length} patients x ${HOOKS.length} hooks, all fetched from the FHIR server`);
  console.log('');
  console.log(`FHIR server:   ${fhir.baseUrl}`);
  console.log(`hcc-cds:       ${cdsUrl}/cds-services`);
  console.log(`card preview:  ${cdsUrl}/preview`);

  if (once) {
    await stopAll();
    process.exit(exitCode);
  }
  console.log('\nBoth servers are running. Press Ctrl-C to stop.');
  let stopping = false;
  const onSignal = (signal) => {
    if (stopping) return;
    stopping = true;
    console.log(`\ndemo: stopping (${signal})`);
    void stopAll().then(() => {
      console.log('demo: stopped');
      process.exit(0);
    });
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
} catch (error) {
  console.error(`demo: ${error.message}`);
  await stopAll();
  process.exit(1);
}
