// Loads every fhir-fixtures/*.json transaction Bundle into a FHIR R4 server, relative dates resolved to today.
// Usage: npm run fixtures:load -- --fhir http://127.0.0.1:8103/fhir [--token T] [--dir fhir-fixtures] [--today YYYY-MM-DD]
// The token may also come from FHIR_BEARER_TOKEN (keeps it out of the process list). Exit 1 if anything was rejected.
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    fhir: { type: 'string' },
    token: { type: 'string' },
    dir: { type: 'string', default: 'fhir-fixtures' },
    today: { type: 'string' },
  },
});
if (!values.fhir || !/^https?:\/\//.test(values.fhir)) {
  console.error('usage: npm run fixtures:load -- --fhir <FHIR base URL> [--token T] [--dir fhir-fixtures] [--today YYYY-MM-DD]');
  process.exit(2);
}
const { loadFixtures } = await import('../dist/dev/fhir-server/fixture-loader.js');
const { calendarDate } = await import('../dist/src/common/calendar.js');
const today = values.today ?? calendarDate(new Date(), process.env.CDS_TIME_ZONE?.trim() || 'UTC');
if (!/^\d{4}-\d{2}-\d{2}$/.test(today)) {
  console.error(`fixtures:load: --today must be YYYY-MM-DD, got "${today}"`);
  process.exit(2);
}
const token = values.token ?? process.env.FHIR_BEARER_TOKEN;
console.log(`Loading ${values.dir}/*.json into ${values.fhir} (today = ${today})`);
try {
  const report = await loadFixtures({ fhirBaseUrl: values.fhir, fixturesDir: values.dir, today, ...(token ? { bearerToken: token } : {}), log: (line) => console.log(line) });
  console.log(`${report.loaded} resources loaded from ${report.fixtures.length} fixtures, ${report.rejected.length} rejected`);
  process.exit(report.ok ? 0 : 1);
} catch (error) {
  console.error(`fixtures:load: ${error.message}`);
  process.exit(1);
}
