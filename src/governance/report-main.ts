/** Entry of `npm run report` (see report-cli.ts). Exits only once stdout has taken the whole report (a pipe is asynchronous). */
import { failureLine, runReport } from './report-cli.js';

runReport(process.argv.slice(2), process.env, (text) => new Promise<void>((resolve) => process.stdout.write(text, () => resolve()))).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`hcc-cds report: ${failureLine(error)}\n`);
    process.exit(1);
  },
);
