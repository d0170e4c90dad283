// npm run sandbox:check: the CDS Hooks Sandbox round trip in headless Chromium against the repo's own minimal
// client page (discovery, patient-view with fhirServer on the loopback FHIR server, cards rendered, accept and
// dismiss feedback posted and read back), JWT client authentication on. Offline; exits 1 when any step fails.
// Usage: npm run sandbox:check [-- --patient hcc-resection-afp] [--screenshot file.png] [--chromium /usr/bin/chromium]
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    patient: { type: 'string' },
    screenshot: { type: 'string' },
    chromium: { type: 'string' },
  },
});
const { runSandboxCheck, CHROMIUM_PATH } = await import('../dist/dev/cds-client/sandbox-check.js');
const started = performance.now();
const report = await runSandboxCheck({
  ...(values.patient ? { patientId: values.patient } : {}),
  ...(values.screenshot ? { screenshotPath: values.screenshot } : {}),
  chromiumPath: values.chromium ?? CHROMIUM_PATH,
  log: (line) => console.log(line),
});
const seconds = ((performance.now() - started) / 1000).toFixed(1);
if (report.ok) {
  console.log(`sandbox:check passed in ${seconds} s`);
} else {
  console.error(`sandbox:check FAILED after ${seconds} s: ${report.failure}`);
  process.exit(1);
}
